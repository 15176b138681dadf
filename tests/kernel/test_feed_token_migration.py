"""0012_feed_tokens: training feed tokens move into calendar_feed; the addresses people
subscribed to keep working, revoked ones stay revoked, and the way back restores them."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from innocore import create_app
from innocore.extensions import db
from tests.support.appconfig import settings
from tests.support.databases import TestDatabase

LIVE, REVOKED, BOOKINGS = "itf_live-token", "itf_revoked-token", "booking-feed-token"


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@pytest.fixture
def app_at_0011(tmp_path):
    database = TestDatabase("feed-tokens")
    app = create_app(settings(database.url, instance=tmp_path))
    with app.app_context():
        upgrade(revision="0011_challenge_account")
    yield app
    with app.app_context():
        db.engine.dispose()
    database.drop()


def _seed(conn) -> int:
    conn.execute(
        sa.text(
            "INSERT INTO organisation (name, kind, country, created_at) "
            "VALUES ('Org', 'university', 'IT', CURRENT_TIMESTAMP)"
        )
    )
    org = conn.execute(sa.text("SELECT id FROM organisation")).scalar()
    conn.execute(
        sa.text(
            "INSERT INTO user_account (email, name, password_hash, organisation_id, org_role, "
            "is_network_admin, timezone, locale, active, session_epoch, created_at) VALUES "
            "('ada@uni.example', 'Ada', 'h', :o, 'member', false, 'UTC', 'en', true, 0, "
            "CURRENT_TIMESTAMP)"
        ),
        {"o": org},
    )
    user = conn.execute(sa.text("SELECT id FROM user_account")).scalar()
    feeds = [(LIVE, None), (REVOKED, "2026-01-02 03:04:05+00")]
    for raw, revoked in feeds:
        conn.execute(
            sa.text(
                "INSERT INTO training_feed_token (user_id, token_hash, created_at, revoked_at) "
                "VALUES (:u, :h, CURRENT_TIMESTAMP, :r)"
            ),
            {"u": user, "h": _hash(raw), "r": revoked},
        )
    conn.execute(
        sa.text(
            "INSERT INTO calendar_feed (owner_id, kind, target_id, token_hash, created_at) "
            "VALUES (:u, 'user', :u, :h, CURRENT_TIMESTAMP)"
        ),
        {"u": user, "h": _hash(BOOKINGS)},
    )
    return user


def _feeds(conn) -> list[tuple]:
    rows = conn.execute(
        sa.text(
            "SELECT kind, owner_id, target_id, token_hash, revoked_at IS NOT NULL "
            "FROM calendar_feed ORDER BY id"
        )
    )
    return [tuple(r) for r in rows]


def test_training_feeds_move_into_calendar_feed_and_keep_their_addresses(app_at_0011):
    app = app_at_0011
    with app.app_context():
        with db.engine.begin() as conn:
            user = _seed(conn)
        upgrade()
        with db.engine.connect() as conn:
            assert _feeds(conn) == [
                ("user", user, user, _hash(BOOKINGS), False),
                ("training", user, user, _hash(LIVE), False),
                ("training", user, user, _hash(REVOKED), True),
            ]
            assert "training_feed_token" not in sa.inspect(conn).get_table_names()
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:  # CHECK kept
            conn.execute(
                sa.text(
                    "INSERT INTO calendar_feed (owner_id, kind, target_id, token_hash, "
                    "created_at) VALUES (:u, 'nonsense', :u, 'x', CURRENT_TIMESTAMP)"
                ),
                {"u": user},
            )
    client = app.test_client()
    subscribed = client.get(f"/training/feeds/{LIVE}.ics")
    assert subscribed.status_code == 200
    assert "X-WR-CALNAME:Training · Ada" in subscribed.get_data(as_text=True)
    assert client.get(f"/training/feeds/{REVOKED}.ics").status_code == 404
    # each address shows its own kind of calendar only
    assert client.get(f"/instruments/feeds/{LIVE}.ics").status_code == 404
    assert client.get(f"/training/feeds/{BOOKINGS}.ics").status_code == 404
    assert client.get(f"/instruments/feeds/{BOOKINGS}.ics").status_code == 200
    with app.app_context():
        downgrade(revision="0011_challenge_account")
        with db.engine.connect() as conn:
            assert _feeds(conn) == [("user", user, user, _hash(BOOKINGS), False)]
            back = conn.execute(
                sa.text(
                    "SELECT user_id, token_hash, revoked_at IS NOT NULL "
                    "FROM training_feed_token ORDER BY id"
                )
            )
            assert [tuple(r) for r in back] == [
                (user, _hash(LIVE), False),
                (user, _hash(REVOKED), True),
            ]
        db.engine.dispose()
