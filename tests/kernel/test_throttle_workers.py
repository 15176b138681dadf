"""Login throttling holds across gunicorn workers when Redis is configured."""

import os
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest

from innocore import clock
from innocore.accounts.models import Organisation, User
from innocore.accounts.services import hash_password
from innocore.extensions import db
from innocore.vocab import OrganisationKind
from tests.support.live import LiveServer

pytestmark = pytest.mark.slow
REDIS = os.environ.get("INNOCORE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_or_skip():
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS}")
        pytest.skip(f"Redis is not reachable at {REDIS}")


def post_login(url: str, email: str, password: str) -> int:
    """Like a browser: fetch the form (cookie + CSRF token), then post it."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    with opener.open(url + "/login", timeout=10) as page:
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.read().decode())
    body = urllib.parse.urlencode(
        {"email": email, "password": password, "csrf_token": token.group(1)}
    ).encode()
    try:
        with opener.open(urllib.request.Request(url + "/login", data=body), timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as err:
        return err.code


def test_failed_logins_count_across_workers_with_redis():
    redis_or_skip()
    env = {
        "INNOCORE_REDIS_URL": REDIS,
        "INNOCORE_RATELIMIT_PREFIX": f"t{secrets.token_hex(4)}",
        "INNOCORE_LOGIN_MAX_ATTEMPTS": "4",
    }
    server = LiveServer(workers=3, label="throttle", env=env)
    with server.app.app_context():
        org = Organisation(
            name="Org", kind=OrganisationKind.UNIVERSITY, country="IT", created_at=clock.now()
        )
        db.session.add(
            User(
                email="t@uni.example",
                name="T",
                organisation=org,
                password_hash=hash_password("right password 123"),
                created_at=clock.now(),
                email_verified_at=clock.now(),
            )
        )
        db.session.commit()
    server.start()
    try:
        codes = [post_login(server.url, "t@uni.example", "wrong password!!") for _ in range(6)]
    finally:
        server.stop()
    # Four failures, spread over three workers, lock the account everywhere.
    assert codes == [401, 401, 401, 401, 429, 429]
