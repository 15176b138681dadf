"""Every instant an API answer holds is written in UTC with a ``Z`` (``innocore.clock.api_instant``),
whatever builder wrote it; dates stay ``YYYY-MM-DD`` and only fields named ``local_…`` carry the
facility's offset on purpose. Walks every GET operation of ``/api/v1`` over the demo network as
several roles (ids taken from the demo's own rows), and the helpers themselves."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import sqlalchemy as sa

from innocore.clock import api_instant, api_time
from innocore.extensions import db

INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
ROLES = (
    "phd@demo.innocore.test",
    "manager.imaging@demo.innocore.test",
    "admin@demo.innocore.test",
    "admin@helixa.demo.innocore.test",
    "trainer.flow@demo.innocore.test",
)


def test_the_helpers_write_utc_with_z_and_dates_as_days():
    rome = timezone(timedelta(hours=1))
    assert api_instant(datetime(2026, 3, 3, 10, tzinfo=rome)) == "2026-03-03T09:00:00Z"
    assert api_instant(datetime(2026, 3, 3, 9, 0, 0, 250000, tzinfo=UTC)) == (
        "2026-03-03T09:00:00.250000Z"
    )
    assert api_time(datetime(2026, 3, 3, 10, tzinfo=rome)) == "2026-03-03T09:00:00Z"
    assert api_time(date(2026, 3, 3)) == "2026-03-03"
    assert api_instant(None) is None and api_time(None) is None


def _not_utc(value, path="") -> list[str]:
    """The instants in a JSON value that do not end in Z (fields named local_… excepted)."""
    if isinstance(value, dict):
        return [
            bad
            for key, v in value.items()
            if "local" not in key
            for bad in _not_utc(v, f"{path}.{key}")
        ]
    if isinstance(value, list):
        return [bad for i, v in enumerate(value) for bad in _not_utc(v, f"{path}[{i}]")]
    if isinstance(value, str) and INSTANT.match(value) and not value.endswith("Z"):
        return [f"{path} = {value}"]
    return []


def _first_ids() -> dict[str, int]:
    """``<table>_id`` -> the first id of that table, for every table with rows."""
    ids = {}
    for name, table in db.metadata.tables.items():
        if "id" in table.c:
            first = db.session.scalar(sa.select(sa.func.min(table.c.id)))
            if first is not None:
                ids[f"{name}_id"] = first
    ids.update(
        {"session_id": ids.get("training_session_id"), "request_id": ids.get("service_request_id")}
    )
    return {k: v for k, v in ids.items() if v is not None}


def _urls(app, ids: dict[str, int]) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or "GET" not in rule.methods:
            continue
        if all(arg in ids for arg in rule.arguments):
            urls.append(_fill(rule, ids))
    return sorted(set(urls))


def _fill(rule, ids: dict[str, int]) -> str:
    url = rule.rule
    for arg in rule.arguments:
        url = re.sub(rf"<(?:\w+:)?{arg}>", str(ids[arg]), url)
    return url


def test_every_get_answer_writes_instants_in_utc_with_z(app, client, db_session, api_headers):
    from innocore.accounts.models import User
    from innocore.demo import seed_demo

    seed_demo()
    db_session.commit()
    urls = _urls(app, _first_ids())
    assert len(urls) > 40, urls  # the walk reaches most of the API
    found, answered = [], 0
    for email in ROLES:
        user = db_session.scalar(sa.select(User).where(User.email == email))
        headers = api_headers(user)
        for url in urls:
            response = client.get(url, headers=headers)
            if response.status_code == 200 and response.is_json:
                answered += 1
                found += [f"{email} {url}: {bad}" for bad in _not_utc(response.get_json())]
    assert answered > 100
    assert found == [], "\n".join(found)
