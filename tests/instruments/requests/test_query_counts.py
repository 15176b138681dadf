"""The request inbox runs a constant number of queries, whatever the number of requests."""

from datetime import timedelta

from innocore import clock
from innocore.vocab import UserCategory
from instruments.requests.models import RequestStatus, ServiceRequest


def add_requests(db_session, world, n, start=0):
    now = clock.now()
    users = [world["a_sci"], world["academic"], world["b_admin"]]
    db_session.add_all(
        ServiceRequest(
            facility_id=world["x"].id,
            service_id=world["service"].id if i % 2 else None,
            requester_id=users[i % 3].id,
            organisation_id=users[i % 3].organisation_id,
            category=UserCategory.INDUSTRY,
            title=f"Request {start + i}",
            description="x",
            status=list(RequestStatus)[i % 5],
            submitted_at=now - timedelta(hours=i),
            status_changed_at=now,
            updated_at=now,
        )
        for i in range(n)
    )
    db_session.commit()


def test_inbox_and_company_lists_run_a_constant_number_of_queries(
    client, login_as, world, db_session, count_queries
):
    add_requests(db_session, world, 6)
    counts = {}
    for who, url in (
        ("x_staff", "/requests/inbox?status=open"),
        ("a_admin", "/requests/company"),
        ("a_sci", "/requests/mine"),
    ):
        login_as(world[who])
        db_session.expire_all()
        with count_queries() as q:
            assert client.get(url).status_code == 200
        counts[url] = q.count
    add_requests(db_session, world, 300, start=100)
    for who, url in (
        ("x_staff", "/requests/inbox?status=open"),
        ("a_admin", "/requests/company"),
        ("a_sci", "/requests/mine"),
    ):
        login_as(world[who])
        db_session.expire_all()
        with count_queries() as q:
            response = client.get(url)
        assert response.status_code == 200 and b"Page 1 of" in response.data
        assert q.count == counts[url], url


def test_api_inbox_is_paginated_and_constant(client, api_headers, world, db_session, count_queries):
    headers = api_headers(world["x_staff"])
    add_requests(db_session, world, 2)
    client.get("/api/v1/requests?scope=inbox", headers=headers)  # the token's first use
    db_session.expire_all()
    with count_queries() as small:
        client.get("/api/v1/requests?scope=inbox", headers=headers)
    add_requests(db_session, world, 250, start=10)
    db_session.expire_all()
    with count_queries() as large:
        body = client.get("/api/v1/requests?scope=inbox&per_page=100", headers=headers).json
    assert body["total"] == 252 and len(body["items"]) == 100 and body["next"]
    assert large.count == small.count
