"""Pure recognition rules: what declarations and granted requests make of certificates, and the
checks on declaring, requesting and deciding. No Flask, no database, no clock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from innocore.errors import Problem
from innocore.marks import N_
from training.certification.rules import CertFact


@dataclass(frozen=True, slots=True)
class Declaration:
    """What the rules need of one equivalence declaration still in force."""

    source_competence_id: int
    source_min_level: int
    target_competence_id: int
    target_level: int
    automatic: bool  # equivalent (True) or bridging (counts person by person once granted)


@dataclass(frozen=True, slots=True)
class Grant:
    """A granted request: this certificate counts as the target competence at the target level."""

    person_id: int
    certificate_id: int
    target_competence_id: int
    target_level: int


def derived_facts(
    facts: Mapping[int, Sequence[CertFact]],
    declarations: Iterable[Declaration],
    grants: Iterable[Grant],
) -> dict[int, list[CertFact]]:
    """A certificate counts as another facility's competence when that facility declared its
    competence (at a minimum level) equivalent, or granted this person's request for it (after a
    bridging session or on its own review). The derived fact keeps the certificate's id, status and
    dates, so a suspension, revocation, expiry or lapse of the source ends the recognition too."""
    declarations, by_cert = list(declarations), {}
    for g in grants:
        by_cert.setdefault((g.person_id, g.certificate_id), []).append(g)
    out: dict[int, list[CertFact]] = {}
    for uid, mine in facts.items():
        derived: set[CertFact] = set()
        for f in mine:
            for d in declarations:
                held = f.competence_id == d.source_competence_id
                if d.automatic and held and (f.level or 0) >= d.source_min_level:
                    derived.add(_as(f, d.target_competence_id, d.target_level))
            for g in by_cert.get((uid, f.id), []):
                derived.add(_as(f, g.target_competence_id, g.target_level))
        if derived:
            out[uid] = sorted(derived, key=lambda x: (x.competence_id, -(x.level or 0), x.id))
    return out


def _as(fact: CertFact, competence_id: int, level: int) -> CertFact:
    return replace(fact, competence_id=competence_id, level=level, module_id=None, path_id=None)


def declaration_problems(
    *,
    facility_id: int,
    source_facility_id: int | None,
    source_levels: Sequence[int],
    source_min_level: int | None,
    target_facility_id: int | None,
    target_levels: Sequence[int],
    target_level: int | None,
    note: str,
) -> list[Problem]:
    """A facility recognises another facility's own competence (network-wide ones already count
    everywhere) as one of its own, at levels both competences define."""
    problems = []
    if source_facility_id is None or source_facility_id == facility_id:
        problems.append(
            Problem(
                "source_not_foreign",
                N_("Choose a competence of another facility (network-wide ones count everywhere)."),
                "source_competence_id",
            )
        )
    if target_facility_id != facility_id:
        problems.append(
            Problem(
                "target_not_own",
                N_("The recognised competence must be one of this facility's own."),
                "target_competence_id",
            )
        )
    if source_min_level not in source_levels:
        problems.append(
            Problem("invalid_level", N_("Choose a level the source defines."), "source_min_level")
        )
    if target_level not in target_levels:
        problems.append(
            Problem("invalid_level", N_("Choose a level yours defines."), "target_level")
        )
    if len(note or "") > 500:
        problems.append(Problem("note_too_long", N_("Keep the note under 500 characters."), "note"))
    return problems


def request_problems(
    *,
    valid_now: bool,
    target_facility_id: int | None,
    facility_id: int,
    target_levels: Sequence[int],
    target_level: int | None,
    pending_duplicate: bool,
    message: str,
) -> list[Problem]:
    """A person asks for a facility's own competence, at a level it defines, on the strength of a
    certificate (or credential) valid now, once at a time."""
    problems = []
    if not valid_now:
        problems.append(
            Problem("source_not_valid", N_("Only a currently valid certificate can be recognised."))
        )
    if target_facility_id != facility_id:
        problems.append(
            Problem(
                "target_not_own",
                N_("Ask for one of the facility's own competences."),
                "target_competence_id",
            )
        )
    if target_level not in target_levels:
        problems.append(Problem("invalid_level", N_("Choose a level it defines."), "target_level"))
    if pending_duplicate:
        problems.append(
            Problem("already_pending", N_("You already asked this facility for this competence."))
        )
    if len(message or "") > 2000:
        problems.append(Problem("message_too_long", N_("Keep the message under 2,000 characters.")))
    return problems


def decision_problems(*, pending: bool, reason: str) -> list[Problem]:
    """A request is decided once, with the reason the person will read."""
    problems = []
    if not pending:
        problems.append(Problem("already_decided", N_("This request was already decided.")))
    if not (reason or "").strip():
        problems.append(
            Problem("reason_missing", N_("Give the reason for the decision."), "reason")
        )
    elif len(reason) > 1000:
        problems.append(
            Problem("reason_too_long", N_("Keep the reason under 1,000 characters."), "reason")
        )
    return problems
