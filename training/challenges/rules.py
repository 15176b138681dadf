"""Pure rules of challenges: what a posting, an application, a decision and a workspace entry need.

No Flask, no session, no clock: the moment (``now``) and the facts are parameters. Each returns
every problem found, as ``Problem(code, message, field)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from innocore.clock import local_date
from innocore.errors import Problem
from innocore.marks import N_, T_
from innocore.rules import text_problems as _text
from innocore.status import status_word
from training.challenges.models import ApplicationStatus, ChallengeStatus

MAX_TEAM = 10
MAX_TEAMS = 20
MAX_TEXT = 20_000


@dataclass(frozen=True)
class Posting:
    title: str
    summary: str
    team_min: int | None
    team_max: int | None
    teams_wanted: int | None
    applications_close_at: datetime | None
    starts_on: date | None
    ends_on: date | None


# A posting has a title and a public summary, a team of 1 to 10 people (min <= max), 1 to 20 team
# places, an application deadline in the future and before the work starts, and a period.
def posting_problems(p: Posting, now: datetime, zone: str = "UTC") -> list[Problem]:
    """Every problem of a posting; days compare with the deadline's date in the host's ``zone``."""
    out = _text(p.title, "title", "title", 200, True) + _text(
        p.summary, "summary", "public summary", MAX_TEXT, True
    )
    if p.team_min is None or p.team_max is None or not 1 <= p.team_min <= p.team_max <= MAX_TEAM:
        out.append(
            Problem(
                "team_size",
                T_("A team has 1 to %(max_team)s people, min <= max.", max_team=MAX_TEAM),
                "team_max",
            )
        )
    if p.teams_wanted is None or not 1 <= p.teams_wanted <= MAX_TEAMS:
        out.append(
            Problem(
                "teams_wanted",
                T_("Select 1 to %(max_teams)s teams.", max_teams=MAX_TEAMS),
                "teams_wanted",
            )
        )
    if p.applications_close_at is None or p.applications_close_at <= now:
        out.append(
            Problem(
                "deadline",
                N_("The application deadline must be in the future."),
                "applications_close_at",
            )
        )
    if p.starts_on is None or p.ends_on is None or p.ends_on < p.starts_on:
        out.append(
            Problem(
                "period", N_("Give the period: the end must be on or after the start."), "ends_on"
            )
        )
    elif p.applications_close_at is not None and p.starts_on < local_date(
        p.applications_close_at, zone
    ):
        out.append(
            Problem(
                "starts_before_deadline",
                N_("The work starts after applications close."),
                "starts_on",
            )
        )
    return out


# Every needed competence is at one of its framework levels.
def needs_problems(needs: Sequence[tuple[int, int, Sequence[int]]]) -> list[Problem]:
    """``needs``: (competence id, level asked, the competence's levels)."""
    return [
        Problem(
            "level",
            T_("Competence %(cid)s has no level %(level)s.", cid=cid, level=level),
            "competences",
        )
        for cid, level, levels in needs
        if level not in levels
    ]


# Only a challenge in review is reviewed; sending it back needs a note the poster reads.
def review_problems(status: ChallengeStatus, publish: bool, note: str) -> list[Problem]:
    out = []
    if status != ChallengeStatus.IN_REVIEW:
        out.append(Problem("not_in_review", N_("This challenge is not waiting for review.")))
    if not publish and not (note or "").strip():
        out.append(Problem("missing", N_("Say what to change."), "note"))
    return out + _text(note, "note", "note", 1000, False)


@dataclass(frozen=True)
class ApplicationFacts:
    status: ChallengeStatus
    applications_close_at: datetime
    team_min: int
    team_max: int
    team_size: int  # the applicant included
    already_applied: bool  # the applicant is in a team of this challenge
    unknown: Sequence[str]  # team e-mails that are no user's
    taken: Sequence[str]  # team e-mails of people already in another team of this challenge
    poster_side: bool  # the applicant is on the side that posted the challenge
    nda_missing: bool  # the challenge has an NDA the applicant has not accepted
    motivation: str


# One applies to a published challenge before its deadline, once, not to one's own organisation's
# challenge, after accepting its NDA, with a motivation and a team of the asked size whose every
# member is a user not already in another team of the challenge.
def application_problems(f: ApplicationFacts, now: datetime) -> list[Problem]:
    out = []
    if f.status != ChallengeStatus.PUBLISHED:
        out.append(Problem("not_open", N_("This challenge does not take applications.")))
    elif now >= f.applications_close_at:
        out.append(Problem("deadline_passed", N_("Applications to this challenge have closed.")))
    if f.already_applied:
        out.append(Problem("already_applied", N_("You already are in a team for this challenge.")))
    if f.poster_side:
        out.append(
            Problem("own_challenge", N_("You cannot apply to your organisation's challenge."))
        )
    if f.nda_missing:
        out.append(Problem("nda", N_("Accept the challenge's NDA before applying.")))
    if f.unknown:
        out.append(
            Problem(
                "not_a_user",
                T_("Not InnoCore users: %(emails)s.", emails=", ".join(f.unknown)),
                "team",
            )
        )
    if f.taken:
        out.append(
            Problem(
                "in_another_team",
                T_("Already in a team: %(emails)s.", emails=", ".join(f.taken)),
                "team",
            )
        )
    if not f.team_min <= f.team_size <= f.team_max:
        out.append(
            Problem(
                "team_size",
                T_(
                    "Teams have %(team_min)s to %(team_max)s people, you included.",
                    team_min=f.team_min,
                    team_max=f.team_max,
                ),
                "team",
            )
        )
    return out + _text(f.motivation, "motivation", "motivation", 5000, True)


_NEXT = {
    ApplicationStatus.SUBMITTED: {
        ApplicationStatus.SHORTLISTED,
        ApplicationStatus.SELECTED,
        ApplicationStatus.NOT_SELECTED,
    },
    ApplicationStatus.SHORTLISTED: {ApplicationStatus.SELECTED, ApplicationStatus.NOT_SELECTED},
}


# The posting side moves an application forward (submitted -> shortlisted -> selected or not)
# while the challenge is published, and selects at most as many teams as it asked for.
def decision_problems(
    challenge_status: ChallengeStatus,
    current: ApplicationStatus,
    target: ApplicationStatus,
    selected: int,
    teams_wanted: int,
) -> list[Problem]:
    if challenge_status != ChallengeStatus.PUBLISHED:
        return [Problem("not_open", N_("Selection is over for this challenge."))]
    if target not in _NEXT.get(current, set()):
        return [
            Problem(
                "transition",
                T_(
                    "An application in the state “%(current)s” cannot move to “%(target)s”.",
                    current=status_word(current),
                    target=status_word(target),
                ),
            )
        ]
    if target == ApplicationStatus.SELECTED and selected >= teams_wanted:
        return [
            Problem(
                "no_places",
                T_("All %(teams_wanted)s team places are taken.", teams_wanted=teams_wanted),
            )
        ]
    return []


# A milestone has a title and a due date within a few years; messages are not empty.
def milestone_problems(title: str, due_on: date | None) -> list[Problem]:
    out = _text(title, "title", "milestone", 200, True)
    if due_on is None:
        out.append(Problem("missing", N_("Give the due date."), "due_on"))
    return out


def message_problems(body: str) -> list[Problem]:
    return _text(body, "body", "message", 5000, True)


# Feedback is given once, on a selected team, with a rating from 1 to 5 and words.
def feedback_problems(status: ApplicationStatus, given: bool, rating, text: str) -> list[Problem]:
    out = []
    if status != ApplicationStatus.SELECTED or given:
        out.append(Problem("not_selected", N_("Feedback is given once, to a selected team.")))
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        out.append(Problem("rating", N_("Rate from 1 to 5."), "rating"))
    return out + _text(text, "feedback", "feedback", 5000, True)


# A team's outcome is recorded after the company's feedback, once, for a challenge with a module.
def award_problems(
    status: ApplicationStatus, has_feedback: bool, has_module: bool
) -> list[Problem]:
    out = []
    if status != ApplicationStatus.SELECTED or not has_feedback:
        out.append(Problem("no_feedback", N_("Record the outcome after the company's feedback.")))
    if not has_module:
        out.append(
            Problem("no_module", N_("This challenge names no challenge-based learning module."))
        )
    return out
