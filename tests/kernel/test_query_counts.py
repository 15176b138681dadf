"""Every kernel list page and API list endpoint runs the same number of SQL queries at any size."""

from innocore import audit
from innocore.extensions import db
from innocore.notifications.services import queue_email
from innocore.vocab import FacilityRoleKind

HTML = ["/facilities/", "/competences/", "/audit/", "/notifications", "/dashboard", "/"]
API = [
    "/api/v1/facilities",
    "/api/v1/competences",
    "/api/v1/organisations",
    "/api/v1/audit",
    "/api/v1/me/notifications",
    "/api/v1/facilities/{fid}/roles",
]


def test_list_pages_do_not_grow_with_data(
    app,
    client,
    make_user,
    make_org,
    make_facility,
    grant,
    make_competence,
    api_headers,
    count_queries,
    db_session,
):
    admin = make_user(is_network_admin=True)
    home = make_facility()
    headers = api_headers(admin)

    def add_rows(n):
        for _ in range(n):
            facility = make_facility(institution=make_org())
            grant(make_user(), facility, "manager")
            make_competence(facility_id=facility.id)
            audit.record(
                admin, "facility.updated", facility, {"name": ["a", "b"]}, facility_id=facility.id
            )
            queue_email(
                admin,
                "Hello",
                "role_granted",
                kind="security",
                facility=facility,
                role=FacilityRoleKind.STAFF,
            )
            grant(make_user(), home, "staff")
        db_session.commit()

    def measure():
        counts = {}
        with client.session_transaction() as sess:
            sess["_user_id"] = admin.get_id()
        for url in HTML:
            with count_queries() as q:
                assert client.get(url).status_code in (200, 302), url
            counts[url] = q.count
        for url in API:
            url = url.format(fid=home.id)
            with count_queries() as q:
                assert client.get(url + "?per_page=100", headers=headers).status_code == 200, url
            counts[url] = q.count
        return counts

    add_rows(2)
    client.get("/api/v1/me", headers=headers)  # the token's first use writes last_used_at once
    small = measure()
    add_rows(12)
    large = measure()
    assert large == small
    assert db.session is not None
