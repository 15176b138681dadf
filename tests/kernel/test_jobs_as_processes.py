"""Every scheduled job runs as production runs it: ``flask innocore run-job NAME`` in its own
process, with production settings, against a migrated database seeded with the demo network plus
data that gives each job real work. Each case asserts exit status 0 and the job's effect (a row
changed in the database, an e-mail that reached the local SMTP server).

A job registered without a case here fails ``test_every_registered_job_has_a_case``.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from innocore import create_app
from innocore.extensions import db
from innocore.jobs import jobs
from tests.support.appconfig import environ, settings
from tests.support.databases import TestDatabase, upgrade
from tests.support.mail import SMTPServer

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class World:
    app: object
    smtp: SMTPServer
    facts: dict = field(default_factory=dict)
    runs: dict = field(default_factory=dict)  # job name -> CompletedProcess
    seconds: float = 0.0


# ---- seeding: the demo network, then one piece of due work per job -----------------------------


def _people():
    from innocore.accounts.models import User

    return {u.email.split("@")[0]: u for u in db.session.scalars(sa.select(User))}


def _seed_bookings(now, facts):
    from instruments.models import Booking, BookingStatus

    bookings = db.session.scalars(
        sa.select(Booking).where(Booking.status == BookingStatus.CONFIRMED).order_by(Booking.id)
    ).all()
    soon, done = bookings[0], bookings[1]
    # Inside the default 24 h reminder lead time.
    soon.starts_at, soon.ends_at = now + timedelta(hours=2), now + timedelta(hours=3)
    # Used (checked in and out) and over: to be charged.
    done.starts_at, done.ends_at = now - timedelta(hours=3), now - timedelta(hours=1)
    done.checked_in_at, done.checked_out_at = done.starts_at, done.ends_at
    facts["reminded_booking"] = (soon.id, soon.user.email, soon.instrument.name)
    facts["charged_booking"] = done.id
    _seed_no_show(now, bookings[2:], facts)


def _seed_no_show(now, bookings, facts):
    """A booking at the demo facility with a no-show rule, started an hour ago, nobody in."""
    from instruments.models import FacilityBookingSettings

    ruled = set(
        db.session.scalars(
            sa.select(FacilityBookingSettings.facility_id).where(
                FacilityBookingSettings.no_show_grace_minutes.is_not(None)
            )
        )
    )
    missed = next(
        b for b in bookings if b.instrument.facility_id in ruled and b.checked_in_at is None
    )
    missed.starts_at, missed.ends_at = now - timedelta(hours=1), now + timedelta(hours=1)
    facts["no_show_booking"] = (missed.id, missed.user.email, missed.instrument.name)


def _seed_waitlist(now, people, facts, days: int = 60):
    """The postdoc's waiting-list offer lapsed an hour ago; the phd waits next for that time."""
    from instruments.models import (
        Booking,
        BookingStatus,
        Instrument,
        WaitlistEntry,
        WaitlistStatus,
    )

    instrument = db.session.scalars(sa.select(Instrument).order_by(Instrument.id)).first()
    start = (now + timedelta(days=days)).replace(hour=3, minute=0, second=0, microsecond=0)
    end = start + timedelta(hours=1)
    first, second = people["postdoc"], people["phd"]
    hold = Booking(
        instrument=instrument,
        user=first,
        booked_by=first,
        starts_at=start,
        ends_at=end,
        status=BookingStatus.HELD,
        uid=f"jobs-waitlist-hold-{days}@test",
        created_at=now,
        updated_at=now,
    )
    entries = [
        WaitlistEntry(
            instrument=instrument,
            user=user,
            starts_at=start,
            ends_at=end,
            status=status,
            created_at=now - timedelta(days=2 - n),
        )
        for n, (user, status) in enumerate(
            ((first, WaitlistStatus.OFFERED), (second, WaitlistStatus.WAITING))
        )
    ]
    entries[0].hold_booking = hold
    entries[0].offered_at, entries[0].offer_expires_at = (
        now - timedelta(hours=2),
        now - timedelta(hours=1),
    )
    db.session.add_all([hold, *entries])
    db.session.flush()
    facts["waitlist"] = (entries[0].id, entries[1].id, second.email, instrument.name)


def _seed_quote(facts):
    from instruments.requests.models import Quote, QuoteStatus

    quote = db.session.scalars(sa.select(Quote).where(Quote.status == QuoteStatus.OPEN)).first()
    assert quote is not None, "the demo has an open quote"
    quote.valid_until_on = (datetime.now(UTC) - timedelta(days=10)).date()
    facts["lapsed_quote"] = (quote.id, quote.request_id)


