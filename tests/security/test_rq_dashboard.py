"""The job dashboard (django-rq) is for Django staff only: no meshaws role opens it."""

import pytest

from .routes import example_urls

DASHBOARDS = ("django-rq/", "admin/django_rq/")


@pytest.fixture
def dashboard_urls(project_on_platform):
    urls = [url for _, url in example_urls(project_on_platform, DASHBOARDS)]
    assert "/django-rq/" in urls and "/admin/django_rq/dashboard/" in urls
    return urls


def test_it_sends_anonymous_visitors_to_sign_in(client, dashboard_urls):
    for url in dashboard_urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "login/?next=" in response["Location"], url


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie", "dave"])
def test_it_refuses_every_meshaws_role(client, request, persona, dashboard_urls):
    client.force_login(request.getfixturevalue(persona))
    for url in dashboard_urls:
        response = client.get(url)
        if "stats.json" in url:
            # The JSON statistics answer 401 unless staff or a configured API token.
            assert response.status_code == 401, url
        else:
            assert response.status_code == 302, (url, response.status_code)
            assert response["Location"].startswith("/admin/login/?next="), url


def test_it_opens_for_a_staff_superuser(client, admin_user):
    assert admin_user.is_staff and admin_user.is_superuser
    client.force_login(admin_user)
    for url in ("/django-rq/", "/admin/django_rq/dashboard/", "/django-rq/queues/0/"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert b"replication" in client.get("/django-rq/").content
    assert client.get("/django-rq/stats.json/").json()["queues"]
