"""Shared fixtures: one app per session on a migrated database, per-test rollback, factories,
a real SMTP server, an explicit clock and a SQL query counter.

Factories *commit*: inside the per-test transaction a commit only releases a savepoint, so a view
that rolls back after a refused request never undoes the test's own setup. Do the same in
package factories.
"""

from __future__ import annotations

import itertools
import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession

from innocore import clock as clock_module
from innocore import create_app
from innocore.extensions import db, limiter
from tests.support.databases import TestDatabase, upgrade
from tests.support.mail import SMTPServer

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def test_config(database_url: str, smtp_port: int) -> dict:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "BASE_URL": "http://localhost",
        "SERVER_NAME": "localhost",
        "PASSWORD_HASH_FAST": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "WTF_CSRF_ENABLED": False,
        "MAIL_MAX_ATTEMPTS": 3,
    }


@pytest.fixture(scope="session")
def smtp_server():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def database():
    database = TestDatabase("main")
    yield database
    database.drop()


@pytest.fixture(scope="session")
def app(database, smtp_server, tmp_path_factory):
    config = test_config(database.url, smtp_server.port)
    # Issuer signing keys go to a temporary directory, never the instance folder.
    config["CREDENTIAL_KEY_DIR"] = str(tmp_path_factory.mktemp("credential-keys"))
    app = create_app(config)
    upgrade(app)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _isolation(request, smtp_server):
    """Every test starts with an empty mailbox, a fresh rate limiter and the real clock."""
    smtp_server.clear()
    clock_module.set_source(None)
    yield
    clock_module.set_source(None)


class _BoundSession(FlaskSession):
    """Flask-SQLAlchemy's session would pick the engine (and really commit); stay on our connection."""

    def get_bind(self, *args, **kwargs):
        return self.bind


@pytest.fixture
def db_session(app):
    """A session whose every commit is undone after the test (savepoints inside one transaction)."""
    with app.app_context():
        limiter.reset()
        conn = db.engine.connect()
        outer = conn.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {"bind": conn, "join_transaction_mode": "create_savepoint", "class_": _BoundSession}
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            conn.close()


class _FreshGlobalsClient(FlaskClient):
    """The test holds an app context open (for its session), so requests reuse it; in production
    every request has its own. Clear ``g`` before each request so nothing leaks between them."""

    def open(self, *args, **kwargs):
        g.__dict__.clear()
        try:
            return super().open(*args, **kwargs)
        finally:
            g.__dict__.clear()


@pytest.fixture
def client(app, db_session):
    app.test_client_class = _FreshGlobalsClient
    return app.test_client()


@pytest.fixture
def csrf_app_client(app, db_session):
    """A client of an app with CSRF protection on, for the forged-form tests."""
    app.config["WTF_CSRF_ENABLED"] = True
    app.test_client_class = _FreshGlobalsClient
    try:
        yield app.test_client()
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def login_as(client):
    def login(user):
        with client.session_transaction() as sess:
            sess["_user_id"] = user.get_id()
            sess["_fresh"] = True
        return client

    return login


class Clock:
    def __init__(self):
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        clock_module.set_source(lambda: self.now)

    def set(self, instant: datetime) -> None:
        assert instant.tzinfo is not None
        self.now = instant

    def advance(self, **kwargs) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock():
    """An explicit clock: starts at Monday 2026-03-02 09:00 UTC; ``set``/``advance`` move it."""
    return Clock()


@pytest.fixture
def make_org(db_session):
    from innocore.accounts.models import Organisation
    from innocore.vocab import OrganisationKind

    def make(**kw):
        n = next(_seq)
        org = Organisation(
            name=kw.pop("name", f"University {n}"),
            kind=kw.pop("kind", OrganisationKind.UNIVERSITY),
            country=kw.pop("country", "IT"),
            city=kw.pop("city", "Valmonte"),
            created_at=clock_module.now(),
            **kw,
        )
        db_session.add(org)
        db_session.commit()  # a savepoint: a view's rollback keeps it
        return org

    return make


