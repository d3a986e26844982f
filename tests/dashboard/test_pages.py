"""/dashboard over HTTP: its files are public and strict (CSP: only this origin), its data is
not; no file reaches for another origin or runs inline code."""

import re

from hub.dashboard import STATIC, dashboard_files
from hub.http.headers import API_CSP, DASHBOARD_CSP
from tests.support import World


async def test_pages_are_served_without_a_token_under_a_strict_policy(world: World) -> None:
    async with world.client() as client:
        moved = await client.get("/dashboard")
        assert moved.status_code == 308
        assert moved.headers["location"].endswith("/dashboard/")
        for path, kind in (
            ("/dashboard/", "text/html"),
            ("/dashboard/js/main.js", "javascript"),
            ("/dashboard/dashboard.css", "text/css"),
        ):
            response = await client.get(path)
            assert response.status_code == 200, path
            assert kind in response.headers["content-type"], path
            assert response.headers["content-security-policy"] == DASHBOARD_CSP
            assert response.headers["x-frame-options"] == "DENY"
        assert (await client.get("/dashboard/nothing.js")).status_code == 404
        # the data still needs a token, and keeps the API's policy
        refused = await client.post("/graphql", json={"query": "{ regions { code } }"})
        assert refused.status_code == 401
        assert refused.headers["content-security-policy"] == API_CSP
        assert (await client.post("/dashboard/", content=b"x")).status_code == 401


async def test_page_loads_are_not_written_to_the_access_log(world: World) -> None:
    async with world.client() as client:
        with world.statements.counting() as counter:
            await client.get("/dashboard/js/main.js")
        assert not any("access_record" in s.lower() for s in counter.statements)
        with world.statements.counting() as counter:
            await client.get("/dashboard/secret")  # not a dashboard file: recorded
        assert any("access_record" in s.lower() for s in counter.statements)


def test_the_policy_allows_only_this_origin() -> None:
    directives = dict(d.strip().split(" ", 1) for d in DASHBOARD_CSP.split(";"))
    assert directives["default-src"] == "'none'"
    for name in ("script-src", "style-src", "connect-src", "img-src"):
        assert directives[name] == "'self'", name
    assert "unsafe" not in DASHBOARD_CSP


def test_files_work_offline_with_no_inline_code() -> None:
    assert "/dashboard/js/main.js" in dashboard_files()
    for path in STATIC.rglob("*"):
        if path.suffix not in {".html", ".js", ".css"}:
            continue
        text = path.read_text().replace("http://www.w3.org/2000/svg", "")  # a name, not a URL
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", text), path  # no CDN
        assert "innerHTML" not in text, path  # values from the hub go in as text
        if path.suffix == ".html":
            assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
            assert "style=" not in text, path
            assert "<style" not in text, path
            assert not re.search(r"\son[a-z]+=", text), path  # no inline handlers