def _seed_training(now, people, facts):
    from innocore.accounts.rules import category_for
    from training.models import Enrolment, EnrolmentStatus, TrainingSession

    sessions = {
        (s.module.title, s.parts[0].starts_at > now): s
        for s in db.session.scalars(sa.select(TrainingSession))
    }
    laser = sessions[("Laser safety for imaging users", True)]
    past = sessions[("Laser safety for imaging users", False)]
    flow = sessions[("Flow cytometry analysis, basics", True)]
    confocal = sessions[("Confocal microscopy: independent use", True)]
    # Laser safety starts in 3 hours (reminders) and its enrolment closed an hour ago (trainer's list).
    laser.parts[0].starts_at, laser.parts[0].ends_at = (
        now + timedelta(hours=3),
        now + timedelta(hours=6),
    )
    laser.enrol_closes_at = now - timedelta(hours=1)
    # The flow course began an hour ago: Omar's industry fee is due.
    flow.parts[0].starts_at, flow.parts[0].ends_at = (
        now - timedelta(hours=1),
        now + timedelta(hours=2),
    )
    flow.enrol_opens_at, flow.enrol_closes_at = now - timedelta(days=20), now - timedelta(days=10)
    # A place on the confocal course was offered to the postdoc and not taken in time.
    postdoc = people["postdoc"]
    category = category_for(postdoc, confocal.facility)
    confocal.waitlist_counter += 1
    offer = Enrolment(
        session=confocal,
        user=postdoc,
        status=EnrolmentStatus.OFFERED,
        enrolled_by_id=postdoc.id,
        created_at=now - timedelta(days=3),
        queue_number=confocal.waitlist_counter,
        offered_at=now - timedelta(days=2),
        offer_expires_at=now - timedelta(hours=1),
        offers_made=1,
        fee_category=category,
        fee_amount=confocal.module.fees()[category],
    )
    db.session.add(offer)
    db.session.flush()
    omar = next(
        e
        for e in db.session.scalars(
            sa.select(Enrolment).where(
                Enrolment.session_id == flow.id, Enrolment.user_id == people["scientist"].id
            )
        )
    )
    facts["training"] = {
        "reminded": (people["postdoc"].email, laser.module.title),
        "trainer": (laser.trainers[0].email, laser.module.title),
        "completed_session": past.id,
        "fee_enrolment": omar.id,
        "lapsed_offer": offer.id,
    }


def _seed_certificates(now, people, facts):
    from training.certification.models import Certificate
    from training.paths.models import AwardMode, QualificationPath

    phd = people["phd"]
    certs = {
        c.competence.code: c
        for c in db.session.scalars(sa.select(Certificate).where(Certificate.holder_id == phd.id))
    }
    ending, warned = certs["IMG.LASER"], certs["IMG.CLSM"]
    ending.issued_at = warned.issued_at = now - timedelta(days=700)
    ending.valid_until = now - timedelta(hours=1)
    warned.valid_until = now + timedelta(days=5)
    db.session.add(
        QualificationPath(
            code="CLSM-OP",
            title="Confocal operator",
            description="Independent confocal use.",
            requirements={"kind": "competence", "competence": warned.competence_id, "min_level": 2},
            award_mode=AwardMode.AUTOMATIC,
            created_at=now,
            updated_at=now,
        )
    )
    facts["certificates"] = {"expired": ending.id, "warned": (phd.email, warned.id)}
    facts["issuers"] = set(db.session.scalars(sa.select(Certificate.issuer_key).distinct()))
    facts["path"] = ("CLSM-OP", phd.id)


def _seed_saml_uses(now, facts):
    """Two SAML responses consumed: three days ago (forgettable) and an hour ago (kept)."""
    from innocore.sso.models import SsoAssertionUse, SsoConnection

    connection = db.session.scalars(sa.select(SsoConnection).order_by(SsoConnection.id)).first()
    assert connection is not None, "the demo has an institution's sign-in"
    old, recent = (
        SsoAssertionUse(response_id=f"_jobs-{n}", connection_id=connection.id, consumed_at=at)
        for n, at in enumerate((now - timedelta(days=3), now - timedelta(hours=1)))
    )
    db.session.add_all([old, recent])
    facts["saml_uses"] = (old.response_id, recent.response_id)


def seed(app, facts: dict) -> None:
    from innocore.demo import seed_demo

    with app.app_context():
        assert seed_demo()
        db.session.commit()
        now = datetime.now(UTC)
        people = _people()
        _seed_bookings(now, facts)
        _seed_quote(facts)
        _seed_waitlist(now, people, facts)
        _seed_training(now, people, facts)
        _seed_certificates(now, people, facts)
        _seed_saml_uses(now, facts)
        db.session.commit()