@pytest.fixture
def make_user(db_session, make_org):
    from innocore.accounts.models import User
    from innocore.accounts.services import hash_password

    hashed = {}

    def make(**kw):
        n = next(_seq)
        password = kw.pop("password", PASSWORD)
        if password not in hashed:
            hashed[password] = hash_password(password)
        verified = kw.pop("verified", True)
        user = User(
            email=kw.pop("email", f"user{n}@example.org"),
            name=kw.pop("name", f"User {n}"),
            password_hash=hashed[password],
            organisation=kw.pop("organisation", None) or make_org(),
            created_at=clock_module.now(),
            email_verified_at=clock_module.now() if verified else None,
            **kw,
        )
        db_session.add(user)
        db_session.commit()  # a savepoint: a view's rollback keeps it
        return user

    return make


@pytest.fixture
def make_facility(db_session, make_org):
    from innocore.facilities.models import Facility, FacilityTechnology
    from innocore.vocab import Technology

    def make(**kw):
        n = next(_seq)
        techs = kw.pop("technologies", [Technology.LIGHT_MICROSCOPY])
        facility = Facility(
            slug=kw.pop("slug", f"facility-{n}"),
            name=kw.pop("name", f"Facility {n}"),
            institution=kw.pop("institution", None) or make_org(),
            timezone=kw.pop("timezone", "Europe/Rome"),
            contact_email=kw.pop("contact_email", f"facility{n}@example.org"),
            created_at=clock_module.now(),
            technology_rows=[FacilityTechnology(technology=t) for t in techs],
            **kw,
        )
        db_session.add(facility)
        db_session.commit()  # a savepoint: a view's rollback keeps it
        return facility

    return make


@pytest.fixture
def grant(db_session):
    """``grant(user, facility, "manager")`` gives a facility role."""
    from innocore.facilities.models import FacilityRole
    from innocore.permissions import forget_roles
    from innocore.vocab import FacilityRoleKind

    def give(user, facility, role):
        row = FacilityRole(
            user_id=user.id,
            facility_id=facility.id,
            role=FacilityRoleKind(role),
            granted_at=clock_module.now(),
        )
        db_session.add(row)
        db_session.commit()  # a savepoint: a view's rollback keeps it
        forget_roles()
        return row

    return give


@pytest.fixture
def make_competence(db_session):
    from innocore.competences.models import Competence, CompetenceLevel
    from innocore.vocab import Technology

    def make(**kw):
        n = next(_seq)
        levels = kw.pop("levels", ["Assisted use", "Independent use", "Can train others"])
        competence = Competence(
            code=kw.pop("code", f"TST.C{n}"),
            title=kw.pop("title", f"Competence {n}"),
            technology=kw.pop("technology", Technology.LIGHT_MICROSCOPY),
            created_at=clock_module.now(),
            levels=[CompetenceLevel(level=i, name=x) for i, x in enumerate(levels, 1)],
            **kw,
        )
        db_session.add(competence)
        db_session.commit()  # a savepoint: a view's rollback keeps it
        return competence

    return make


@pytest.fixture
def api_headers(db_session):
    """``api_headers(user)`` -> headers carrying a fresh personal access token of ``user``."""
    from innocore.api.tokens import create_token

    def headers(user):
        _, raw = create_token(user, f"test token {next(_seq)}")
        db_session.commit()  # a savepoint: a view's rollback keeps it
        return {"Authorization": f"Bearer {raw}"}

    return headers


@pytest.fixture
def deliver(app, smtp_server):
    """Run the outbox job now and return the messages the SMTP server received."""
    from innocore.notifications.services import deliver_due

    def run():
        before = len(smtp_server.messages)
        deliver_due()
        return smtp_server.messages[before:]

    return run


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if not re.match(r"\s*(SAVEPOINT|RELEASE|ROLLBACK|BEGIN|PRAGMA)", statement, re.I):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as q: ...`` then ``q.count`` is the number of SQL statements run."""

    @contextmanager
    def counting():
        counter = QueryCounter()
        sa.event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", counter)

    return counting
