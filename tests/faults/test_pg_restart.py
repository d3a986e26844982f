"""PostgreSQL restarted under load (a crash: `pg_ctl stop -m immediate`, or SIGKILL to the
postmaster): the hub, never restarted, answers clean JSON errors while the database is away
(503 DATABASE_UNAVAILABLE with Retry-After, never a bare 500 or a stack trace), /readyz says so,
every request succeeds again once it is back, and the access log still verifies.

Runs on a private cluster in a temporary folder (tests/faults/pgcluster.py), never on the
shared test server; skipped when the PostgreSQL server binaries are absent."""

import time
from pathlib import Path

import httpx
import pytest

from tests.faults.hubprocess import free_port, hub, issue, server
from tests.faults.load import Answer, Load
from tests.faults.pgcluster import Cluster, private_cluster

QUERY = "{ regions { code authorities { gssCode } } }"
DOWN_SECONDS = 3
SETTLE_SECONDS = 3  # after the restart, a pooled connection is replaced on its next checkout
AFTER_SECONDS = 6


def _ok(answer: Answer) -> bool:
    return answer.status == 200 and answer.json and not answer.codes


def _clean(answer: Answer) -> bool:
    """A JSON answer: success, or the database is away (503 with Retry-After), or (for a
    request in flight at the crash) a masked internal error of a field."""
    if not answer.json or "Traceback" in answer.text:
        return False
    if answer.status == 503:
        return answer.codes == ("DATABASE_UNAVAILABLE",) and answer.retry_after is not None
    return answer.status == 200 and set(answer.codes) <= {"INTERNAL_SERVER_ERROR"}


def _crash(cluster: Cluster, how: str) -> None:
    if how == "immediate":
        cluster.stop("immediate")
    else:
        cluster.kill9()


@pytest.mark.slow
@pytest.mark.parametrize("how", ["immediate", "kill-9"])
def test_the_hub_recovers_when_postgresql_restarts(how: str, tmp_path: Path) -> None:
    with private_cluster() as cluster:
        url = cluster.url
        assert hub(url, "db", "upgrade").returncode == 0
        demo = hub(url, "demo", "--scale", "tiny", "--no-tokens")
        assert demo.returncode == 0, demo.stderr
        token = issue(url, "riep-north-east", "riep_analyst")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {token}"}

        def query(client: httpx.Client, _: int) -> httpx.Response:
            return client.post("/graphql", json={"query": QUERY}, headers=headers)

        def ready(client: httpx.Client, _: int) -> httpx.Response:
            return client.get("/readyz")

        with (
            server(url, port, tmp_path / "hub.log") as process,
            Load(base, query, threads=3) as load,
            Load(base, ready, threads=1, pause=0.2) as readiness,
        ):
            time.sleep(2)
            down = time.monotonic()
            _crash(cluster, how)
            time.sleep(DOWN_SECONDS)
            cluster.start()
            up = time.monotonic()
            time.sleep(SETTLE_SECONDS + AFTER_SECONDS)
            assert process.poll() is None, "the hub process died"
        verified = hub(url, "audit", "verify")

    answers = load.answers
    assert all(a.status != 0 for a in answers), [a.text for a in answers if a.status == 0][:3]
    unclean = [(a.status, a.text[:300]) for a in answers if not _clean(a)]
    assert unclean == [], unclean[:5]
    assert all(_ok(a) for a in answers if a.answered < down), "failures before the crash"
    outage = load.between(down + 0.5, up)
    assert any(a.status == 503 for a in outage), "no request saw the database away"
    after = load.between(up + SETTLE_SECONDS, float("inf"))
    assert len(after) >= 10
    assert all(_ok(a) for a in after), [a.text[:200] for a in after if not _ok(a)][:3]
    first_ok = min(a.answered for a in load.answers if a.sent >= up and _ok(a))
    print(f"{how}: first success {first_ok - up:.2f} s after the restart")  # for the report

    assert any(a.status == 503 for a in readiness.between(down + 0.5, up))
    assert all(a.status == 200 for a in readiness.between(up + SETTLE_SECONDS, float("inf")))
    assert verified.returncode == 0, verified.stdout + verified.stderr
