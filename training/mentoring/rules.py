"""Pure rules of mentoring: a profile, a request, a decision, a meeting, a goal. ``today`` and the
facts are parameters; each returns every problem found."""

from __future__ import annotations

from datetime import date

from innocore.errors import Problem
from innocore.rules import text_problems as _text
from training.mentoring.models import MentorshipStatus as M


# A mentor states their expertise and takes 1 to 20 mentees at once.
def profile_problems(expertise: str, capacity) -> list[Problem]:
    out = _text(expertise, "expertise", "expertise", 2000)
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not 1 <= capacity <= 20:
        out.append(Problem("capacity", "Take 1 to 20 mentees at once.", "capacity"))
    return out


# One asks an available mentor other than oneself, once while a request or mentorship with them
# is open, while the mentor has room, with a message.
def request_problems(
    *,
    is_self: bool,
    available: bool,
    open_with_mentor: bool,
    active: int,
    capacity: int,
    message: str,
) -> list[Problem]:
    out = []
    if is_self:
        out.append(Problem("self", "You cannot mentor yourself."))
    if not available:
        out.append(Problem("unavailable", "This mentor takes no mentees at the moment."))
    if open_with_mentor:
        out.append(Problem("already_requested", "You already asked this mentor."))
    if active >= capacity:
        out.append(Problem("full", "This mentor has no room for another mentee."))
    return out + _text(message, "message", "message", 2000)


# The mentor accepts (while room remains) or declines a request once.
def decision_problems(status: M, accept: bool, active: int, capacity: int) -> list[Problem]:
    if status != M.REQUESTED:
        return [Problem("decided", "This request was already answered.")]
    if accept and active >= capacity:
        return [Problem("full", "You have no room for another mentee: raise your capacity.")]
    return []


# A meeting of an active pair happened (not in the future), lasted 1 to 600 minutes, has notes.
def meeting_problems(status: M, held_on: date | None, today: date, minutes) -> list[Problem]:
    out = []
    if status != M.ACTIVE:
        out.append(Problem("not_active", "Record meetings of an active mentorship."))
    if held_on is None or held_on > today:
        out.append(Problem("held_on", "Give the day it was held (not in the future).", "held_on"))
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 600:
        out.append(Problem("minutes", "A meeting lasts 1 to 600 minutes.", "minutes"))
    return out


def goal_problems(status: M, title: str) -> list[Problem]:
    out = (
        [] if status == M.ACTIVE else [Problem("not_active", "Set goals in an active mentorship.")]
    )
    return out + _text(title, "title", "goal", 300)
