"""Everything a person does in the pages can be done through /api/v1 (the README's promise).

Every state-changing HTML route (POST, PUT, PATCH, DELETE outside the API blueprints) either maps
to a declared API operation here, or is browser-only for a stated reason. A new form without an
API twin fails this test until it gets one.
"""

from __future__ import annotations

from innocore.api.core import API_PREFIX, OPERATIONS

WRITES = {"POST", "PUT", "PATCH", "DELETE"}

# HTML endpoint -> the API operation (endpoint) that does the same through the same service.
PARITY = {
    # kernel: account, notifications, facilities, competences, company staff
    "accounts.profile": "api.update_me",
    "accounts.create_token": "api.create_my_token",
    "accounts.revoke_token": "api.revoke_my_token",
    "accounts.kiosk_pin": "api.set_my_kiosk_pin",
    "core.mark_notifications_read": "api.read_notification",
    "sso.configure": "sso_api.put_sso",
    "core.notification_preferences": "api.set_my_notification_preferences",
    "facilities.create": "facilities_api.create_facility",
    "facilities.edit": "facilities_api.update_facility",
    "facilities.staff": "facilities_api.appoint",
    "facilities.remove_role": "facilities_api.remove_role",
    "competences.create": "competences_api.create_competence",
    "competences.edit": "competences_api.update_competence",
    "competences.retire": "competences_api.retire_competence",
    "companies.invite": "companies_api.invite",
    "companies.revoke": "companies_api.revoke_invitation",
    "companies.role": "companies_api.set_role",
    "membership.change_organisation": "membership_api.change_my_organisation",
    "membership.add_domain": "membership_api.add_domain",
    "membership.remove_domain": "membership_api.remove_domain",
    "membership.decide": "membership_api.decide",
    "groups.create": "groups_api.create_group",
    "groups.join": "groups_api.join_group",
    "groups.decide": "groups_api.decide_group_member",
    "groups.add_account": "groups_api.create_account",
    "account_statement.create_company_account": "groups_api.create_account",
    "account_approvals.approve": "approvals_api.approve_charge",
    "account_approvals.refuse": "approvals_api.refuse_charge",
    # instruments: catalog, bookings, problems, feeds, settings
    "instruments.create": "instruments_manage_api.create_instrument",
    "instruments.edit": "instruments_manage_api.update_instrument",
    "instruments.book": "instruments_api.create_booking",
    "instruments.downtime": "instruments_api.create_downtime",
    "instruments.report": "instruments_manage_api.report_problem",
    "instruments.resolve": "instruments_manage_api.resolve_problem",
    "instruments.approve": "instruments_api.approve",
    "instruments.reject": "instruments_api.reject",
    "instruments.cancel": "instruments_api.cancel_booking",
    "instruments.move": "instruments_api.move_booking",
    "instruments.no_show": "instruments_api.no_show",
    "instruments.end_early": "instruments_api.end_early",
    "instruments.check_in": "usage_api.check_in",
    "instruments.check_out": "usage_api.check_out",
    "instruments.kiosk_devices": "kiosk_api.create_kiosk_device",
    "instruments.revoke_kiosk_device": "kiosk_api.revoke_kiosk_device",
    "instruments.log_use": "usage_api.log_use",
    "instruments.usage_settings": "usage_api.set_usage_settings",
    "instruments.join_waitlist": "waitlist_api.join_waitlist",
    "instruments.approve_for_account": "account_approvals_api.approve_for_account",
    "instruments.refuse_for_account": "account_approvals_api.refuse_for_account",
    "instruments.accept_waitlist_offer": "waitlist_api.accept_offer",
    "instruments.decline_waitlist_offer": "waitlist_api.decline_offer",
    "instruments.withdraw_waitlist_entry": "waitlist_api.withdraw_entry",
    "mobility.set_rate": "mobility_api.set_mobility",
    "series.new": "series_api.create_series",
    "series.cancel": "series_api.cancel_series",
    "series.approve": "series_api.approve_series",
    "instruments.my_feeds": "instruments_manage_api.create_my_feed",
    "instruments.revoke_feed": "instruments_manage_api.revoke_my_feed",
    "instruments.reminder_settings": "instruments_manage_api.set_reminders",
    "charges.policy": "charges_api.set_policy",
    "instruments.facility_documents": "documents_api.publish_document",
    "instruments.new_document_version": "documents_api.publish_version",
    "instruments.accept_document": "documents_api.accept_document",
    # service requests
    "requests.new": "requests_api.create_request",
    "requests.attach": "requests_api.attach",
    "requests.book": "requests_api.book_for_request",
    "requests.message": "requests_api.post_message",
    "requests.deliverable": "requests_api.add_deliverable",
    "requests.quote_editor": "requests_api.create_quote",
    "requests.decide": "requests_api.decide_quote",
    "requests.start": "requests_api.transition",
    "requests.deliver": "requests_api.transition",
    "requests.close": "requests_api.transition",
    "requests.reject": "requests_api.transition",
    "requests.withdraw": "requests_api.transition",
    "requests.create_service": "requests_api.create_service",
    "requests.edit_service": "requests_api.update_service",
    "requests.add_expertise": "requests_api.add_expertise",
    "requests.remove_expertise": "requests_api.remove_expertise",
    # training
    "training.new_module": "training_api.create_module",
    "training.edit_module": "training_manage_api.update_module",
    "training.add_material": "training_manage_api.add_material",
    "training.new_session": "training_api.create_session",
    "training.edit_session": "training_manage_api.update_session",
    "training.cancel_session": "training_manage_api.cancel_session",
    "training.facility_training": "training_manage_api.set_settings",
    "training.enrol": "training_api.enrol",
    "training_company.enrol_employee": "training_api.enrol",
    "training.accept": "training_api.accept_offer",
    "training.decline": "training_api.decline_offer",
    "training.withdraw": "training_api.withdraw",
    "training.attendance": "training_api.attendance",
    "training.assessment": "training_api.record_assessment",
    "training.my_feed": "training_manage_api.create_my_training_feed",
    "training.revoke_my_feed": "training_manage_api.revoke_my_training_feed",
    # mobility: passport, recognition between facilities, credentials in
    "passport.create_link": "passport_api.create_link",
    "passport.revoke_link": "passport_api.revoke_link",
    "recognition.ask": "recognition_api.ask",
    "recognition.import_credential": "recognition_api.import_credential",
    "recognition.declare": "recognition_api.declare",
    "recognition.withdraw": "recognition_api.withdraw",
    "recognition.decide": "recognition_api.decide",
    "recognition.add_trusted": "recognition_api.add_trusted",
    "recognition.remove_trusted": "recognition_api.remove_trusted",
    # industry challenges
    "challenges.new": "challenges_api.post_challenge",
    "challenges.edit": "challenges_api.revise_challenge",
    "challenges.review": "challenges_api.review",
    "challenges.nda": "challenges_api.accept_nda",
    "challenges.apply": "challenges_api.apply",
    "challenges.decide": "challenges_api.decide",
    "challenges.milestone": "challenges_api.add_milestone",
    "challenges.milestone_done": "challenges_api.milestone_done",
    "challenges.message": "challenges_api.post_message",
    "challenges.files": "challenges_api.add_files",
    "challenges.link_booking": "challenges_api.link_booking",
    "challenges.feedback": "challenges_api.feedback",
    "challenges.outcome": "challenges_api.outcome",
    # placements
    "placements.new": "placements_api.offer",
    "placements.apply": "placements_api.apply",
    "placements.decide": "placements_api.decide",
    "placements.sign": "placements_api.sign",
    "placements.checkin": "placements_api.checkin",
    "placements.complete": "placements_api.complete",
    # mentoring
    "mentoring.profile": "mentoring_api.save_profile",
    "mentoring.ask": "mentoring_api.ask",
    "mentoring.answer": "mentoring_api.answer",
    "mentoring.meeting": "mentoring_api.meeting",
    "mentoring.goal": "mentoring_api.goal",
    "mentoring.goal_done": "mentoring_api.goal_done",
    "mentoring.consent": "mentoring_api.consent",
    "mentoring.end": "mentoring_api.end",
    # career pathways
    "pathways.new": "pathways_api.create_profile",
    "pathways.edit": "pathways_api.update_profile",
    "pathways.opt_in": "pathways_api.opt_in",
    "pathways.contact": "pathways_api.contact",
    # certificates and paths
    "credentials.check_credential": "credentials_api.verify",
    "certification.issue": "certification_api.issue",
    "certification.issue_from_assessment": "certification_api.issue",
    "certification.renew": "certification_api.renew",
    "certification.suspend": "certification_api.suspend",
    "certification.reinstate": "certification_api.reinstate",
    "certification.revoke": "certification_api.revoke",
    "certification.sharing": "certification_api.sharing",
    "paths.new": "paths_api.create_path",
    "paths.edit": "paths_api.update_path",
    "paths.confirm": "paths_api.confirm_award",
}

