"""The permission matrix: every protected route x every role.

``world`` builds two facilities and a person for each role. A route row names the roles allowed;
everybody else must get a redirect to sign in (anonymous), 401 (API, anonymous), 403 or 404, and
nothing may answer 500. Feature packages add their own rows in their test folders.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = (
    "anonymous",
    "member",
    "company_admin",
    "trainer",
    "staff",
    "manager",
    "other_manager",
    "admin",
)
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
DENIED = {401, 403, 404}


@dataclass(frozen=True)
class Route:
    method: str
    url: str  # str.format template over the world's ids, e.g. "/facilities/{slug}/edit"
    allowed: frozenset[str]
    api: bool = False
    data: dict | None = None

    @property
    def id(self) -> str:
        return f"{self.method} {self.url}"


def _with_sign_in(organisation):
    """An organisation whose institutional sign-in is configured (the /sso routes need one)."""
    from innocore import clock
    from innocore.extensions import db
    from innocore.sso.models import SsoConnection, SsoProtocol

    now = clock.now()
    db.session.add(
        SsoConnection(
            organisation_id=organisation.id,
            protocol=SsoProtocol.OIDC,
            issuer="https://idp.example",
            client_id="matrix",
            created_at=now,
            updated_at=now,
        )
    )
    db.session.commit()  # a savepoint, as the factories do
    return organisation


def build_world(make_user, make_org, make_facility, grant, make_competence):
    from innocore.vocab import OrganisationKind, OrgRole

    facility, other = make_facility(slug="matrix-own"), make_facility(slug="matrix-other")
    company = _with_sign_in(make_org(kind=OrganisationKind.COMPANY))  # /sso routes need one
    people = {
        "member": make_user(),
        "company_admin": make_user(organisation=company, org_role=OrgRole.ADMIN),
        "trainer": make_user(),
        "staff": make_user(),
        "manager": make_user(),
        "other_manager": make_user(),
        "admin": make_user(is_network_admin=True),
    }
    grant(people["trainer"], facility, "trainer")
    staff_role = grant(people["staff"], facility, "staff")
    grant(people["manager"], facility, "manager")
    grant(people["other_manager"], other, "manager")
    competence = make_competence(facility_id=facility.id)
    ids = {
        "slug": facility.slug,
        "facility_id": facility.id,
        "other_slug": other.slug,
        "staff_role_id": staff_role.id,
        "competence_id": competence.id,
        "company_id": company.id,
    }
    return people, ids


def check(client, api_headers, people, ids, route: Route, role: str) -> None:
    url = route.url.format(**ids)
    headers = {}
    if role != "anonymous" and route.api:
        headers = api_headers(people[role])
    elif role != "anonymous":
        with client.session_transaction() as sess:
            sess["_user_id"] = people[role].get_id()
    kwargs = {"headers": headers}
    if route.method != "GET":
        kwargs["json" if route.api else "data"] = route.data or {}
    response = client.open(url, method=route.method, **kwargs)
    assert response.status_code < 500, f"{route.id} as {role}: {response.status_code}"
    if role in route.allowed:
        assert response.status_code not in DENIED, f"{route.id} as {role}: {response.status_code}"
    elif role == "anonymous" and not route.api:
        assert response.status_code == 302 and "/login" in response.headers["Location"], route.id
    else:
        assert response.status_code in DENIED, f"{route.id} as {role}: {response.status_code}"


def check_all(client, api_headers, people, ids, route: Route, roles=ROLES) -> None:
    """``check`` for every role, on one world: each role's request runs inside a savepoint of the
    test's connection that is rolled back afterwards, so no role sees another's writes. Building
    the world once per route instead of once per (route, role) makes the matrix ~5x faster."""
    from innocore.extensions import db

    session = db.session()
    credentials = {
        role: api_headers(people[role]) if route.api else people[role].get_id()
        for role in roles
        if role != "anonymous"
    }
    session.commit()  # the world and the tokens now belong to the test's outer transaction
    connection = session.get_bind()
    db.session.remove()
    for role in roles:
        savepoint = connection.begin_nested()
        try:
            _check_as(client, credentials.get(role), ids, route, role)
        finally:
            db.session.remove()
            if savepoint.is_active:
                savepoint.rollback()


def _check_as(client, credential, ids, route: Route, role: str) -> None:
    headers = {}
    with client.session_transaction() as sess:
        sess.clear()
        if role != "anonymous" and not route.api:
            sess["_user_id"] = credential
    if role != "anonymous" and route.api:
        headers = credential
    kwargs = {"headers": headers}
    if route.method != "GET":
        kwargs["json" if route.api else "data"] = _filled(route.data or {}, ids)
    response = client.open(route.url.format(**ids), method=route.method, **kwargs)
    _judge(response, route, role)


def _filled(data: dict, ids: dict) -> dict:
    """A body whose ``"{name}"`` values are the world's ids (kept as numbers)."""
    out = {}
    for key, value in data.items():
        if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
            value = ids[value[1:-1]]
        out[key] = value
    return out


def _judge(response, route: Route, role: str) -> None:
    assert response.status_code < 500, f"{route.id} as {role}: {response.status_code}"
    if role in route.allowed:
        assert response.status_code not in DENIED, f"{route.id} as {role}: {response.status_code}"
    elif role == "anonymous" and not route.api:
        assert response.status_code == 302 and "/login" in response.headers["Location"], route.id
    else:
        assert response.status_code in DENIED, f"{route.id} as {role}: {response.status_code}"
