"""Shared fixtures: one app per session on a migrated database, per-test rollback, factories,
a real SMTP server, an explicit clock and a SQL query counter.

Factories *commit*: inside the per-test transaction a commit only releases a savepoint, so a view
that rolls back after a refused request never undoes the test's own setup. Do the same in
package factories.
"""

from __future__ import annotations

import itertools
import logging
import re
import secrets
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession
from itsdangerous import URLSafeTimedSerializer

from innocore import clock as clock_module
from innocore import create_app
from innocore.extensions import db, limiter
from tests.support import appconfig, passes
from tests.support.databases import TestDatabase, upgrade
from tests.support.mail import SMTPServer

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def test_config(database_url: str, smtp_port: int, instance) -> dict:
    """Production settings plus what a test must change: database, mail port, instance folder."""
    return appconfig.settings(database_url, smtp_port=smtp_port, instance=instance)


def pytest_collection_modifyitems(config, items):
    """The PostgreSQL pass leaves out the tests that touch no database (tests/support/passes.py)."""
    passes.select(config, items)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    with passes.guard(item):
        return (yield)


def pytest_terminal_summary(terminalreporter):
    line = passes.report(terminalreporter.config)
    if line:
        terminalreporter.write_line(line)


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
    # The instance folder (secret key, signing keys, photos) is temporary, never the checkout's.
    app = create_app(
        test_config(database.url, smtp_server.port, tmp_path_factory.mktemp("instance"))
    )
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


class BrowserLikeClient(FlaskClient):
    """A test client that behaves as a browser does on this site.

    - Like a browser that loaded the form's page, every form it posts carries the page's CSRF
      token (signed from the one in its session, as Flask-WTF renders it), unless the test
      supplies its own ``csrf_token`` (a forgery) or sends a bearer token (the API is exempt).
    - The test holds an app context open (for its session), so requests would reuse it; in
      production every request has its own. ``g`` is cleared before each request.
    """

    def open(self, *args, **kwargs):
        if self._needs_csrf(args, kwargs):
            token = self.csrf_token()
            data = kwargs.get("data")
            if isinstance(data, dict) or (data is None and "json" not in kwargs):
                kwargs["data"] = {"csrf_token": token, **(data or {})}
            else:
                kwargs["headers"] = {**dict(kwargs.get("headers") or {}), "X-CSRFToken": token}
        g.__dict__.clear()
        try:
            return super().open(*args, **kwargs)
        finally:
            g.__dict__.clear()

    @staticmethod
    def _needs_csrf(args, kwargs) -> bool:
        method = (kwargs.get("method") or "GET").upper()
        if (args and not isinstance(args[0], str)) or method in {"GET", "HEAD", "OPTIONS"}:
            return False
        headers = dict(kwargs.get("headers") or {})
        data = kwargs.get("data")
        forged = isinstance(data, dict) and "csrf_token" in data
        return not forged and "Authorization" not in headers

    def csrf_token(self) -> str:
        """The token a page rendered for this client's session would carry."""
        with self.session_transaction() as sess:
            raw = sess.setdefault("csrf_token", secrets.token_hex(20))
        secret = self.application.config.get("WTF_CSRF_SECRET_KEY") or self.application.secret_key
        return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)


class _ServerErrors(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def client(app, db_session):
    """A browser-like client of the app with production settings. A request that ends in the
    polite 500 page (an unhandled error, logged with its traceback) fails the test."""
    app.test_client_class = BrowserLikeClient
    errors = _ServerErrors()
    app.logger.addHandler(errors)
    try:
        yield app.test_client()
    finally:
        app.logger.removeHandler(errors)
    if errors.records:
        pytest.fail(
            "server error: " + "\n".join(logging.Formatter().format(r) for r in errors.records)
        )


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
    from innocore.vocab import MembershipMethod

    def make(**kw):
        n = next(_seq)
        password = kw.pop("password", PASSWORD)
        verified = kw.pop("verified", True)
        if kw.pop("member", True):  # a verified member of its organisation (False: only claims it)
            kw.setdefault("membership_verified_at", clock_module.now())
            kw.setdefault("membership_method", MembershipMethod.ADMIN_APPROVAL)
        user = User(
            email=kw.pop("email", f"user{n}@example.org"),
            name=kw.pop("name", f"User {n}"),
            password_hash=appconfig.password_hash(password),
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
    from innocore.accounts.tokens import create_token

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


@pytest.fixture(scope="session")
def oidc_provider(oidc_server):
    """The issuer URL of ``oidc_server``."""
    return f"http://localhost:{oidc_server.server_port}"


@pytest.fixture(scope="session")
def oidc_server():
    """A real OpenID provider (oidc-provider-mock) on loopback for the whole run, knowing the
    people of ``tests.support.saml_idp.PEOPLE`` as OpenID claims (its werkzeug server)."""
    import warnings

    from tests.support.saml_idp import PEOPLE

    with warnings.catch_warnings():  # its own test client imports Authlib's deprecated httpx module
        warnings.simplefilter("ignore")
        from oidc_provider_mock import User, run_server_in_thread

    users = [
        User(
            sub=f"{name}-1",
            claims={
                "email": p["mail"][0],
                "email_verified": True,
                "name": p["displayName"][0],
                "eduperson_scoped_affiliation": p["eduPersonScopedAffiliation"],
            },
        )
        for name, p in PEOPLE.items()
    ]
    with run_server_in_thread(user_claims=users) as server:
        yield server


@pytest.fixture(scope="session")
def saml_idp(tmp_path_factory):
    """A SAML identity provider built from pysaml2's IdP classes, on loopback for the whole run."""
    from tests.support.saml_idp import running_idp

    with running_idp(tmp_path_factory.mktemp("idp")) as server:
        yield server
