"""Irreversible actions ask first (innocore/confirm.py): the list of them, and what asking does.

Every page route decorated with ``@irreversible`` is listed in ``IRREVERSIBLE``; a POST without
``confirmed=1`` answers with the confirmation page (the consequences) and writes nothing.
"""

import sqlalchemy as sa

from innocore.audit import AuditEvent
from innocore.confirm import PREVIEW_HEADER, irreversible_endpoints

# Every page action that cannot be undone. A new one is added here (and gets a case below).
IRREVERSIBLE = {
    "account_approvals.refuse",
    "accounts.revoke_token",
    "certification.revoke",
    "challenges.decide",
    "companies.revoke",
    "competences.retire",
    "facilities.remove_role",
    "instruments.cancel",
    "instruments.check_out",
    "instruments.decline_waitlist_offer",
    "instruments.end_early",
    "instruments.reject",
    "instruments.refuse_for_account",
    "instruments.revoke_feed",
    "instruments.revoke_kiosk_device",
    "instruments.withdraw_waitlist_entry",
    "mentoring.answer",
    "mentoring.end",
    "passport.revoke_link",
    "placements.decide",
    "recognition.decide",
    "recognition.remove_trusted",
    "recognition.withdraw",
    "requests.decide",
    "requests.reject",
    "requests.remove_expertise",
    "requests.withdraw",
    "series.cancel",
    "training.cancel_session",
    "training.decline",
    "training.withdraw",
}


def test_the_irreversible_page_actions_are_exactly_the_listed_ones(app):
    assert set(irreversible_endpoints(app)) == IRREVERSIBLE
    # No JSON API route asks: programs confirm by calling.
    api = {r.endpoint for r in app.url_map.iter_rules() if r.rule.startswith("/api/")}
    assert not api & IRREVERSIBLE


def _audit_count(db_session) -> int:
    return db_session.scalar(sa.select(sa.func.count(AuditEvent.id)))


def _cases(db_session, make_user, make_facility, make_competence, grant):
    """(endpoint, user, url, form, words on the page, check nothing changed) for the actions
    whose objects the kernel fixtures build in one step."""
    from innocore.accounts.tokens import ApiToken, create_token
    from innocore.competences.models import Competence
    from innocore.facilities.models import FacilityRole
    from instruments.feeds import create_feed
    from instruments.models import CalendarFeed, FeedKind
    from training.passport.models import PassportLink
    from training.passport.services import create_link

    user = make_user()
    token, _ = create_token(user, "Lab robot")
    feed, _ = create_feed(user, FeedKind.USER, user.id)
    link, _ = create_link(user, "For my new lab")
    facility = make_facility()
    manager, staff = make_user(), make_user()
    grant(manager, facility, "manager")
    role = grant(staff, facility, "staff")
    competence = make_competence(facility_id=facility.id)
    db_session.commit()
    get = db_session.get
    return [
        (
            "accounts.revoke_token",
            user,
            f"/profile/tokens/{token.id}/revoke",
            {},
            "“Lab robot”",
            lambda: get(ApiToken, token.id).revoked_at is None,
        ),
        (
            "instruments.revoke_feed",
            user,
            f"/instruments/feeds/{feed.id}/revoke",
            {},
            "stop receiving updates",
            lambda: get(CalendarFeed, feed.id).revoked_at is None,
        ),
        (
            "passport.revoke_link",
            user,
            f"/passport/links/{link.id}/revoke",
            {},
            "“For my new lab” stops working",
            lambda: get(PassportLink, link.id).revoked_at is None,
        ),
        (
            "facilities.remove_role",
            manager,
            f"/facilities/{facility.slug}/staff/{role.id}/remove",
            {},
            f"{staff.name} is no longer staff",
            lambda: get(FacilityRole, role.id) is not None,
        ),
        (
            "competences.retire",
            manager,
            f"/competences/{competence.id}/retire",
            {"retired": "1"},
            "no new certificate",
            lambda: not get(Competence, competence.id).retired,
        ),
    ]


def test_without_confirmed_each_action_only_asks(
    app, db_session, login_as, make_user, make_facility, make_competence, grant
):
    cases = _cases(db_session, make_user, make_facility, make_competence, grant)
    assert {c[0] for c in cases} <= IRREVERSIBLE
    for endpoint, user, url, form, words, unchanged in cases:
        client = login_as(user)
        before = _audit_count(db_session)
        page = client.post(url, data=form)
        text = page.get_data(as_text=True)
        assert page.status_code == 200, endpoint
        assert "This cannot be undone" in text and words in text, endpoint
        assert 'name="confirmed" value="1"' in text, endpoint
        for name, value in form.items():  # the confirm button carries the same fields back
            assert f'name="{name}" value="{value}"' in text, endpoint
        db_session.expire_all()
        assert unchanged() and _audit_count(db_session) == before, endpoint


def test_confirmed_acts_and_says_what_happened(db_session, login_as, make_user):
    from innocore.accounts.tokens import ApiToken, create_token

    user = make_user()
    token, _ = create_token(user, "Lab robot")
    db_session.commit()
    client = login_as(user)
    done = client.post(
        f"/profile/tokens/{token.id}/revoke", data={"confirmed": "1"}, follow_redirects=True
    )
    assert "Token “Lab robot” revoked: programs using it are refused" in done.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(ApiToken, token.id).revoked_at is not None


def test_the_dialog_probe_gets_the_summary_or_a_go_ahead(db_session, login_as, make_user):
    """confirm.js posts with X-Confirm-Preview: the summary when there is one, else 204 and
    nothing done (the browser then submits the form itself)."""
    from innocore.accounts.tokens import ApiToken, create_token, revoke_token

    user = make_user()
    token, _ = create_token(user, "Old one")
    revoke_token(user, token.id)
    live, _ = create_token(user, "Live one")
    db_session.commit()
    client = login_as(user)
    probe = {PREVIEW_HEADER: "1"}
    asked = client.post(f"/profile/tokens/{live.id}/revoke", headers=probe)
    assert asked.status_code == 200 and "“Live one”" in asked.get_data(as_text=True)
    already = client.post(f"/profile/tokens/{token.id}/revoke", headers=probe)
    assert already.status_code == 204
    db_session.expire_all()
    assert db_session.get(ApiToken, live.id).revoked_at is None
    page = client.get("/profile").get_data(as_text=True)
    assert "/profile/tokens/[^/]+/revoke" in page and "js/confirm.js" in page
