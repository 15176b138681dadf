"""Editing a training session whose times lie in the second pass of the repeated autumn hour
(Europe/Lisbon, 31 Oct 2027: 01:00–02:00 happens twice) keeps every instant when the person
saves the page unchanged, and moves exactly the field they change."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support.forms import form_values


def at(*a) -> datetime:
    return datetime(*a, tzinfo=UTC)


def test_saving_an_unchanged_session_keeps_its_second_pass_times(
    clock, make_facility, make_session, make_user, grant, login_as, db_session
):
    clock.set(at(2027, 10, 1, 9))
    facility = make_facility(timezone="Europe/Lisbon")
    part = (at(2027, 10, 31, 1, 15), at(2027, 10, 31, 3))  # 01:15 WET (second) to 03:00 WET
    session = make_session(facility=facility, parts=[part], enrol_closes_at=at(2027, 10, 31, 1, 10))
    manager = make_user()
    grant(manager, facility, "manager")
    client = login_as(manager)
    url = f"/training/sessions/{session.id}/edit"
    page = client.get(url).get_data(as_text=True)
    values = form_values(page, "")
    assert values["parts"][0].startswith("2027-10-31 01:15 (WET)-03:00")
    assert values["enrol_closes_at"] == ["2027-10-31T01:10"]
    assert values["enrol_closes_at_pass"] == ["+00:00"]
    assert '<option value="+01:00">01:10 WEST (UTC+01:00, first)</option>' in page

    for sent in (values, {k: v for k, v in values.items() if k != "enrol_closes_at_pass"}):
        response = client.post(url, data=sent)
        assert response.status_code == 302, response.get_data(as_text=True)
        db_session.expire_all()
        assert [(p.starts_at, p.ends_at) for p in session.parts] == [part]
        assert session.enrol_closes_at == at(2027, 10, 31, 1, 10)

    # Choosing the first pass moves the close an hour earlier; nothing else moves.
    response = client.post(url, data=values | {"enrol_closes_at_pass": ["+01:00"]})
    assert response.status_code == 302
    db_session.expire_all()
    assert session.enrol_closes_at == at(2027, 10, 31, 0, 10)
    assert [(p.starts_at, p.ends_at) for p in session.parts] == [part]
