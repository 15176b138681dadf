"""Certification benchmark: path progress for 10,000 users (20 requirements), sign + verify 100.

    .venv/bin/python bench/certification_bench.py [--runs 5]                  # SQLite in /tmp
    INNOCORE_TEST_DATABASE_URL=postgresql://root@127.0.0.1:5432/test \
        .venv/bin/python bench/certification_bench.py [--runs 5]              # PostgreSQL

On PostgreSQL a throw-away database is created next to the given one and dropped at the end
(``--database-url`` does the same for a URL given on the command line). Prints figures (every run,
the median and the best, and the number of SQL statements); not a pass/fail test.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

USERS, MODULES = 10_000, 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("INNOCORE_TEST_DATABASE_URL"))
    parser.add_argument("--runs", type=int, default=5, help="timed runs of the progress figure")
    args = parser.parse_args()
    if args.database_url:
        os.environ["INNOCORE_TEST_DATABASE_URL"] = args.database_url
    from tests.support.databases import TestDatabase

    database = TestDatabase("certbench")
    try:
        _run(database, args.runs)
    finally:
        database.drop()


def _run(database, runs: int) -> None:
    os.environ["INNOCORE_DATABASE_URL"] = database.url
    # Production settings; the database and the instance folder (signing keys) are the bench's own.
    os.environ["INNOCORE_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="innocore-cert-bench-")
    from flask_migrate import upgrade

    from innocore import clock, create_app
    from innocore.extensions import db

    app = create_app()
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        print(f"database: {db.engine.dialect.name}")
        path, users, certs = _seed(db, clock)
        _progress(db, path, users, runs)
        _credentials(certs)
        db.session.remove()
        db.engine.dispose()


def _seed(db, clock):
    import sqlalchemy as sa

    from innocore.accounts.models import Organisation, User
    from innocore.competences.models import Competence, CompetenceLevel
    from innocore.facilities.models import Facility
    from innocore.vocab import OrganisationKind, Technology
    from training.certification.models import Certificate, CertificateBasis
    from training.models import AssessmentType, ModuleStatus, ParticipationForm, TrainingModule
    from training.paths.models import AwardMode, QualificationPath

    now = clock.now()
    org = Organisation(
        name="Bench U", kind=OrganisationKind.UNIVERSITY, country="IT", created_at=now
    )
    facility = Facility(
        slug="bench",
        name="Bench facility",
        institution=org,
        timezone="Europe/Rome",
        contact_email="b@example.org",
        created_at=now,
    )
    db.session.add_all([org, facility])
    comps = [
        Competence(
            code=f"B.{i}",
            title=f"Competence {i}",
            technology=Technology.LIGHT_MICROSCOPY,
            created_at=now,
            levels=[CompetenceLevel(level=j, name=f"L{j}") for j in (1, 2, 3)],
        )
        for i in range(MODULES)
    ]
    db.session.add_all(comps)
    db.session.flush()
    modules = [
        TrainingModule(
            facility_id=facility.id,
            title=f"Module {i}",
            technology=Technology.LIGHT_MICROSCOPY,
            learning_outcomes=["x"],
            competence_id=comps[i].id,
            level_awarded=2,
            ects=Decimal("1.5"),
            notional_hours=30,
            eqf_level=6,
            assessment_type=AssessmentType.PRACTICAL_TEST,
            participation_form=ParticipationForm.ON_SITE,
            status=ModuleStatus.PUBLISHED,
            created_at=now,
            updated_at=now,
        )
        for i in range(MODULES)
    ]
    db.session.add_all(modules)
    db.session.flush()
    t0 = time.perf_counter()
    db.session.execute(
        sa.insert(User),
        [
            {
                "email": f"u{i}@bench.test",
                "name": f"User {i}",
                "password_hash": "x",
                "organisation_id": org.id,
                "created_at": now,
            }
            for i in range(USERS)
        ],
    )
    user_ids = db.session.scalars(sa.select(User.id).order_by(User.id)).all()
    rng = random.Random(7)
    rows, index = [], 0
    for uid in user_ids:
        for i in rng.sample(range(MODULES), rng.randint(0, 12)):
            rows.append(
                {
                    "public_id": f"{index:026d}",
                    "holder_id": uid,
                    "competence_id": comps[i].id,
                    "level": 2,
                    "module_id": modules[i].id,
                    "basis": CertificateBasis.ASSESSMENT,
                    "facility_id": facility.id,
                    "issued_by_id": user_ids[0],
                    "evidence": "bench",
                    "issued_at": now - timedelta(days=30),
                    "valid_until": now + timedelta(days=rng.choice([-1, 200])),
                    "issuer_key": "facility-bench",
                    "status_index": index,
                }
            )
            index += 1
    db.session.execute(sa.insert(Certificate), rows)
    half = MODULES // 2
    children = [{"kind": "module", "module": m.id, "current_only": True} for m in modules[:half]]
    children += [
        {"kind": "competence", "competence": c.id, "min_level": 2}
        for c in comps[half : MODULES - 2]
    ]
    children += [
        {"kind": "n_of", "n": 1, "children": [{"kind": "module", "module": modules[-2].id}]},
        {"kind": "min_credits", "credits": 6, "modules": [m.id for m in modules]},
    ]
    path = QualificationPath(
        code="BENCH",
        title="Bench path",
        requirements={"kind": "all_of", "children": children},
        award_mode=AwardMode.CONFIRMED,
        created_at=now,
        updated_at=now,
    )
    db.session.add(path)
    db.session.commit()
    print(
        f"seeded {USERS} users, {len(rows)} certificates, path of {len(children)} requirements "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    certs = db.session.scalars(sa.select(Certificate).limit(100)).all()
    return path, list(user_ids), certs


def _progress(db, path, users, runs: int) -> None:
    import sqlalchemy as sa

    from training.paths import services

    if os.environ.get("PROFILE"):
        import cProfile

        cProfile.runctx(
            "services.progress_for_many(users, path)", globals(), locals(), sort="cumtime"
        )
    statements = []

    def count(*_args):
        statements.append(1)

    times, cpu = [], []
    for _ in range(max(runs, 1)):
        db.session.expire_all()
        statements.clear()
        sa.event.listen(db.engine, "before_cursor_execute", count)
        t0, c0 = time.perf_counter(), time.process_time()
        results = services.progress_for_many(users, path)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        sa.event.remove(db.engine, "before_cursor_execute", count)
    met = sum(r.met for r in results.values())
    print(
        f"progress for {len(users)} users on a {len(path.requirements['children'])}-requirement "
        f"path: median {statistics.median(times):.2f} s, best {min(times):.2f} s "
        f"(target < 2 s; runs: {', '.join(f'{t:.2f}' for t in times)}); "
        f"CPU of this process median {statistics.median(cpu):.2f} s; "
        f"{len(statements)} SQL statements; {met} complete"
    )


def _credentials(certs) -> None:
    from training.credentials.services import credential_for
    from training.credentials.verify import verify_credential

    credential_for(certs[0])  # create the key once, outside the timing
    t0 = time.perf_counter()
    signed = [credential_for(c) for c in certs]
    t1 = time.perf_counter()
    results = [verify_credential(s) for s in signed]
    t2 = time.perf_counter()
    ok = sum(r.valid or r.code == "expired" for r in results)
    print(
        f"signed {len(signed)} credentials in {t1 - t0:.2f} s ({(t1 - t0) / len(signed) * 1000:.1f} ms each)"
    )
    print(
        f"verified {len(results)} credentials (proof, key, dates, status list, record) in {t2 - t1:.2f} s "
        f"({(t2 - t1) / len(results) * 1000:.1f} ms each); {ok} authentic"
    )


if __name__ == "__main__":
    main()
