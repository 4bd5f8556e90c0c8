"""One rule for step details: the pages and the API show a step's detail and AWS calls to the
same roles (operators and auditors), and only its remark to support staff."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import sees_step_detail
from accounts.services import project_account_create
from replication.models import ReplicationRun, ReplicationStep
from tests.helpers import api_for

DETAIL = "compared 2 tags: cost changed"
REQUEST_ID = "req-7f3c9e"


@pytest.fixture
def run(web, platform):
    """The first run of acme.web on aws-prod.eu, with one step that made one AWS call."""
    account = project_account_create(project=web, platform=platform, actor=None)
    run = account.runs.get()
    now = timezone.now()
    ReplicationStep.objects.create(
        run=run, attempt=1, position=5, name="tags", status="changed", started_at=now,
        finished_at=now, remark="1 tag changed", detail=DETAIL,
        aws_calls=[{"service": "organizations", "operation": "TagResource",
                    "request_id": REQUEST_ID, "error_code": "", "duration_ms": 12}],
    )  # fmt: skip
    ReplicationRun.objects.filter(pk=run.pk).update(attempt=1, status="failed", error="denied")
    return run


def _page(user, run) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("project-account-detail", args=[run.account_id]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(("persona", "sees"), [("alice", True), ("bob", False), ("charlie", True)])
def test_it_shows_step_details_to_the_same_roles_on_the_page_and_in_the_api(
    request, run, persona, sees
):
    user = request.getfixturevalue(persona)
    assert sees_step_detail(user) is sees

    page = _page(user, run)
    assert "1 tag changed" in page
    assert (DETAIL in page, REQUEST_ID in page) == (sees, sees)

    api = api_for(user)
    for step in (
        api.get(f"/api/v1/runs/{run.pk}/").json()["steps"][0],
        api.get("/api/v1/runs/", {"account": run.account_id}).json()["results"][0]["steps"][0],
    ):
        assert step["remark"] == "1 tag changed"
        assert ("detail" in step, "aws_calls" in step) == (sees, sees)
        if sees:
            assert step["detail"] == DETAIL
            assert step["aws_calls"][0]["request_id"] == REQUEST_ID


def test_superusers_see_step_details_and_users_without_a_role_do_not(django_user_model, dave):
    root = django_user_model.objects.create_superuser("root", password="x")  # noqa: S106
    assert sees_step_detail(root) is True
    assert sees_step_detail(dave) is False
