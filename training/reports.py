"""The training package's report sections: training throughput (sessions, seats offered and
taken, fill rate, waiting lists, pass rates), certificates (issued, expiring in the next 90 days,
revoked), and the knowledge-transfer indicators a consortium reports (people trained and
certified by category, companies trained, cross-institution training, qualification-path
completions, ECTS awarded), per facility, for the network (facilities side by side), a person
and a company's people.

A session belongs to the period in which its first part starts. Seats taken = enrolments
enrolled or completed; waiting = waitlisted or holding an offer (today's state of those sessions).
People trained = distinct people with a completed enrolment; their category is the one frozen
on the enrolment (internal, external academic, industry). People are also counted by the position
they state on their profile (students, academic staff, technical staff, industry, other, not
stated; :data:`innocore.vocab.POSITION_GROUPS`), network-wide and per facility. ECTS awarded = the
ECTS of the modules behind certificates first issued in the period (renewals not counted twice).
Every figure is one aggregate query (``GROUP BY``).
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from innocore.accounts.models import Organisation, User
from innocore.extensions import db
from innocore.facilities.models import Facility
from innocore.marks import N_, T_, as_message
from innocore.reports.core import (
    Chart,
    Scope,
    Section,
    Table,
    breakdown_chart,
    percent,
    register_report_section,
)
from innocore.reports.sql import category_label, category_of, instant, position_group_of
from innocore.vocab import POSITION_GROUPS, OrganisationKind, UserCategory
from training.certification.models import Certificate, CertificateStatus
from training.models import (
    Assessment,
    AssessmentOutcome,
    Enrolment,
    EnrolmentStatus,
    SessionPart,
    SessionStatus,
    TrainingModule,
    TrainingSession,
)
from training.paths.models import AwardStatus, PathAward

TAKEN = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)
WAITING = (EnrolmentStatus.WAITLISTED, EnrolmentStatus.OFFERED)
EXPIRY_DAYS = 90


def register(app: Flask) -> None:
    """Add the package's sections to the facility, network, person and company reports."""
    register_report_section(app, "facility", throughput_section, 40)
    register_report_section(app, "facility", certificate_section, 45)
    register_report_section(app, "network", network_training_section, 20)
    register_report_section(app, "network", knowledge_transfer_section, 30)
    register_report_section(app, "network", position_section, 35)
    register_report_section(app, "person", person_training_section, 40)
    register_report_section(app, "company", company_training_section, 40)


def _pct(value) -> str | None:
    return None if value is None else f"{value} %"


def _sessions(scope: Scope):
    """Sessions whose first part starts in the period (a subquery: id, facility_id, module_id,
    capacity, status)."""
    first = (
        sa.select(
            SessionPart.session_id.label("sid"), sa.func.min(SessionPart.starts_at).label("at")
        )
        .group_by(SessionPart.session_id)
        .subquery()
    )
    stmt = (
        sa.select(
            TrainingSession.id,
            TrainingSession.facility_id,
            TrainingSession.module_id,
            TrainingSession.capacity,
            TrainingSession.status,
        )
        .join(first, first.c.sid == TrainingSession.id)
        .where(first.c.at >= instant(scope.starts_at), first.c.at < instant(scope.ends_at))
    )
    if scope.facility_id is not None:
        stmt = stmt.where(TrainingSession.facility_id == scope.facility_id)
    return stmt.subquery()


