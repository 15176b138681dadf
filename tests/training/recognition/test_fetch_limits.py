"""Network fetches of credentials and issuer documents: only allow-listed issuers, a timeout, a
size cap, no redirects; status lists are read without unbounded decompression."""

import base64
import gzip
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from training.recognition import remote


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.path == "/slow":
            time.sleep(1.5)
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://example.invalid/evil")
            self.end_headers()
            return
        body = b'{"a": "' + b"x" * (300 * 1024) + b'"}' if self.path == "/big" else b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def issuer():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize(
    ("path", "code"),
    [("/big", "too_large"), ("/slow", "fetch_failed"), ("/redirect", "fetch_failed")],
)
def test_fetches_are_bounded(issuer, path, code):
    with pytest.raises(remote.Refused) as refused:
        remote.fetch_json(issuer + path, [issuer], timeout=0.5)
    assert refused.value.code == code


def test_only_urls_under_a_trusted_issuer_are_fetched(issuer):
    assert remote.fetch_json(issuer + "/ok", [issuer]) == {"ok": True}
    for url in (issuer + "/ok", issuer.replace("127.0.0.1", "localhost") + "/ok"):
        with pytest.raises(remote.Refused) as refused:
            remote.fetch_json(url, [issuer + "/issuers"])
        assert refused.value.code == "untrusted_url"


@pytest.mark.parametrize(
    ("url", "trusted", "expected"),
    [
        ("https://a.eu/issuers/x", ["https://a.eu"], "https://a.eu"),
        ("https://a.eu.evil.com/issuers/x", ["https://a.eu"], None),
        ("https://a.eu/issuersX", ["https://a.eu/issuers"], None),
        ("http://a.eu/issuers/x", ["https://a.eu"], None),
        ("file:///etc/passwd", ["https://a.eu"], None),
        ("https://user@a.eu/x", ["https://a.eu"], None),
    ],
)
def test_trusted_base_matches_whole_segments(url, trusted, expected):
    assert remote.trusted_base(url, trusted) == expected


def test_a_hostile_status_list_cannot_inflate_without_bound():
    bomb = gzip.compress(b"\0" * (8 * 1024 * 1024), mtime=0)  # 8 MiB of zeros, ~8 KiB packed
    # Corrupt everything past the first half: only a reader that stops after the 16 KiB it
    # needs gets an answer; inflating the whole list fails on the corrupt tail.
    broken = bomb[: len(bomb) // 2] + b"\xff" * 64
    with pytest.raises((OSError, EOFError, zlib.error)):
        gzip.decompress(broken)
    encoded = "u" + base64.urlsafe_b64encode(broken).decode().rstrip("=")
    assert remote.bit_at(encoded, 5) is False
    with pytest.raises(ValueError):
        remote.bit_at("u" + base64.urlsafe_b64encode(gzip.compress(b"\0" * 10)).decode(), 1)


def test_a_credential_over_256_kib_is_refused_before_any_work():
    from datetime import UTC, datetime

    doc = {"name": "x" * (300 * 1024)}
    result = remote.verify_remote(doc, ["https://a.eu"], datetime.now(UTC))
    assert (result.valid, result.code, result.checks) == (False, "too_large", [])