# Routes that belong to the browser by their nature; each with its reason.
BROWSER_ONLY = {
    "sso.saml_acs": "the institution's identity provider posts its signed assertion here through "
    "the person's browser (SAML HTTP-POST binding); it starts a browser session",
    "accounts.login": "signing in with a password is how a browser gets a session; "
    "API callers hold a token instead",
    "accounts.logout": "ends the browser session (CSRF-protected); a token is revoked "
    "with DELETE /me/tokens/{id}",
    "accounts.register": "creating an account needs a person at a browser (throttled, "
    "e-mail verification); there is no token before the account exists",
    "accounts.forgot_password": "someone who lost their password holds no token; "
    "the reset link goes to their mailbox",
    "accounts.reset_password": "follows the one-time link from the reset e-mail",
    "accounts.change_password": "a password guards the browser sign-in; a stolen token must "
    "not be able to take over the account",
    "accounts.resend_verification": "part of the browser sign-up flow before any token exists",
    "instruments.device_check_in": "a kiosk tablet's browser, opened by its device link (a cookie, "
    "no account), where the person types their kiosk PIN; people with a token check in through "
    "POST /bookings/{id}/check-in",
    "instruments.device_check_out": "as instruments.device_check_in: the kiosk tablet's browser",
    "companies.join": "accepting an invitation follows the one-time link from the e-mail "
    "and may create the account",
}


