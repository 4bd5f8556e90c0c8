"""Every list page uses a constant number of queries, whatever its size."""

import pytest

from accounts.models import Binding, Customer, Project, ProjectRole


def seed(rows: int, platform) -> None:
    customers = Customer.objects.bulk_create(
        Customer(identifier=f"c{n}", display_name="C") for n in range(rows)
    )
    projects = Project.objects.bulk_create(
        Project(customer=c, identifier="p", display_name="P") for c in customers
    )
    role = ProjectRole.objects.get(identifier="admin")
    Binding.objects.bulk_create(
        Binding(project=p, user="u@example.com", role=role) for p in projects
    )


@pytest.mark.parametrize("rows", [5, 500])
@pytest.mark.parametrize(
    "page", ["/customers/", "/projects/", "/platforms/", "/platforms/locations/", "/customers/c1/"]
)
def test_list_pages_use_a_constant_number_of_queries(
    client, charlie, platform, rows, page, django_assert_max_num_queries
):
    seed(rows, platform)
    client.force_login(charlie)
    with django_assert_max_num_queries(10):
        assert client.get(page).status_code == 200


@pytest.mark.parametrize(
    ("persona", "status"), [("alice", 200), ("bob", 200), ("charlie", 200), ("dave", 403)]
)
def test_batch_pages_are_for_staff(client, request, persona, status, acme, platform):
    from accounts.services import project_account_create, project_create
    from replication.services import resync_batch_create

    account = project_account_create(
        project=project_create(customer=acme, identifier="web", actor=None),
        platform=platform,
        actor=None,
    )
    batch = resync_batch_create(accounts=[account], description="one", actor=None)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(f"/batches/{batch.pk}/").status_code == status
    assert client.get(f"/batches/{batch.pk}/progress/").status_code == status


@pytest.mark.django_db
def test_the_account_page_stays_within_twelve_queries(
    client, charlie, web, platform, django_assert_max_num_queries
):
    """Its run, history, mapped roles, access table and left-behind list (issue 8's budget)."""
    from accounts.models import ProjectRole
    from accounts.services import binding_create, project_account_create

    account = project_account_create(project=web, platform=platform, actor=None)
    for user in ("dev@example.com", "ops@example.com"):
        role = ProjectRole.objects.get(identifier="admin")
        binding_create(project=web, user=user, role=role, actor=None)
    client.force_login(charlie)
    client.get(f"/accounts/{account.pk}/")  # the session and permissions are read once
    with django_assert_max_num_queries(12):
        response = client.get(f"/accounts/{account.pk}/")
    assert response.status_code == 200 and b"dev@example.com" in response.content
