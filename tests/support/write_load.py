"""Ordinary write load over HTTP: threads that book, cancel and edit their profile through the
API, each with its own token, for a fixed time. Records every answer and its latency."""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse


@dataclass
class Answer:
    kind: str
    status: int
    seconds: float
    body: str


@dataclass
class LoadResult:
    answers: list[Answer] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, answer: Answer) -> None:
        with self.lock:
            self.answers.append(answer)

    def failures(self) -> list[Answer]:
        return [a for a in self.answers if a.status >= 300]

    def figures(self) -> str:
        """One line per kind of request: how many, median, 95th percentile and slowest (ms)."""
        lines = [f"{len(self.answers)} requests"]
        for kind in sorted({a.kind for a in self.answers}):
            ms = sorted(a.seconds * 1000 for a in self.answers if a.kind == kind)
            p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
            lines.append(
                f"{kind}: {len(ms)}, median {statistics.median(ms):.0f} ms, "
                f"p95 {p95:.0f} ms, max {ms[-1]:.0f} ms"
            )
        return "\n".join(lines)


def _call(conn, result, kind, method, path, token, body=None):
    payload = json.dumps(body) if body is not None else None
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    t0 = time.monotonic()
    conn.request(method, path, body=payload, headers=headers)
    response = conn.getresponse()
    text = response.read().decode(errors="replace")
    result.add(Answer(kind, response.status, time.monotonic() - t0, text[:300]))
    return response.status, text


def _writer(url, n, token, instrument_id, until, result):
    target = urlparse(url)
    conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
    base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
    i = 0
    while time.monotonic() < until:
        start = base + timedelta(hours=2 * (n * 5000 + i))
        body = {
            "instrument_id": instrument_id,
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
        }
        status, text = _call(conn, result, "book", "POST", "/api/v1/bookings", token, body)
        if status == 201:
            path = f"/api/v1/bookings/{json.loads(text)['id']}/cancel"
            _call(conn, result, "cancel", "POST", path, token, {"reason": "load"})
        _call(conn, result, "profile", "PATCH", "/api/v1/me", token, {"name": f"Loader {n}.{i}"})
        _call(conn, result, "read", "GET", "/api/v1/bookings/mine?per_page=5", token)
        i += 1
    conn.close()


def run_write_load(url: str, tokens: list[str], instrument_id: int, seconds: float) -> LoadResult:
    """One thread per token writes for ``seconds``; returns every answer."""
    result = LoadResult()
    until = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_writer, args=(url, n, token, instrument_id, until, result))
        for n, token in enumerate(tokens)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return result
