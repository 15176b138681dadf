"""A browser's silent connections do not hold the web server (issue 14's kiosk hang).

Chrome opens connections ahead of need and may send nothing on them. Gunicorn's default sync
worker blocks on such a connection until its timeout (60 s here) kills it, so with every worker
held the next real request waits: the phone kiosk journey hung so in about one run of three.
``gunicorn.conf.py`` runs threaded workers, which park idle connections instead.
"""

import socket
import time
import urllib.request

import pytest

from tests.support.live import LiveServer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def one_worker():
    server = LiveServer(workers=1, label="silent").start()
    yield server
    server.stop()


def test_a_page_is_served_while_silent_connections_stay_open(one_worker):
    silent = [socket.create_connection(("127.0.0.1", one_worker.port)) for _ in range(3)]
    try:
        time.sleep(0.5)  # the worker has accepted them (a sync worker now blocks in recv)
        started = time.monotonic()
        with urllib.request.urlopen(one_worker.url + "/healthz", timeout=20) as r:  # noqa: S310
            assert r.status == 200
        assert time.monotonic() - started < 5
    finally:
        for conn in silent:
            conn.close()
