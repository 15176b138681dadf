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


def build_world(make_user, make_org, make_facility, grant, make_competence):
    from innocore.vocab import OrganisationKind, OrgRole

    facility, other = make_facility(slug="matrix-own"), make_facility(slug="matrix-other")
    company = make_org(kind=OrganisationKind.COMPANY)
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