# ---- what each job must have done ---------------------------------------------------------------


def _mail(world, to: str, subject_part: str) -> None:
    subjects = [m["Subject"] for m in world.smtp.to(to)]
    assert any(subject_part in s for s in subjects), f"no “{subject_part}” to {to}: {subjects}"


def check_deliver_outbox(world):
    from innocore.notifications.models import DeliveryStatus, Notification

    # Every message meant for e-mail went out; the ones whose kind the person turned off (the
    # demo has such a person) stay in their inbox, never mailed.
    statuses = set(db.session.scalars(sa.select(Notification.status)))
    assert statuses - {DeliveryStatus.SKIPPED} == {DeliveryStatus.SENT}
    assert len(world.smtp.messages) == db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.status == DeliveryStatus.SENT)
    )


def check_instrument_reminders(world):
    booking_id, email, instrument = world.facts["reminded_booking"]
    from innocore.notifications.models import Notification

    key = db.session.scalar(
        sa.select(Notification.dedupe_key).where(
            Notification.dedupe_key.like(f"booking-reminder:{booking_id}:%")
        )
    )
    assert key is not None
    _mail(world, email, f"Reminder: {instrument}")


def check_release_no_shows(world):
    from instruments.models import Booking, BookingStatus

    booking_id, email, instrument = world.facts["no_show_booking"]
    assert db.session.get(Booking, booking_id).status == BookingStatus.NO_SHOW
    _mail(world, email, f"Recorded as a no-show: {instrument}")


def check_instrument_waitlist_offers(world):
    from instruments.models import BookingStatus, WaitlistEntry, WaitlistStatus

    lapsed_id, next_id, email, instrument = world.facts["waitlist"]
    lapsed, offered = (db.session.get(WaitlistEntry, i) for i in (lapsed_id, next_id))
    assert lapsed.status == WaitlistStatus.EXPIRED
    assert lapsed.hold_booking.status == BookingStatus.RELEASED
    assert offered.status == WaitlistStatus.OFFERED
    assert offered.hold_booking.status == BookingStatus.HELD
    _mail(world, email, f"Instrument time is free for you: {instrument}")


def check_quote_lapse(world):
    from instruments.requests.models import Quote, QuoteStatus, RequestStatus, ServiceRequest

    quote_id, request_id = world.facts["lapsed_quote"]
    assert db.session.get(Quote, quote_id).status == QuoteStatus.LAPSED
    assert db.session.get(ServiceRequest, request_id).status == RequestStatus.LAPSED


def check_training_offers(world):
    from training.models import EndReason, Enrolment

    offer = db.session.get(Enrolment, world.facts["training"]["lapsed_offer"])
    assert offer.end_reason == EndReason.OFFER_LAPSED
    _mail(world, offer.user.email, "")


def check_training_reminders(world):
    email, title = world.facts["training"]["reminded"]
    _mail(world, email, f"Reminder: {title}")


def check_training_closing_notices(world):
    email, title = world.facts["training"]["trainer"]
    _mail(world, email, f"Enrolment closed: {title}")


def check_training_complete_sessions(world):
    from training.models import SessionStatus, TrainingSession

    session = db.session.get(TrainingSession, world.facts["training"]["completed_session"])
    assert session.status == SessionStatus.COMPLETED


def check_certificate_expiry(world):
    from training.certification.models import Certificate, CertificateStatus

    cert = db.session.get(Certificate, world.facts["certificates"]["expired"])
    assert cert.status == CertificateStatus.EXPIRED


def check_certificate_expiry_warnings(world):
    email, _ = world.facts["certificates"]["warned"]
    _mail(world, email, "Your certificate ends in 7 days or less")


def check_credential_status_lists(world):
    from training.certification.models import StatusListSnapshot

    published = set(db.session.scalars(sa.select(StatusListSnapshot.issuer_key)))
    assert world.facts["issuers"] and world.facts["issuers"] <= published


def check_path_awards(world):
    from training.paths.models import AwardStatus, PathAward, QualificationPath

    code, user_id = world.facts["path"]
    award = db.session.scalar(
        sa.select(PathAward)
        .join(QualificationPath)
        .where(QualificationPath.code == code, PathAward.user_id == user_id)
    )
    assert award is not None and award.status == AwardStatus.AWARDED
    assert award.certificate_id is not None


