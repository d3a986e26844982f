"""The floor: each scenario's answer from hand-written SQL through the hub's own driver
(SQLAlchemy async over aiosqlite or asyncpg), serialised to JSON, served over HTTP like the hub.

The SQL carries the same agreement conditions policies/records.polar gives the caller (written
out by hand here, as bench/rls.sql does for the peer), so the floor answers the same question.

    BENCH_FLOOR_URL=sqlite+aiosqlite:///bench/results/full.db \\
        .venv/bin/uvicorn bench.floor:app --port 8001
"""

from __future__ import annotations

import json
import os
import statistics
from collections import defaultdict
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def grants(org: str, purpose: str, own_region: bool) -> str:
    """WITH clause: the grant lines in force for organisation `org` and `purpose` (whose
    agreement, which source and/or theme, with provisional data or not), computed once."""
    region = "AND org.region_id = au.region_id" if own_region else ""
    return f"""WITH g AS MATERIALIZED (
    SELECT a.authority_id, c.source_id, c.theme_code, v.include_provisional
    FROM agreement a
    JOIN authority au ON au.id = a.authority_id
    JOIN agreement_version v ON v.agreement_id = a.id
    JOIN agreement_recipient r ON r.version_id = v.id
    JOIN agreement_purpose p ON p.version_id = v.id
    JOIN agreement_coverage c ON c.version_id = v.id
    JOIN organisation org ON org.id = r.organisation_id {region}
    WHERE org.code = '{org}' AND p.purpose = '{purpose}' AND v.is_current
      AND v.state = 'active' AND v.effective_from <= CURRENT_DATE
      AND (v.effective_to IS NULL OR v.effective_to >= CURRENT_DATE)
      AND (v.review_date IS NULL OR v.review_date >= CURRENT_DATE)) """


def shared(alias: str, theme: str) -> str:
    """The rows of `alias` (authority_id, source_id, status) a line of g covers and releases;
    `theme` is SQL giving the row's theme code.

    One uncorrelated membership test per kind of line (source only, theme only, both) and
    status, so each set of lines is hashed once per statement; a correlated EXISTS over g
    (which has no index) rescans an authority's lines for every row, about doubling the
    region panel's statement on SQLite and PostgreSQL (hub/authz/sql.py does the same). A line
    names a source only when its theme_code IS NULL, a theme only when its source_id IS
    NULL; NULLs never compare equal, so no line matches on a column it leaves open."""
    a = alias
    final = f"{a}.status = 'final'"
    provisional = f"{a}.status = 'provisional'"
    kinds = [
        (f"{a}.authority_id, {a}.source_id", "source_id", "theme_code IS NULL"),
        (f"{a}.authority_id, ({theme})", "theme_code", "source_id IS NULL"),
        (
            f"{a}.authority_id, {a}.source_id, ({theme})",
            "source_id, theme_code",
            "source_id IS NOT NULL AND theme_code IS NOT NULL",
        ),
    ]
    tests = [
        f"({status} AND ({row}) IN (SELECT authority_id, {line} FROM g WHERE {which}{extra}))"
        for row, line, which in kinds
        for status, extra in ((final, ""), (provisional, " AND include_provisional"))
    ]
    return f"{a}.superseded_at IS NULL AND (\n    " + "\n    OR ".join(tests) + ")"


RIEP = ("riep-west-midlands", "early_warning", True)
IDEA = ("idea", "improvement_support", False)


OBS_THEME = "SELECT i2.theme_code FROM indicator i2 WHERE i2.id = o.indicator_id"
OBS_SHARED = shared("o", OBS_THEME)


def _codes(codes: list[str]) -> str:
    return ", ".join("'" + c.replace("'", "''") + "'" for c in codes)


async def _rows(sql: str, **params: Any) -> list[Any]:
    async with ENGINE.connect() as connection:
        return list((await connection.execute(text(sql), params)).all())


async def _authorities(region: str) -> list[Any]:
    return await _rows(
        "SELECT a.id, a.gss_code, a.name FROM authority a JOIN region r ON r.id = a.region_id "
        "WHERE r.code = :region ORDER BY a.name",
        region=region,
    )


