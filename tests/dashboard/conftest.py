"""A real hub under uvicorn (tiny demo, SQLite) and headless Chromium driven by selenium.

Chromium and its driver come from Debian (`apt-get install chromium chromium-driver`); selenium
is pointed at them and never downloads anything. Without them the browser tests skip, unless
HUB_REQUIRE_BROWSER=1 (set by .ci/run), which turns every such skip into a failure.
Screenshots go to HUB_TEST_ARTIFACTS (default test-artifacts/).
"""

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import httpx
import pytest

from hub.auth.tokens import issue_token
from hub.db import create_engine, session_factory, unit_of_work
from hub.demo import DEMO_PRINCIPALS, load_demo
from hub.migrate import upgrade
from hub.models.enums import Role
from hub.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ENABLE = (
    "browser tests skipped: install Chromium to run them (apt-get install chromium chromium-driver)"
)
REQUIRED = os.environ.get("HUB_REQUIRE_BROWSER", "") not in ("", "0")


def unavailable(reason: str) -> NoReturn:
    """Skip a browser test that cannot run here, or fail it where the browser tests are
    required (HUB_REQUIRE_BROWSER=1), so CI cannot pass with them silently skipped."""
    if REQUIRED:
        pytest.fail(f"HUB_REQUIRE_BROWSER is set but {reason}", pytrace=False)
    pytest.skip(reason)


CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--window-size=1280,1000",
)


@dataclass
class LiveHub:
    url: str
    tokens: dict[Role, str] = field(default_factory=dict)
    database_url: str = ""
    server: "Server | None" = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def _prepare(url: str) -> dict[Role, str]:
    engine = create_engine(Settings(database_url=url))
    try:
        await upgrade(engine)
        await load_demo(engine, "tiny")
        tokens = {}
        async with unit_of_work(session_factory(engine)) as session:
            for org_code, role, name in DEMO_PRINCIPALS:
                tokens[role] = await issue_token(session, org_code=org_code, role=role, name=name)
        return tokens
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def artefacts() -> Path:
    directory = Path(os.environ.get("HUB_TEST_ARTIFACTS", "test-artifacts"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


class Server:
    """One `uvicorn hub.app:create_app` process on a fixed port; stopped and started again by
    the reconnect test (the database, in a file, outlives it)."""

    def __init__(self, directory: Path, url: str, port: int) -> None:
        self.directory, self.url, self.port = directory, url, port
        self.process: subprocess.Popen[bytes] | None = None
        self.log = (directory / "uvicorn.log").open("w")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, "HUB_DATABASE_URL": self.url, "HUB_LOG_LEVEL": "warning"}
        command = [sys.executable, "-m", "uvicorn", "--factory", "hub.app:create_app"]
        command += ["--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"]
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"the hub did not start: {(self.directory / 'uvicorn.log').read_text()}"
                )
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(scope="session")
def live_hub(tmp_path_factory: pytest.TempPathFactory, artefacts: Path) -> Iterator[LiveHub]:
    """`uvicorn hub.app:create_app` on a free port, on a fresh database with the tiny demo; its
    log is kept with the screenshots."""
    directory = tmp_path_factory.mktemp("live-hub")
    url = f"sqlite+aiosqlite:///{directory / 'hub.db'}"
    tokens = asyncio.run(_prepare(url))
    server = Server(directory, url, _free_port())
    try:
        server.start()
        yield LiveHub(server.base, tokens, url, server)
    finally:
        server.stop()
        server.log.close()
        shutil.copyfile(directory / "uvicorn.log", artefacts / "dashboard-hub.log")


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Debian Chromium with a fresh profile; skips (saying how to enable) without it."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()) and not shutil.which("chromedriver"):
        unavailable(ENABLE)
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        unavailable(ENABLE)

    os.environ.setdefault("SE_OFFLINE", "true")  # selenium must never fetch a driver
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()
