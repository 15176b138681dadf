def test_home_page_lists_facilities(client, make_facility):
    make_facility(name="Imaging Core")
    response = client.get("/")
    assert response.status_code == 200
    assert b"Imaging Core" in response.data


def test_dashboard_requires_sign_in(client):
    response = client.get("/dashboard")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_signed_in_user_sees_dashboard(login_as, make_user):
    user = make_user(name="Paula Student")
    response = login_as(user).get("/dashboard")
    assert response.status_code == 200
    assert b"Hello, Paula Student" in response.data
