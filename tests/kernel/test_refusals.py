"""Refusals render, not redirect: a refused button post shows its page with the reason (422)."""

import pytest

from innocore.errors import DomainError, Forbidden, Problem
from innocore.forms import attempt_action


def test_a_refused_action_is_rolled_back_and_handed_to_the_view(app, db_session):
    def refuse():
        raise DomainError(Problem("cannot_reinstate", "Only a suspended certificate."))

    result, err = attempt_action(refuse)
    assert result is None and err.status == 422
    assert [p.code for p in err.problems] == ["cannot_reinstate"]
    assert attempt_action(lambda: 7) == (7, None)
    with pytest.raises(Forbidden):  # who may act at all is the app-wide handler's business
        attempt_action(lambda: (_ for _ in ()).throw(Forbidden()))