def check_charge_bookings(world):
    from innocore.ledger.models import Charge, ChargeSource

    charge = db.session.scalar(
        sa.select(Charge).where(
            Charge.source == ChargeSource.BOOKING,
            Charge.source_id == world.facts["charged_booking"],
        )
    )
    assert charge is not None and charge.amount > 0


def check_charge_training_fees(world):
    from innocore.ledger.models import Charge, ChargeSource

    charge = db.session.scalar(
        sa.select(Charge).where(
            Charge.source == ChargeSource.TRAINING,
            Charge.source_id == world.facts["training"]["fee_enrolment"],
        )
    )
    assert charge is not None and charge.amount > 0


def check_sso_prune_assertions(world):
    from innocore.sso.models import SsoAssertionUse

    old, recent = world.facts["saml_uses"]
    kept = set(db.session.scalars(sa.select(SsoAssertionUse.response_id)))
    assert old not in kept and recent in kept


CASES = {
    name.removeprefix("check_"): fn for name, fn in globals().items() if name.startswith("check_")
}
LAST = "deliver_outbox"  # sends what the others queued


# ---- the processes -------------------------------------------------------------------------------


def _run(name: str, env: dict) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "flask", "--app", "wsgi", "innocore", "run-job", name]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    smtp = SMTPServer()
    smtp.start()
    database = TestDatabase("jobs")
    config = settings(
        database.url, smtp_port=smtp.port, instance=tmp_path_factory.mktemp("jobs-instance")
    )
    app = create_app(config)
    upgrade(app)
    state = World(app=app, smtp=smtp)
    started = time.monotonic()
    seed(app, state.facts)
    print(f"\nmigrated and seeded in {time.monotonic() - started:.1f} s")
    env = environ(config)
    names = [n for n in jobs(app) if n != LAST]
    started, cpu_before = time.monotonic(), _children_cpu()
    # Side by side as a scheduler's thread pool runs them (SQLite writers queue for the lock).
    with ThreadPoolExecutor(max_workers=4) as pool:
        state.runs = dict(zip(names, pool.map(lambda n: _run(n, env), names), strict=True))
    state.runs[LAST] = _run(LAST, env)
    state.seconds = time.monotonic() - started
    print(
        f"\n{len(state.runs)} jobs as processes in {state.seconds:.1f} s "
        f"({_children_cpu() - cpu_before:.1f} s CPU)"
    )
    try:
        yield state
    finally:
        with app.app_context():
            db.engine.dispose()
        database.drop()
        smtp.stop()


def test_every_registered_job_has_a_case(world):
    assert set(jobs(world.app)) == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_job_runs_as_a_process_and_does_its_work(world, name):
    run = world.runs.get(name)
    assert run is not None, f"{name} is not a registered job"
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Traceback" not in run.stderr and "ERROR" not in run.stderr, run.stderr
    with world.app.app_context():
        CASES[name](world)


def test_two_schedulers_lapse_an_offer_and_offer_the_next_person_exactly_once(world):
    """Two schedulers run the waiting-list job at the same moment, the lease left out (both
    really run it): the instrument lock and the re-read under it make one of them do the work."""
    from innocore.notifications.models import Notification
    from instruments.models import WaitlistEntry, WaitlistStatus
    from instruments.services.holds import expire_offers

    app, facts = world.app, {}
    with app.app_context():
        _seed_waitlist(datetime.now(UTC), _people(), facts, days=61)
        db.session.commit()
        db.session.remove()
    barrier = threading.Barrier(2)

    def scheduler(_):
        with app.app_context():
            barrier.wait()
            lapsed = expire_offers()
            db.session.commit()
            db.session.remove()
            return lapsed

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert sorted(pool.map(scheduler, range(2))) == [0, 1]
    lapsed_id, next_id, _, _ = facts["waitlist"]
    with app.app_context():
        assert db.session.get(WaitlistEntry, lapsed_id).status == WaitlistStatus.EXPIRED
        assert db.session.get(WaitlistEntry, next_id).status == WaitlistStatus.OFFERED
        offers = sa.select(sa.func.count()).where(
            Notification.dedupe_key == f"instrument-waitlist-offer-{next_id}"
        )
        assert db.session.scalar(offers) == 1


def test_a_failing_job_exits_non_zero_with_its_traceback(tmp_path):
    """``run-job`` must not hide a failure: a job that raises ends the process with status 1."""
    env = environ(settings("sqlite:////nonexistent-folder/x.sqlite", instance=tmp_path))
    run = _run("deliver_outbox", env)
    assert run.returncode == 1
    assert "job deliver_outbox failed" in run.stderr and "Traceback" in run.stderr