def _state_changing_html_routes(app) -> dict[str, set[str]]:
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) & WRITES
        if methods and not rule.rule.startswith(API_PREFIX):
            routes.setdefault(rule.endpoint, set()).update(methods)
    return routes


def test_every_state_changing_page_has_an_api_operation(app):
    routes = _state_changing_html_routes(app)
    missing = sorted(set(routes) - set(PARITY) - set(BROWSER_ONLY))
    assert not missing, f"pages without an API operation (add one, or a reason): {missing}"
    mounted = {rule.endpoint for rule in app.url_map.iter_rules()}
    dangling = {
        page: op for page, op in PARITY.items() if op not in OPERATIONS or op not in mounted
    }
    assert not dangling, f"mapped to operations that do not exist: {dangling}"


def test_the_tables_name_only_real_pages(app):
    routes = _state_changing_html_routes(app)
    stale = sorted((set(PARITY) | set(BROWSER_ONLY)) - set(routes))
    assert not stale, f"no such state-changing page any more: {stale}"
    assert not set(PARITY) & set(BROWSER_ONLY)
    assert all(len(reason) > 20 for reason in BROWSER_ONLY.values())


def test_every_parity_operation_is_in_the_openapi_document(app, client):
    document = client.get("/api/v1/openapi.json").json
    summaries = {op["summary"] for path in document["paths"].values() for op in path.values()}
    for endpoint in set(PARITY.values()):
        assert OPERATIONS[endpoint].summary in summaries, endpoint