def _throughput_rows(scope: Scope, key) -> list:
    """Per ``key(sessions subquery)``: sessions, cancelled, seats offered, taken, waiting."""
    s = _sessions(scope)
    seats = (
        sa.select(
            Enrolment.session_id.label("sid"),
            sa.func.sum(sa.case((Enrolment.status.in_(TAKEN), 1), else_=0)).label("taken"),
            sa.func.sum(sa.case((Enrolment.status.in_(WAITING), 1), else_=0)).label("wait"),
        )
        .group_by(Enrolment.session_id)
        .subquery()
    )
    live = s.c.status != SessionStatus.CANCELLED
    k = key(s)
    stmt = (
        sa.select(
            k,
            sa.func.count(s.c.id),
            sa.func.sum(sa.case((live, 0), else_=1)),
            sa.func.sum(sa.case((live, s.c.capacity), else_=0)),
            sa.func.coalesce(sa.func.sum(sa.case((live, seats.c.taken), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((live, seats.c.wait), else_=0)), 0),
        )
        .select_from(s)
        .outerjoin(seats, seats.c.sid == s.c.id)
        .group_by(k)
        .order_by(k)
    )
    # PostgreSQL sums a sum as NUMERIC: counts are made whole numbers again here.
    return [(key_, *(int(v or 0) for v in rest)) for key_, *rest in db.session.execute(stmt)]


def _pass_rates(scope: Scope, key_col, join_module: bool = False) -> dict:
    """Assessments recorded in the period at the scope's sessions: (passed, total) per key."""
    stmt = (
        sa.select(
            key_col,
            sa.func.sum(sa.case((Assessment.outcome == AssessmentOutcome.PASSED, 1), else_=0)),
            sa.func.count(Assessment.id),
        )
        .join(Enrolment, Enrolment.id == Assessment.enrolment_id)
        .join(TrainingSession, TrainingSession.id == Enrolment.session_id)
        .join(TrainingModule, TrainingModule.id == Assessment.module_id)
        .where(
            Assessment.recorded_at >= instant(scope.starts_at),
            Assessment.recorded_at < instant(scope.ends_at),
        )
        .group_by(key_col)
    )
    if scope.facility_id is not None:
        stmt = stmt.where(TrainingSession.facility_id == scope.facility_id)
    return {k: (p or 0, n) for k, p, n in db.session.execute(stmt)}


def throughput_section(scope: Scope) -> Section:
    """A facility's training by module: sessions, seats offered and taken, fill rate, waiting
    list, pass rate."""
    rows_raw = _throughput_rows(scope, lambda s: s.c.module_id)
    ids = [r[0] for r in rows_raw]
    titles = dict(
        db.session.execute(
            sa.select(TrainingModule.id, TrainingModule.title).where(TrainingModule.id.in_(ids))
        ).all()
    )
    passes = _pass_rates(scope, TrainingModule.id)
    rows = []
    for mid, n, cancelled, offered, taken, wait in rows_raw:
        p, total = passes.get(mid, (0, 0))
        rows.append(
            [
                titles.get(mid, str(mid)),
                n,
                cancelled or 0,
                offered or 0,
                taken,
                wait,
                percent(taken, offered),
                total,
                percent(p, total),
            ]
        )
    tot = [sum(r[i] for r in rows) for i in (1, 2, 3, 4, 5, 7)]
    passed = sum(p for p, _ in passes.values())
    figures = [
        (N_("Sessions"), tot[0]),
        (N_("Cancelled sessions"), tot[1]),
        (N_("Seats offered"), tot[2]),
        (N_("Seats taken"), tot[3]),
        (N_("Fill rate"), _pct(percent(tot[3], tot[2]))),
        (N_("On waiting lists"), tot[4]),
        (N_("Assessments"), tot[5]),
        (N_("Pass rate"), _pct(percent(passed, tot[5]))),
    ]
    chart = Chart(
        "bar",
        T_("Seats offered and taken by module, %(period_label)s", period_label=scope.period_label),
        [r[0] for r in rows],
        [(N_("Seats offered"), [r[3] for r in rows]), (N_("Seats taken"), [r[4] for r in rows])],
        Table(
            N_("Seats by module"),
            [N_("module"), N_("offered"), N_("taken")],
            [[r[0], r[3], r[4]] for r in rows],
        ),
        "seats",
    )
    return Section(
        "training",
        N_("Training throughput"),
        figures,
        tables=[
            Table(
                N_("Training by module"),
                [
                    N_("module"),
                    N_("sessions"),
                    N_("cancelled"),
                    N_("seats offered"),
                    N_("seats taken"),
                    N_("waiting"),
                    N_("fill rate %"),
                    N_("assessments"),
                    N_("pass rate %"),
                ],
                rows,
            )
        ],
        charts=[chart],
        note=N_(
            "Sessions whose first part starts in the period; seats of cancelled sessions are not offered."
        ),
    )


def _certificate_counts(scope: Scope, key_col=None) -> list:
    """(key?, issued in period, revoked in period, active expiring within 90 days of now)."""
    lo, hi = instant(scope.starts_at), instant(scope.ends_at)
    soon = instant(scope.now + timedelta(days=EXPIRY_DAYS))
    issued = sa.func.sum(
        sa.case((sa.and_(Certificate.issued_at >= lo, Certificate.issued_at < hi), 1), else_=0)
    )
    revoked = sa.func.sum(
        sa.case((sa.and_(Certificate.revoked_at >= lo, Certificate.revoked_at < hi), 1), else_=0)
    )
    expiring = sa.func.sum(
        sa.case(
            (
                sa.and_(
                    Certificate.status == CertificateStatus.ACTIVE,
                    Certificate.valid_until >= instant(scope.now),
                    Certificate.valid_until < soon,
                ),
                1,
            ),
            else_=0,
        )
    )
    keys = [key_col] if key_col is not None else []
    stmt = sa.select(*keys, issued, revoked, expiring).select_from(Certificate)
    stmt = stmt.join(User, User.id == Certificate.holder_id)
    if scope.facility_id is not None:
        stmt = stmt.where(Certificate.facility_id == scope.facility_id)
    if scope.user_id is not None:
        stmt = stmt.where(Certificate.holder_id == scope.user_id)
    if scope.organisation_id is not None:
        stmt = stmt.where(User.organisation_id == scope.organisation_id)
    if keys:
        stmt = stmt.group_by(*keys).order_by(*keys)
    return db.session.execute(stmt).all()


def certificate_section(scope: Scope) -> Section:
    """Certificates issued and revoked in the period, and those expiring in the next 90 days."""
    ((issued, revoked, expiring),) = _certificate_counts(scope)
    figures = [
        (N_("Certificates issued"), issued or 0),
        (N_("Certificates revoked"), revoked or 0),
        (
            T_(
                "Active certificates expiring in the next %(expiry_days)s days",
                expiry_days=EXPIRY_DAYS,
            ),
            expiring or 0,
        ),
        (N_("ECTS awarded"), _ects(scope)),
    ]
    return Section("certificates", N_("Certificates"), figures)


def _ects(scope: Scope, key=None):
    """ECTS of the modules behind certificates first issued in the period (renewals not counted
    twice): a number, or ``{key: number}`` grouped by ``key`` (e.g. the certificate's facility)."""
    keys = [key] if key is not None else []
    stmt = (
        sa.select(*keys, sa.func.coalesce(sa.func.sum(TrainingModule.ects), 0))
        .select_from(Certificate)
        .join(TrainingModule, TrainingModule.id == Certificate.module_id)
        .join(User, User.id == Certificate.holder_id)
        .where(
            Certificate.issued_at >= instant(scope.starts_at),
            Certificate.issued_at < instant(scope.ends_at),
            Certificate.replaces_id.is_(None),
        )
    )
    if scope.facility_id is not None:
        stmt = stmt.where(Certificate.facility_id == scope.facility_id)
    if scope.user_id is not None:
        stmt = stmt.where(Certificate.holder_id == scope.user_id)
    if scope.organisation_id is not None:
        stmt = stmt.where(User.organisation_id == scope.organisation_id)
    if keys:
        return dict(db.session.execute(stmt.group_by(*keys)).all())
    return db.session.scalar(stmt)


def network_training_section(scope: Scope) -> Section:
    """Each facility's training side by side: sessions, seats, fill rate, certificates."""
    through = {r[0]: r[1:] for r in _throughput_rows(scope, lambda s: s.c.facility_id)}
    certs = {r[0]: r[1:] for r in _certificate_counts(scope, Certificate.facility_id)}
    passes = _pass_rates(scope, TrainingSession.facility_id)
    stmt = sa.select(Facility.id, Facility.name).order_by(Facility.name)
    if scope.facility_id is not None:
        stmt = stmt.where(Facility.id == scope.facility_id)
    rows = []
    for fid, name in db.session.execute(stmt):
        n, cancelled, offered, taken, wait = through.get(fid, (0, 0, 0, 0, 0))
        issued, revoked, expiring = certs.get(fid, (0, 0, 0))
        p, total = passes.get(fid, (0, 0))
        rows.append(
            [
                name,
                n,
                offered or 0,
                taken,
                percent(taken, offered),
                wait,
                percent(p, total),
                issued or 0,
                revoked or 0,
                expiring or 0,
            ]
        )
    table = Table(
        N_("Training by facility"),
        [
            N_("facility"),
            N_("sessions"),
            N_("seats offered"),
            N_("seats taken"),
            N_("fill rate %"),
            N_("waiting"),
            N_("pass rate %"),
            N_("certificates issued"),
            N_("revoked"),
            T_("expiring in %(EXPIRY_DAYS)s days", EXPIRY_DAYS=EXPIRY_DAYS),
        ],
        rows,
    )
    return Section(
        "training_by_facility",
        N_("Training by facility"),
        tables=[table],
        charts=[
            breakdown_chart(
                scope,
                N_("Seats offered and taken by facility"),
                table,
                [(N_("Seats offered"), 2), (N_("Seats taken"), 3)],
                "seats",
            )
        ],
    )


def _completed_enrolments(scope: Scope) -> sa.Select:
    s = _sessions(scope)
    return (
        sa.select()
        .select_from(Enrolment)
        .join(s, s.c.id == Enrolment.session_id)
        .join(Facility, Facility.id == s.c.facility_id)
        .join(User, User.id == Enrolment.user_id)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(Enrolment.status == EnrolmentStatus.COMPLETED)
    )


def knowledge_transfer_section(scope: Scope) -> Section:
    """People trained and certified by category, companies trained, cross-institution training,
    qualification-path completions and ECTS awarded."""
    trained = dict(
        db.session.execute(
            _completed_enrolments(scope)
            .add_columns(Enrolment.fee_category, sa.func.count(sa.distinct(Enrolment.user_id)))
            .group_by(Enrolment.fee_category)
        ).all()
    )
    cat = category_of(User.organisation_id, Organisation.kind, Facility.institution_id)
    certified = dict(db.session.execute(_certified(scope, cat)).all())
    companies, cross = db.session.execute(
        _completed_enrolments(scope).add_columns(*_reach_columns())
    ).one()
    rows = []
    for category in UserCategory:
        key = category.value
        rows.append(
            [category_label(key), trained.get(category, trained.get(key, 0)), certified.get(key, 0)]
        )
    chart = Chart(
        "bar",
        T_(
            "People trained and certified by category, %(period_label)s",
            period_label=scope.period_label,
        ),
        [r[0] for r in rows],
        [(N_("Trained"), [r[1] for r in rows]), (N_("Certified"), [r[2] for r in rows])],
        Table(
            N_("People trained and certified by category"),
            [N_("category"), N_("people trained"), N_("people certified")],
            rows,
        ),
        "people",
    )
    figures = [
        (N_("Companies whose people were trained"), companies),
        (N_("People trained at another institution's facility"), cross),
        (N_("Qualification-path completions"), _path_completions(scope)),
        (N_("ECTS awarded"), _ects(scope)),
    ]
    return Section(
        "knowledge_transfer",
        N_("Knowledge transfer"),
        figures,
        charts=[chart],
        note=N_(
            "Categories are relative to the facility: internal (its own "
            "institution), external academic, industry (companies). Path "
            "completions count the whole network."
        ),
    )


def _certified(scope: Scope, *keys) -> sa.Select:
    """People (distinct holders) with a certificate issued in the period, grouped by ``keys``
    (SQL over the certificate, its holder, the holder's organisation and the facility)."""
    stmt = (
        sa.select(*keys, sa.func.count(sa.distinct(Certificate.holder_id)))
        .select_from(Certificate)
        .join(User, User.id == Certificate.holder_id)
        .join(Organisation, Organisation.id == User.organisation_id)
        .join(Facility, Facility.id == Certificate.facility_id)
        .where(
            Certificate.issued_at >= instant(scope.starts_at),
            Certificate.issued_at < instant(scope.ends_at),
        )
        .group_by(*keys)
    )
    if scope.facility_id is not None:
        stmt = stmt.where(Certificate.facility_id == scope.facility_id)
    return stmt


def position_section(scope: Scope) -> Section:
    """People trained (a completed enrolment in a session of the period) and certified (a
    certificate issued in the period) by position group: students, academic staff, technical
    staff, industry, other, not stated (:data:`innocore.vocab.POSITION_GROUPS`); and the
    knowledge-transfer figures of each facility side by side. People are counted once per row
    (distinct); a person trained at two facilities counts at each and once in the network.
    Seven aggregate queries whatever the data size."""
    group = position_group_of(User.position, Organisation.kind).label("g")
    trained = dict(
        db.session.execute(
            _completed_enrolments(scope)
            .add_columns(group, sa.func.count(sa.distinct(Enrolment.user_id)))
            .group_by(group)
        ).all()
    )
    certified = dict(db.session.execute(_certified(scope, group)).all())
    rows = [
        [as_message(label), trained.get(key, 0), certified.get(key, 0)]
        for key, label in POSITION_GROUPS
    ]
    by_facility = _transfer_by_facility(scope, group)
    chart = Chart(
        "bar",
        T_(
            "People trained and certified by position, %(period_label)s",
            period_label=scope.period_label,
        ),
        [r[0] for r in rows],
        [(N_("Trained"), [r[1] for r in rows]), (N_("Certified"), [r[2] for r in rows])],
        Table(
            N_("People trained and certified by position"),
            [N_("position"), N_("people trained"), N_("people certified")],
            rows,
        ),
        "people",
    )
    return Section(
        "people_by_position",
        N_("People trained and certified by position"),
        [
            (N_("Students trained"), trained.get("students", 0)),
            (N_("Academic staff trained"), trained.get("academic_staff", 0)),
            (N_("Industry people trained"), trained.get("industry", 0)),
        ],
        tables=[by_facility],
        charts=[
            chart,
            breakdown_chart(
                scope,
                N_("People trained and certified by facility"),
                by_facility,
                [(N_("Trained"), 1), (N_("Certified"), 5)],
                "people",
            ),
        ],
        note=N_(
            "Position is what people state on their profile; anyone of a company counts as "
            'industry. Accounts without a position read as "position not stated".'
        ),
    )


def _transfer_by_facility(scope: Scope, group) -> Table:
    """Each facility's knowledge-transfer figures: people trained (of whom students, academic
    staff, industry), people certified (the same split), companies whose people were trained,
    people trained from another institution, ECTS awarded."""
    fid = Facility.id.label("fid")
    trained: dict = {}
    for f, g, n in db.session.execute(
        _completed_enrolments(scope)
        .add_columns(fid, group, sa.func.count(sa.distinct(Enrolment.user_id)))
        .group_by(fid, group)
    ):
        trained.setdefault(f, {})[g] = n
    certified: dict = {}
    for f, g, n in db.session.execute(_certified(scope, fid, group)):
        certified.setdefault(f, {})[g] = n
    reach = {
        f: (companies, cross)
        for f, companies, cross in db.session.execute(
            _completed_enrolments(scope).add_columns(fid, *_reach_columns()).group_by(fid)
        )
    }
    ects = _ects(scope, Certificate.facility_id)
    facilities = sa.select(Facility.id, Facility.name).order_by(Facility.name)
    if scope.facility_id is not None:
        facilities = facilities.where(Facility.id == scope.facility_id)
    split = ("students", "academic_staff", "industry")
    rows = []
    for f, name in db.session.execute(facilities):
        t, c = trained.get(f, {}), certified.get(f, {})
        companies, cross = reach.get(f, (0, 0))
        rows.append(
            [
                name,
                sum(t.values()),
                *(t.get(k, 0) for k in split),
                sum(c.values()),
                *(c.get(k, 0) for k in split),
                companies,
                cross,
                ects.get(f, 0),
            ]
        )
    return Table(
        N_("Knowledge transfer by facility"),
        [
            N_("facility"),
            N_("people trained"),
            N_("trained: students"),
            N_("trained: academic staff"),
            N_("trained: industry"),
            N_("people certified"),
            N_("certified: students"),
            N_("certified: academic staff"),
            N_("certified: industry"),
            N_("companies trained"),
            N_("trained from another institution"),
            N_("ECTS awarded"),
        ],
        rows,
    )


def _reach_columns() -> tuple:
    """Companies whose people completed training; people trained at a facility of another
    institution (over :func:`_completed_enrolments`)."""
    return (
        sa.func.count(
            sa.distinct(
                sa.case((Organisation.kind == OrganisationKind.COMPANY, User.organisation_id))
            )
        ),
        sa.func.count(
            sa.distinct(
                sa.case((User.organisation_id != Facility.institution_id, Enrolment.user_id))
            )
        ),
    )


def _path_completions(scope: Scope) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(PathAward.id)).where(
            PathAward.status == AwardStatus.AWARDED,
            PathAward.completed_at >= instant(scope.starts_at),
            PathAward.completed_at < instant(scope.ends_at),
        )
    )


