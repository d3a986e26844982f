"""Client load for the fault tests: threads that send requests in a loop and keep every answer
(when it was sent, when answered, status, error codes), to be judged afterwards."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx


@dataclass(frozen=True)
class Answer:
    sent: float
    answered: float
    status: int  # 0: no HTTP answer at all (connection refused, reset, timed out)
    codes: tuple[str, ...]  # the errors' extensions.code, in order
    json: bool  # the body was JSON
    retry_after: str | None
    text: str


def answer_of(sent: float, response: httpx.Response) -> Answer:
    try:
        body = response.json()
        errors = body.get("errors") or [] if isinstance(body, dict) else []
        codes = tuple(str((e.get("extensions") or {}).get("code")) for e in errors)
        is_json = True
    except ValueError:
        codes, is_json = (), False
    return Answer(
        sent,
        time.monotonic(),
        response.status_code,
        codes,
        is_json,
        response.headers.get("retry-after"),
        response.text[:2000],
    )


Request = Callable[[httpx.Client, int], httpx.Response]


@dataclass
class Load:
    """`threads` clients each calling `request(client, n)` until stopped."""

    base_url: str
    request: Request
    threads: int = 3
    pause: float = 0.05
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _running: list[threading.Thread] = field(default_factory=list)

    def _loop(self, number: int) -> None:
        with httpx.Client(base_url=self.base_url, timeout=30) as client:
            n = 0
            while not self._stop.is_set():
                sent = time.monotonic()
                try:
                    self.answers.append(answer_of(sent, self.request(client, number * 100000 + n)))
                except httpx.TransportError as error:
                    self.answers.append(
                        Answer(sent, time.monotonic(), 0, (), False, None, repr(error))
                    )
                n += 1
                time.sleep(self.pause)

    def __enter__(self) -> Load:
        for number in range(self.threads):
            thread = threading.Thread(target=self._loop, args=(number,), daemon=True)
            thread.start()
            self._running.append(thread)
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._running:
            thread.join(timeout=60)

    def between(self, start: float, end: float) -> list[Answer]:
        """Answers to requests sent in [start, end)."""
        return [a for a in self.answers if start <= a.sent < end]
