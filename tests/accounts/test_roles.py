"""The three staff roles: their permissions and what each one sees."""

import pytest
from django.contrib.auth.models import Group

from accounts.permissions import RESYNC as RESYNC_PERMISSION
from accounts.roles import grant_role_permissions, staff_role

SECTIONS = ("/", "/platforms/", "/projects/", "/accounts/", "/runs/", "/audit/")


@pytest.mark.django_db
def test_it_creates_the_three_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= {"operators", "support", "auditors"}


def test_it_gives_operators_configuration_resync_and_export(alice):
    assert staff_role(alice) == "operator"
    assert alice.has_perm(RESYNC_PERMISSION)
    assert alice.has_perm("audit.export_auditevent")
    assert alice.has_perm("audit.view_auditevent")


def test_it_gives_support_resync_but_no_export(bob):
    assert staff_role(bob) == "support"
    assert bob.has_perm(RESYNC_PERMISSION)
    assert bob.has_perm("audit.view_auditevent")
    assert not bob.has_perm("audit.export_auditevent")


def test_it_gives_auditors_export_but_no_resync(charlie):
    assert staff_role(charlie) == "auditor"
    assert charlie.has_perm("audit.export_auditevent")
    assert not charlie.has_perm(RESYNC_PERMISSION)


@pytest.mark.django_db
def test_it_lets_no_role_change_the_history():
    for group in Group.objects.filter(name__in=["operators", "support", "auditors"]):
        codenames = set(group.permissions.values_list("codename", flat=True))
        assert not codenames & {"add_auditevent", "change_auditevent", "delete_auditevent"}


@pytest.mark.django_db
def test_it_grants_the_same_permissions_when_run_again():
    operators = Group.objects.get(name="operators")
    before = set(operators.permissions.values_list("pk", flat=True))
    grant_role_permissions()
    assert set(operators.permissions.values_list("pk", flat=True)) == before
    assert before


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie"])
@pytest.mark.parametrize("page", SECTIONS)
def test_it_shows_every_section_to_staff(client, request, persona, page):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(page).status_code == 200


@pytest.mark.parametrize("page", SECTIONS)
def test_it_refuses_the_sections_to_users_without_a_role(client, dave, page):
    client.force_login(dave)
    assert client.get(page).status_code == 403


@pytest.mark.parametrize(
    ("persona", "role"), [("alice", "operator"), ("bob", "support"), ("charlie", "auditor")]
)
def test_it_shows_who_is_signed_in_and_their_role(client, request, persona, role):
    client.force_login(request.getfixturevalue(persona))
    page = client.get("/").content.decode()
    assert f'data-testid="username">{persona}<' in page
    assert f'data-testid="role">{role}<' in page


@pytest.mark.parametrize(("persona", "status"), [("alice", 200), ("bob", 403), ("charlie", 200)])
def test_it_exports_the_audit_log_only_for_those_allowed(client, request, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/audit/export.csv").status_code == status
    shows_button = 'data-testid="export"' in client.get("/audit/").content.decode()
    assert shows_button == (status == 200)


def test_it_keeps_the_job_dashboard_for_django_staff(client, alice):
    client.force_login(alice)
    response = client.get("/django-rq/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