def person_training_section(scope: Scope) -> Section:
    """A person's completed training, certificates issued and expiring, ECTS."""
    return _people_training(scope, N_("My training and certificates"))


def company_training_section(scope: Scope) -> Section:
    """A company's people: completed training and certificates, per person."""
    return _people_training(scope, N_("Training and certificates of the company's people"))


def _people_training(scope: Scope, title: str) -> Section:
    done = _completed_enrolments(scope)
    if scope.user_id is not None:
        done = done.where(Enrolment.user_id == scope.user_id)
    if scope.organisation_id is not None:
        done = done.where(User.organisation_id == scope.organisation_id)
    trained = dict(
        db.session.execute(
            done.add_columns(User.name, sa.func.count(Enrolment.id)).group_by(User.name)
        ).all()
    )
    certs = {r[0]: r[1:] for r in _certificate_counts(scope, User.name)}
    names = sorted(set(trained) | set(certs))
    rows = [[n, trained.get(n, 0), *(c or 0 for c in certs.get(n, (0, 0, 0)))] for n in names]
    figures = [
        (N_("Training sessions completed"), sum(r[1] for r in rows)),
        (N_("Certificates issued"), sum(r[2] for r in rows)),
        (
            T_("Certificates expiring in the next %(expiry_days)s days", expiry_days=EXPIRY_DAYS),
            sum(r[4] for r in rows),
        ),
        (N_("ECTS awarded"), _ects(scope)),
    ]
    return Section(
        "training",
        title,
        figures,
        tables=[
            Table(
                N_("By person"),
                [
                    N_("person"),
                    N_("sessions completed"),
                    N_("certificates issued"),
                    N_("revoked"),
                    T_("expiring in %(expiry_days)s days", expiry_days=EXPIRY_DAYS),
                ],
                rows,
            )
        ],
    )
