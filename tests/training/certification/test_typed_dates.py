"""A date a person types ends at the end of that day in the facility's zone (never in UTC), a
certificate's validity has a sane maximum, a rule's message names instants in facility time, and
an e-mail typed with spaces around it still finds its account."""

from datetime import UTC, date, datetime

import pytest

from innocore import clock as clock_module
from training import rules as training_rules
from training.certification.models import Certificate
from training.models import Enrolment, EnrolmentStatus

SUMMER = datetime(2027, 5, 3, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "zone", "end"),
    [
        (date(2027, 6, 30), "Europe/Rome", datetime(2027, 6, 30, 21, 59, 59, tzinfo=UTC)),
        (date(2027, 12, 31), "Europe/Rome", datetime(2027, 12, 31, 22, 59, 59, tzinfo=UTC)),
        (date(2026, 10, 25), "Europe/Rome", datetime(2026, 10, 25, 22, 59, 59, tzinfo=UTC)),
        (date(2027, 6, 30), "America/New_York", datetime(2027, 7, 1, 3, 59, 59, tzinfo=UTC)),
        # Santiago skips local midnight on 6 Sep 2026: the day before still ends at 23:59:59.
        (date(2026, 9, 5), "America/Santiago", datetime(2026, 9, 6, 3, 59, 59, tzinfo=UTC)),
    ],
)
def test_a_typed_day_ends_at_its_last_second_on_the_zones_wall_clock(day, zone, end):
    assert clock_module.day_end(day, zone) == end
    assert clock_module.local_date(end, zone) == day


def _issue(client, facility, holder, competence, valid_until, email=None):
    data = {
        "email": email or holder.email,
        "competence_id": str(competence.id),
        "level": "2",
        "evidence": "Five years running the instrument at another core.",
        "valid_until": valid_until,
    }
    return client.post(f"/certificates/facility/{facility.slug}/issue", data=data)


def test_valid_until_typed_on_the_issue_form_is_that_day_in_the_facility_zone(
    db_session, clock, make_facility, make_user, make_competence, grant, login_as
):
    clock.set(SUMMER)
    facility = make_facility(timezone="Europe/Rome")
    manager, holder = make_user(), make_user()
    grant(manager, facility, "manager")
    client = login_as(manager)
    sent = _issue(client, facility, holder, make_competence(), "2027-06-30")
    assert sent.status_code == 302
    cert = db_session.query(Certificate).filter_by(holder_id=holder.id).one()
    assert cert.valid_until == datetime(2027, 6, 30, 21, 59, 59, tzinfo=UTC)
    page = client.get(f"/certificates/{cert.public_id}").get_data(as_text=True)
    assert "30 Jun 2027" in page and "01 Jul 2027" not in page
    public = client.get(f"/verify/{cert.public_id}").get_data(as_text=True)
    assert "30 Jun 2027" in public and "01 Jul 2027" not in public
    listing = client.get(f"/certificates/facility/{facility.slug}").get_data(as_text=True)
    assert "30 Jun 2027" in listing and "01 Jul 2027" not in listing
    badge = login_as(holder).get(f"/certificates/{cert.public_id}/credential.json")
    assert '"validUntil": "2027-06-30T21:59:59Z"' in badge.get_data(as_text=True)
    clock.set(datetime(2027, 6, 30, 21, 59, 58, tzinfo=UTC))  # 23:59:58 CEST: still valid
    assert client.get(f"/api/v1/verify/{cert.public_id}").get_json()["status"] == "valid"
    clock.set(datetime(2027, 6, 30, 22, 0, tzinfo=UTC))  # midnight in Rome: ended
    assert client.get(f"/api/v1/verify/{cert.public_id}").get_json()["status"] == "expired"


def test_a_validity_beyond_the_maximum_is_refused_on_the_form_and_the_api(
    db_session, clock, make_facility, make_user, make_competence, grant, login_as, api_headers
):
    clock.set(SUMMER)
    facility = make_facility(timezone="Europe/Rome")
    manager, holder = make_user(), make_user()
    grant(manager, facility, "manager")
    open_ended, yearly = make_competence(), make_competence(default_validity_months=12)
    client = login_as(manager)
    page = _issue(client, facility, holder, open_ended, "2999-12-31")
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "valid until 03 May 2037 at the latest (120 months from today)" in text
    page = _issue(client, facility, holder, yearly, "2028-05-04")
    assert page.status_code == 422
    assert "valid until 03 May 2028 at the latest (12 months" in page.get_data(as_text=True)
    assert _issue(client, facility, holder, yearly, "2028-05-03").status_code == 302
    body = {
        "facility_id": facility.id,
        "holder_id": holder.id,
        "competence_id": open_ended.id,
        "level": 2,
        "evidence": "Observed.",
        "valid_until": "2999-12-31T23:59:59+01:00",
    }
    with client.session_transaction() as sess:
        sess.clear()  # the API answers tokens, not a signed-in browser
    refused = client.post("/api/v1/certificates", json=body, headers=api_headers(manager))
    assert refused.status_code == 422
    [error] = refused.get_json()["errors"]
    assert (error["code"], error["field"]) == ("valid_until_too_late", "valid_until")


def test_the_issue_form_finds_the_holder_whatever_the_spaces_and_case(
    db_session, clock, make_facility, make_user, make_competence, grant, login_as
):
    facility = make_facility()
    manager, holder = make_user(), make_user(email="postdoc@demo.innocore.test")
    grant(manager, facility, "manager")
    sent = _issue(
        login_as(manager),
        facility,
        holder,
        make_competence(),
        "",
        email="  PostDoc@demo.innocore.test ",
    )
    assert sent.status_code == 302
    assert db_session.query(Certificate).filter_by(holder_id=holder.id).count() == 1


def test_attendance_too_early_names_the_start_in_facility_time(
    db_session, clock, make_session, make_user, api_headers, client, login_as
):
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    starts = datetime(2026, 12, 21, 8, 0, tzinfo=UTC)  # 09:00 CET
    session = make_session(starts_at=starts)
    learner, trainer = make_user(), session.trainers[0]
    row = Enrolment(
        session_id=session.id,
        user_id=learner.id,
        status=EnrolmentStatus.ENROLLED,
        enrolled_by_id=learner.id,
        created_at=clock.now,
        fee_category="internal",
        fee_amount=0,
    )
    db_session.add(row)
    db_session.commit()
    part = session.parts[0]
    marks = {"marks": [{"enrolment_id": row.id, "part_id": part.id, "status": "present"}]}
    early = client.put(
        f"/api/v1/training/sessions/{session.id}/attendance",
        headers=api_headers(trainer),
        json=marks,
    )
    assert early.status_code == 422
    message = early.get_json()["errors"][0]["message"]
    assert message.endswith("starts Mon 21 Dec 2026, 09:00 CET.") and "UTC" not in message
    page = login_as(trainer).post(
        f"/training/sessions/{session.id}/attendance", data={f"a-{row.id}-{part.id}": "present"}
    )
    assert page.status_code == 422
    assert "starts Mon 21 Dec 2026, 09:00 CET" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("zone", "expected"), [("Europe/Rome", "Tue 22 Jun 2027, 10:30 CEST"), ("UTC", "08:30 UTC")]
)
def test_the_attendance_rule_writes_the_instant_in_the_zone_it_is_given(zone, expected):
    starts = {1: datetime(2027, 6, 22, 8, 30, tzinfo=UTC)}
    [problem] = training_rules.attendance_problems(starts, {1}, SUMMER, zone)
    assert expected in problem.message
