"""The OpenAPI document fed back to the API it describes: schemathesis against a real server.

A gunicorn server (two workers) on its own database seeded with the demo network answers
schemathesis' generated requests as a network administrator and as a PhD student. Any server
error, any answer the document does not declare (status, headers, body shape) and any invalid
input accepted fails the test. Bounded: ``INNOCORE_FUZZ_EXAMPLES`` examples per operation
(default 3) in the phases ``INNOCORE_FUZZ_PHASES`` (default ``examples,fuzzing``; the
``coverage`` phase walks every boundary of every field deterministically and takes minutes, so
it is for a deliberate run: ``INNOCORE_FUZZ_PHASES=examples,coverage,fuzzing``), a fixed seed,
no shrinking. The boundary kinds it finds are held by tests/kernel/test_api_boundary.py.

Left out, with the reason: ``positive_data_acceptance`` (the business rules refuse many inputs
the schema allows: a booking in the past is well-formed but refused with 422, as documented).
"""

from __future__ import annotations

import os
import shutil
import sys
import time

import pytest
import sqlalchemy as sa

from tests.support.fuzz import fuzz
from tests.support.live import LiveServer

EXAMPLES = int(os.environ.get("INNOCORE_FUZZ_EXAMPLES", "3"))
PHASES = os.environ.get("INNOCORE_FUZZ_PHASES", "examples,fuzzing")
PEOPLE = ("admin@demo.innocore.test", "phd@demo.innocore.test")
# Token ids far from the small integers the generator tries first: the run must not revoke
# the token it runs with through DELETE /me/tokens/{id}.
TOKEN_IDS = (2_000_000_011, 2_000_000_017)


@pytest.fixture(scope="module")
def fuzz_server():
    if shutil.which("schemathesis", path=os.path.dirname(sys.executable)) is None:
        pytest.skip("schemathesis is not installed (pip install -e '.[test]')")
    # Two workers on both databases: SQLite writers queue for the write lock (innocore.transactions).
    server = LiveServer(workers=2, label="fuzz")
    tokens = _seed(server.app)
    server.start()
    try:
        yield server, tokens
    finally:
        server.stop()


def _seed(app) -> dict[str, str]:
    from innocore.accounts.models import User
    from innocore.accounts.tokens import ApiToken, create_token
    from innocore.demo import seed_demo
    from innocore.extensions import db

    tokens = {}
    with app.app_context():
        seed_demo()
        for email, token_id in zip(PEOPLE, TOKEN_IDS, strict=True):
            user = db.session.scalar(sa.select(User).where(User.email == email))
            token, raw = create_token(user, "schemathesis")
            db.session.flush()
            db.session.execute(
                sa.update(ApiToken).where(ApiToken.id == token.id).values(id=token_id)
            )
            tokens[email] = raw
        db.session.commit()
    return tokens


@pytest.mark.parametrize("email", PEOPLE)
def test_no_server_error_and_no_schema_violation(fuzz_server, tmp_path, email):
    server, tokens = fuzz_server
    started = time.monotonic()
    outcome = fuzz(
        server.url,
        tokens[email],
        examples=EXAMPLES,
        workdir=tmp_path,
        label=email.split("@")[0],
        extra=("--exclude-checks", "positive_data_acceptance", "--phases", PHASES),
    )
    print(
        f"schemathesis as {email}: {outcome.operations} operations, {outcome.requests} requests, "
        f"{outcome.server_errors} server errors, failures {dict(outcome.failures)}, "
        f"{time.monotonic() - started:.0f} s"
    )
    assert outcome.requests > 0, outcome.output[-3000:]
    assert outcome.server_errors == 0, outcome.output[-6000:]
    assert outcome.returncode == 0, outcome.output[-6000:]
