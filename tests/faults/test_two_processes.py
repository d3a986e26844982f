"""Two hub processes (uvicorn, real OS processes) on one PostgreSQL database, for about a
minute: submitters push overlapping batches through both (some carrying the same values at the
same moment, so that corrections race), some retried with their idempotency key on the other
process (one after the other, or both at once), while an analyst queries both. Afterwards
nothing is lost or duplicated: every key has exactly one applied batch holding exactly the rows
sent, no record has two current values, every request has exactly one access record, and
`hub audit verify` passes.

Runs on a private cluster (tests/faults/pgcluster.py); skipped without PostgreSQL binaries."""

import itertools
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.faults.hubprocess import free_port, hub, issue, server, sql
from tests.faults.load import Load
from tests.faults.pgcluster import private_cluster

SECONDS = 50
SUBMITTERS = 3
PERIODS = [f"{year}-Q{q}" for year in range(2004, 2010) for q in range(1, 5)]
QUERY = "{ regions { code authorities { gssCode observations(first: 50) { nodes { value } } } } }"


@dataclass
class Submissions:
    """What the submitters sent and what they were told, shared by their threads."""

    rows: dict[str, int] = field(default_factory=dict)  # key -> rows in its batch
    answers: dict[str, list[tuple[int, int | None, bool | None]]] = field(default_factory=dict)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answered(self, key: str, response: httpx.Response) -> None:
        body = response.json() if response.status_code in (200, 201) else {}
        batch = body.get("batch") or {}
        with self.lock:
            self.requests += 1
            self.answers.setdefault(key, []).append(
                (response.status_code, batch.get("id"), body.get("replayed"))
            )


def _csv(rng: random.Random, authorities: list[str], indicators: list[str]) -> tuple[bytes, int]:
    """A batch over a few authorities, indicators and periods, chosen so that batches overlap
    (and so supersede each other's values)."""
    chosen = itertools.product(
        rng.sample(authorities, 4), rng.sample(indicators, 3), rng.sample(PERIODS, 2)
    )
    lines = ["authority,indicator,period,value,status"]
    lines += [f"{a},{i},{p},{rng.randint(0, 999)}.5,final" for a, i, p in chosen]
    return ("\n".join(lines) + "\n").encode(), len(lines) - 1


@pytest.mark.slow
def test_two_processes_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    with private_cluster() as cluster:
        url = cluster.url
        assert hub(url, "db", "upgrade").returncode == 0
        demo = hub(url, "demo", "--scale", "tiny", "--no-tokens")
        assert demo.returncode == 0, demo.stderr
        submitter = issue(url, "audit-commission", "submitter", name="two-process-submitter")
        analyst = issue(url, "riep-north-east", "riep_analyst", name="two-process-analyst")
        authorities = [str(r[0]) for r in sql(url, "SELECT gss_code FROM authority")]
        indicators = [
            str(r[0]) for r in sql(url, "SELECT code FROM indicator WHERE code LIKE 'NI%'")
        ][:12]
        bases = [f"http://127.0.0.1:{port}" for port in (free_port(), free_port())]
        sent = Submissions()
        stop = threading.Event()

        def post(base: str, key: str, body: bytes) -> None:
            response = httpx.post(
                f"{base}/ingest/ac-caa",
                params={"dataset": "national-indicators"},
                content=body,
                headers={
                    "Authorization": f"Bearer {submitter}",
                    "Content-Type": "text/csv",
                    "Idempotency-Key": key,
                },
                timeout=60,
            )
            sent.answered(key, response)

        def submit(number: int) -> None:
            rng = random.Random(number)
            for n in itertools.count():
                if stop.is_set():
                    return
                key = f"two-{number}-{n}"
                body, rows = _csv(rng, authorities, indicators)
                with sent.lock:
                    sent.rows[key] = rows
                first, other = (bases[0], bases[1]) if n % 2 else (bases[1], bases[0])
                if n % 4 == 3:  # the same batch through both processes at once
                    twin = threading.Thread(target=post, args=(other, key, body))
                    twin.start()
                    post(first, key, body)
                    twin.join()
                elif n % 4 == 1:  # two corrections of the same values racing each other
                    with sent.lock:
                        sent.rows[f"{key}-twin"] = rows
                    twin = threading.Thread(target=post, args=(other, f"{key}-twin", body))
                    twin.start()
                    post(first, key, body)
                    twin.join()
                else:
                    post(first, key, body)
                    if n % 3 == 2:  # a client retrying, through the other process
                        post(other, key, body)

        def query(client: httpx.Client, n: int) -> httpx.Response:
            headers = {"Authorization": f"Bearer {analyst}"}
            return client.post(f"{bases[n % 2]}/graphql", json={"query": QUERY}, headers=headers)

        with (
            server(url, int(bases[0].rsplit(":", 1)[1]), tmp_path / "hub-0.log"),
            server(url, int(bases[1].rsplit(":", 1)[1]), tmp_path / "hub-1.log"),
            Load("", query, threads=2, pause=0.1) as queries,
        ):
            submitters = [threading.Thread(target=submit, args=(i,)) for i in range(SUBMITTERS)]
            for thread in submitters:
                thread.start()
            time.sleep(SECONDS)
            stop.set()
            for thread in submitters:
                thread.join(timeout=120)

        stored = {
            str(key): (str(status), int(count), int(rows))
            for key, status, count, rows in sql(
                url,
                "SELECT b.idempotency_key, b.status, count(*) OVER (PARTITION BY "
                "b.idempotency_key), (SELECT count(*) FROM observation o WHERE o.batch_id = b.id)"
                " FROM ingest_batch b WHERE b.idempotency_key LIKE 'two-%'",
            )
        }
        doubled = sql(
            url,
            "SELECT authority_id, indicator_id, period, count(*) FROM observation "
            "WHERE superseded_at IS NULL GROUP BY authority_id, indicator_id, period, source_id "
            "HAVING count(*) > 1",
        )
        ingest_records = sql(
            url, "SELECT count(*) FROM access_record WHERE operation_type = 'ingest'"
        )
        query_records = sql(
            url,
            "SELECT count(*) FROM access_record r JOIN principal p ON p.id = r.principal_id "
            "WHERE p.name = 'two-process-analyst'",
        )
        verified = hub(url, "audit", "verify")

    print(
        f"{len(sent.rows)} batches, {sent.requests} ingest requests, "
        f"{len(queries.answers)} queries in {SECONDS} s through two processes"
    )  # for the report
    assert len(sent.rows) >= 20
    for key, answers in sent.answers.items():
        statuses = sorted(status for status, _, _ in answers)
        assert statuses == [200] * (len(answers) - 1) + [201], (key, answers)
        assert len({batch for _, batch, _ in answers}) == 1, (key, answers)
        assert [replayed for status, _, replayed in answers if status == 200] == [True] * (
            len(answers) - 1
        )
    assert stored == {key: ("applied", 1, rows) for key, rows in sent.rows.items()}
    assert doubled == []
    assert all(a.status == 200 and not a.codes for a in queries.answers), [
        a.text[:200] for a in queries.answers if a.status != 200 or a.codes
    ][:3]
    assert ingest_records == [(sent.requests,)]
    assert query_records == [(len(queries.answers),)]
    assert verified.returncode == 0, verified.stdout + verified.stderr