async def _panel_rows(v: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    authorities = await _authorities(v["region"])
    rows = await _rows(
        grants(*RIEP) + "SELECT o.authority_id, o.period, o.value, o.status, i.code "
        "FROM observation o JOIN indicator i ON i.id = o.indicator_id "
        "WHERE o.authority_id IN (SELECT a.id FROM authority a JOIN region rg "
        "ON rg.id = a.region_id WHERE rg.code = :region) "
        "AND o.indicator_id IN (SELECT id FROM indicator "
        f"WHERE code IN ({_codes(v['indicators'])})) "
        f"AND o.period_start BETWEEN :f AND :t AND {OBS_SHARED} "
        "ORDER BY o.authority_id, i.code, o.period_start, o.id",
        region=v["region"],
        f=_date(v["from"]),
        t=_date(v["to"]),
    )
    return authorities, rows


def _date(value: str) -> Any:
    from datetime import date

    return date.fromisoformat(value)


async def panel(v: dict[str, Any]) -> Any:
    authorities, rows = await _panel_rows(v)
    by: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by[r.authority_id].append(
            {
                "period": r.period,
                "value": r.value,
                "status": r.status,
                "indicator": {"code": r.code},
            }
        )
    return {
        "region": {
            "authorities": [
                {"gssCode": a.gss_code, "observations": {"nodes": by[a.id]}} for a in authorities
            ]
        }
    }


def _series(rows: list[Any]) -> dict[int, list[dict[str, Any]]]:
    by: dict[int, list[dict[str, Any]]] = defaultdict(list)
    last: tuple[int, str] | None = None
    for r in rows:
        if (r.authority_id, r.code) != last:
            last = (r.authority_id, r.code)
            by[r.authority_id].append(
                {"indicator": {"code": r.code}, "periods": [], "values": [], "statuses": []}
            )
        s = by[r.authority_id][-1]
        s["periods"].append(r.period)
        s["values"].append(r.value)
        s["statuses"].append(r.status)
    return by


async def panel_series(v: dict[str, Any]) -> Any:
    authorities, rows = await _panel_rows(v)
    by = _series(rows)
    return {
        "region": {
            "authorities": [{"gssCode": a.gss_code, "series": by[a.id]} for a in authorities]
        }
    }


async def profile(v: dict[str, Any]) -> Any:
    rows = await _rows(
        grants(*RIEP) + "SELECT o.authority_id, o.period, o.value, o.status, i.code "
        "FROM observation o JOIN indicator i ON i.id = o.indicator_id "
        "WHERE o.authority_id = (SELECT a.id FROM authority a WHERE a.code = :code) "
        f"AND o.period_start BETWEEN :f AND :t AND {OBS_SHARED} "
        "ORDER BY i.code, o.period_start, o.id",
        code=v["code"],
        f=_date(v["from"]),
        t=_date(v["to"]),
    )
    series = next(iter(_series(rows).values()), [])
    return {"authority": {"name": v["code"], "series": series}}


async def overview(v: dict[str, Any]) -> Any:
    authorities = await _authorities(v["region"])
    theme = "SELECT s2.theme_code FROM source s2 WHERE s2.id = o.source_id"
    rows = await _rows(
        grants(*RIEP) + "SELECT o.authority_id, o.framework, o.score, o.judgement, o.period "
        "FROM assessment o "
        "JOIN authority a ON a.id = o.authority_id JOIN region rg ON rg.id = a.region_id "
        f"WHERE rg.code = :region AND {shared('o', theme)} "
        "ORDER BY o.authority_id, o.published_on, o.id",
        region=v["region"],
    )
    by: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by[r.authority_id].append(
            {
                "framework": r.framework,
                "score": r.score,
                "judgement": r.judgement,
                "period": r.period,
            }
        )
    listed = [{"gssCode": a.gss_code, "name": a.name, "assessments": by[a.id]} for a in authorities]
    return {"region": {"authorities": listed}}


async def national(v: dict[str, Any]) -> Any:
    rows = await _rows(
        grants(*IDEA) + "SELECT a.gss_code, o.value FROM observation o "
        "JOIN authority a ON a.id = o.authority_id "
        "WHERE o.indicator_id = (SELECT i.id FROM indicator i WHERE i.code = :code) "
        "AND o.period_start = :start AND o.period = :period "
        f"AND {OBS_SHARED} ORDER BY o.id",
        code=v["indicator"],
        start=_date(v["start"]),
        period=v["period"],
    )
    values = sorted(r.value for r in rows if r.value is not None)
    quartiles = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else []
    return {
        "observations": {
            "nodes": [{"authority": {"gssCode": r.gss_code}, "value": r.value} for r in rows]
        },
        "indicatorSummary": {"count": len(values), "quartiles": quartiles},
    }


async def traces(v: dict[str, Any]) -> Any:
    rows = await _rows(
        "SELECT id, at, role, purpose, operation_name, outcome, touched FROM access_record "
        "WHERE at >= :since AND at < :until ORDER BY id LIMIT :n",
        since=_moment(v["since"]),
        until=_moment(v["until"]),
        n=v["first"] + 1,
    )
    return {
        "accessRecords": {
            "nodes": [
                {
                    "id": str(r.id),
                    "at": str(r.at),
                    "role": r.role,
                    "purpose": r.purpose,
                    "operationName": r.operation_name,
                    "outcome": r.outcome,
                    "touched": r.touched
                    if not isinstance(r.touched, str)
                    else json.loads(r.touched),
                }
                for r in rows[: v["first"]]
            ]
        }
    }


def _moment(value: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(value)


SCENARIOS = {
    "overview": overview,
    "panel": panel,
    "panel_series": panel_series,
    "profile": profile,
    "national": national,
    "traces": traces,
}
_URL = os.environ.get("BENCH_FLOOR_URL", "sqlite+aiosqlite:///:memory:")
# The hub's PostgreSQL connections run without JIT compilation (hub/db.py): so does the floor.
_NO_JIT = {"server_settings": {"jit": "off"}} if _URL.startswith("postgresql") else {}
ENGINE = create_async_engine(_URL, connect_args=_NO_JIT)


async def answer(request: Request) -> Response:
    variables = await request.json()
    data = await SCENARIOS[request.path_params["name"]](variables)
    # orjson, as the hub: the floor serialises as fast as the hub can
    return Response(orjson.dumps({"data": data}, default=str), media_type="application/json")


app = Starlette(routes=[Route("/{name}", answer, methods=["POST"])])
