"""The REST API: the contract's fields, errors by field, and who may do what."""

import json

import pytest
from rest_framework.test import APIClient

from accounts.models import Binding, ProjectAccount
from accounts.services import binding_create, project_account_create
from platforms.models import PlatformInstance
from tests.helpers import DATA, SECRETS, account_made_outside, api_for


def test_it_answers_401_without_a_token(db):
    response = APIClient().get("/api/v1/customers/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


def test_it_creates_and_reads_customers_projects_bindings_and_accounts(operator_api, platform):
    assert (
        operator_api.post(
            "/api/v1/customers/", {"identifier": "acme", "display_name": "ACME"}
        ).status_code
        == 201
    )
    created = operator_api.post(
        "/api/v1/projects/",
        {"customer": "acme", "identifier": "web", "tags": {"cost": "42"}},
        format="json",
    )
    assert created.status_code == 201, created.data
    assert created.data["url"].endswith("/api/v1/projects/acme.web/")
    assert created.data["tags"] == {"cost": "42"}
    binding = operator_api.post(
        "/api/v1/bindings/", {"project": "acme.web", "user": "dev@example.com", "role": "admin"}
    )
    assert binding.status_code == 201 and binding.data["role"] == "admin"
    account = operator_api.post(
        "/api/v1/accounts/", {"project": "acme.web", "platform": "aws-prod.eu"}
    )
    assert account.status_code == 201, account.data
    assert {
        k: account.data[k]
        for k in (
            "project",
            "platform",
            "landing_zone",
            "status",
            "status_label",
            "status_message",
            "next_attempt_at",
            "warnings",
            "differences",
            "email",
            "alias",
            "name",
        )
    } == {
        "project": "acme.web",
        "platform": "aws-prod.eu",
        "landing_zone": "default",
        "status": "queued",
        "status_label": "queued",
        "status_message": "waiting for a worker",
        "next_attempt_at": None,
        "warnings": 0,
        "differences": [],
        "email": "aws+acme.web@meshcloud.io",
        "alias": "meshcloud-acme-web",
        "name": "acme.web",
    }
    listed = operator_api.get(
        "/api/v1/accounts/", {"platform": "aws-prod.eu", "project": "acme.web"}
    )
    assert listed.data["count"] == 1 and listed.data["results"][0]["url"].startswith(
        "http://testserver/api/v1/accounts/"
    )
    assert operator_api.get("/api/v1/accounts/", {"project": "acme.other"}).data["count"] == 0
    assert (
        operator_api.get("/api/v1/bindings/", {"project": "acme.web", "role": "admin"}).data[
            "count"
        ]
        == 1
    )


@pytest.mark.parametrize(
    ("identifier", "words"),
    [("a" * 17, "16"), ("Bad_Id", "lowercase"), ("-a", "hyphen"), ("a--b", "hyphen")],
)
def test_it_refuses_bad_customer_identifiers_with_400(operator_api, identifier, words):
    response = operator_api.post("/api/v1/customers/", {"identifier": identifier})
    assert response.status_code == 400
    assert words in " ".join(response.data["identifier"]).lower()


def test_it_refuses_a_31_character_project_identifier(operator_api, acme):
    response = operator_api.post("/api/v1/projects/", {"customer": "acme", "identifier": "p" * 31})
    assert response.status_code == 400 and "30" in response.data["identifier"][0]


@pytest.mark.sandbox
def test_it_refuses_a_second_account_and_a_reused_id(
    operator_api, web, sandbox_state, sandbox_platform
):
    # Adopting checks the account in the platform's organization: one made there outside.
    taken = account_made_outside(sandbox_state.endpoint_url, "taken@example.com", "taken")
    first = operator_api.post(
        "/api/v1/accounts/",
        {"project": "acme.web", "platform": "aws.local", "aws_account_id": taken},
    )
    assert first.status_code == 201 and first.data["aws_account_id"] == taken
    again = operator_api.post("/api/v1/accounts/", {"project": "acme.web", "platform": "aws.local"})
    assert again.status_code == 400 and "already has an account" in again.data["platform"][0]
    operator_api.post("/api/v1/projects/", {"customer": "acme", "identifier": "other"})
    reused = operator_api.post(
        "/api/v1/accounts/",
        {"project": "acme.other", "platform": "aws.local", "aws_account_id": taken},
    )
    assert reused.status_code == 400 and "is managed by" in reused.data["aws_account_id"][0]


def test_it_names_unknown_references(operator_api, db):
    response = operator_api.post("/api/v1/accounts/", {"project": "nope.web", "platform": "x.y"})
    assert response.status_code == 400
    assert "no project 'nope.web'" in response.data["project"][0]
    assert "no platform 'x.y'" in response.data["platform"][0]


def test_platform_config_round_trips_with_secrets_write_only(
    operator_api, location, example_record
):
    response = operator_api.post(
        "/api/v1/platforms/",
        {"location": "eu", "display_name": "Prod", "config": example_record},
        format="json",
    )
    assert response.status_code == 201, response.data
    assert response.data["identifier"] == "aws-prod"
    body = json.dumps(response.data)
    for secret in SECRETS:
        assert secret not in body
    config = response.data["config"]
    assert config["meshfedServiceUser"]["accessKey"]["fingerprint"].startswith("hmac-sha256:")
    # A change that sends no secret anywhere new keeps them (tests/platforms/
    # test_secret_destinations.py: a new region or endpoint needs them typed again).
    config["tagPrefix"] = "mc_"
    updated = operator_api.patch(
        "/api/v1/platforms/aws-prod.eu/", {"config": config}, format="json"
    )
    assert updated.status_code == 200, updated.data
    assert PlatformInstance.objects.get().tag_prefix == "mc_"


def test_platform_config_errors_are_keyed_by_path(operator_api, location, example_record):
    example_record["roleMappings"][1]["mapValue"]["roleName"] = "bad name"
    example_record["meshfedServiceUser"]["accessKey"] = "env:DJANGO_SECRET_KEY"
    response = operator_api.post(
        "/api/v1/platforms/", {"location": "eu", "config": example_record}, format="json"
    )
    assert response.status_code == 400
    errors = response.data["config"]
    assert "roleMappings[1].mapValue.roleName" in errors
    assert "manage.py import_platform" in errors["meshfedServiceUser.accessKey"][0]


def test_deleting_a_platform_in_use_is_a_conflict(operator_api, web, platform):
    project_account_create(project=web, platform=platform, actor=None)
    response = operator_api.delete("/api/v1/platforms/aws-prod.eu/")
    assert response.status_code == 409 and "project account" in response.data["detail"]


def test_the_openapi_schema_validates_and_lists_every_endpoint(alice):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    paths = set(schema["paths"])
    for collection, detail in (
        ("locations", "{identifier}"), ("platforms", "{full_identifier}"), ("customers", "{identifier}"),
        ("projects", "{full_identifier}"), ("bindings", "{id}"), ("accounts", "{id}"), ("runs", "{id}"),
    ):  # fmt: skip
        assert f"/api/v1/{collection}/" in paths and f"/api/v1/{collection}/{detail}/" in paths
    assert "/api/v1/accounts/{id}/resync/" in paths
    assert api_for(alice).get("/api/schema/").status_code == 200


def test_the_docs_page_is_served_without_a_cdn(client, alice):
    client.force_login(alice)
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page and "cdn." not in page and "unpkg" not in page


# --- the permission matrix ------------------------------------------------------------------


@pytest.fixture
def world(web, platform, admin_role):
    """One object of every kind, so that every detail URL exists."""
    binding = binding_create(project=web, user="dev@example.com", role=admin_role, actor=None)
    account = project_account_create(project=web, platform=platform, actor=None)
    return {"binding": binding.pk, "account": account.pk, "run": account.runs.get().pk}


def _requests(world, example_record):
    """(method, url, body, status an operator gets) for every endpoint and method."""
    binding, account = world["binding"], world["account"]
    config = {**example_record, "platform": "aws-test"}
    return [
        ("get", "/api/v1/locations/", None, 200),
        ("post", "/api/v1/locations/", {"identifier": "us"}, 201),
        ("get", "/api/v1/locations/eu/", None, 200),
        ("get", "/api/v1/platforms/", None, 200),
        ("post", "/api/v1/platforms/", {"location": "eu", "config": config}, 201),
        ("get", "/api/v1/platforms/aws-prod.eu/", None, 200),
        ("patch", "/api/v1/platforms/aws-prod.eu/", {"display_name": "Prod"}, 200),
        ("put", "/api/v1/platforms/aws-test.eu/", {"location": "eu", "config": config}, 200),
        ("delete", "/api/v1/platforms/aws-test.eu/", None, 204),
        ("get", "/api/v1/customers/", None, 200),
        ("post", "/api/v1/customers/", {"identifier": "globex"}, 201),
        ("get", "/api/v1/customers/acme/", None, 200),
        ("patch", "/api/v1/customers/acme/", {"display_name": "ACME Corp"}, 200),
        ("put", "/api/v1/customers/acme/", {"identifier": "acme", "display_name": "ACME Inc"}, 200),
        ("get", "/api/v1/projects/", None, 200),
        ("post", "/api/v1/projects/", {"customer": "acme", "identifier": "api"}, 201),
        ("get", "/api/v1/projects/acme.web/", None, 200),
        ("patch", "/api/v1/projects/acme.web/", {"tags": {"a": "b"}}, 200),
        (
            "put",
            "/api/v1/projects/acme.web/",
            {"customer": "acme", "identifier": "web", "display_name": "W"},
            200,
        ),
        ("get", "/api/v1/bindings/", None, 200),
        (
            "post",
            "/api/v1/bindings/",
            {"project": "acme.web", "user": "ops@example.com", "role": "reader"},
            201,
        ),
        ("get", f"/api/v1/bindings/{binding}/", None, 200),
        ("patch", f"/api/v1/bindings/{binding}/", {"role": "user"}, 200),
        (
            "put",
            f"/api/v1/bindings/{binding}/",
            {"project": "acme.web", "user": "dev@example.com", "role": "reader"},
            200,
        ),
        ("delete", f"/api/v1/bindings/{binding}/", None, 204),
        ("get", "/api/v1/accounts/", None, 200),
        ("post", "/api/v1/accounts/", {"project": "acme.api", "platform": "aws-prod.eu"}, 201),
        ("get", f"/api/v1/accounts/{account}/", None, 200),
        ("delete", f"/api/v1/accounts/{account}/", None, 405),
        ("delete", "/api/v1/customers/acme/", None, 405),
        ("delete", "/api/v1/locations/eu/", None, 405),
        ("get", "/api/v1/runs/", None, 200),
        ("get", f"/api/v1/runs/{world['run']}/", None, 200),
        ("delete", f"/api/v1/runs/{world['run']}/", None, 405),  # history: no endpoint deletes
        ("post", f"/api/v1/runs/{world['run']}/", None, 405),
        ("get", f"/api/v1/accounts/{account}/resync/", None, 405),
        ("post", "/api/v1/entitlements/dev@example.com/", None, 405),
    ]


@pytest.mark.parametrize("persona", [None, "alice", "bob", "charlie"])
def test_the_permission_matrix(request, persona, world, example_record):
    user = request.getfixturevalue(persona) if persona else None
    client = api_for(user)
    for method, url, body, operator_status in _requests(world, example_record):
        response = getattr(client, method)(url, body, format="json")
        if persona is None:
            expected = 401
        elif persona == "alice" or operator_status == 405:
            # A method the endpoint lacks is 405 whatever the role, not a role-dependent 403.
            expected = operator_status
        elif method == "get":
            expected = 200
        else:
            expected = 403
        assert response.status_code == expected, (
            persona,
            method,
            url,
            response.status_code,
            getattr(response, "data", None),
        )
    if persona in ("bob", "charlie"):
        assert Binding.objects.count() == 1 and ProjectAccount.objects.count() == 1


def test_reading_needs_a_staff_role(dave, world):
    assert api_for(dave).get("/api/v1/customers/").status_code == 403


def test_the_page_record_posts_like_it_imports(operator_api, location):
    record = json.loads((DATA / "integration-page.json").read_text())
    response = operator_api.post(
        "/api/v1/platforms/", {"location": "eu", "config": record}, format="json"
    )
    assert response.status_code == 201
    exported = response.data["config"]
    assert {k: exported[k] for k in record if k != "meshfedServiceUser"} == {
        k: v for k, v in record.items() if k != "meshfedServiceUser"
    }


# --- runs and re-syncs ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"), [("alice", 202), ("bob", 202), ("charlie", 403), ("dave", 403)]
)
def test_a_resync_is_for_operators_and_support(request, persona, status, web, platform):
    account = project_account_create(project=web, platform=platform, actor=None)
    response = api_for(request.getfixturevalue(persona)).post(
        f"/api/v1/accounts/{account.pk}/resync/"
    )
    assert response.status_code == status
    if status == 202:
        # The account's first run is still pending: the re-sync joins it.
        assert response.data["created"] is False
        assert response.data["url"].endswith(f"/api/v1/runs/{account.runs.get().pk}/")
    assert APIClient().post(f"/api/v1/accounts/{account.pk}/resync/").status_code == 401


def test_runs_show_their_steps_and_the_account_links_them(operator_api, web, platform, bob):
    from django.utils import timezone

    from replication.models import ReplicationRun, ReplicationStep

    account = project_account_create(project=web, platform=platform, actor=None)
    run = account.runs.get()
    now = timezone.now()
    ReplicationStep.objects.create(
        run=run, attempt=1, position=1, name="validate", status="ok", started_at=now, finished_at=now,
        remark="3 names checked", aws_calls=[{"service": "sts", "operation": "AssumeRole", "request_id": "r-1", "error_code": "", "duration_ms": 4}],
    )  # fmt: skip
    ReplicationRun.objects.filter(pk=run.pk).update(status="failed", error="AccessDenied")
    again = api_for(bob).post(f"/api/v1/accounts/{account.pk}/resync/")
    assert again.status_code == 202 and again.data["created"] is True
    detail = operator_api.get(f"/api/v1/accounts/{account.pk}/").data
    assert detail["last_run"].endswith(f"/api/v1/runs/{again.data['id']}/")
    runs = operator_api.get(detail["runs"]).data
    assert len(runs["results"]) == 2
    first = operator_api.get(f"/api/v1/runs/{run.pk}/").data
    assert (
        first["status"] == "failed"
        and first["trigger"] == "account_created"
        and first["error"] == "AccessDenied"
    )
    assert first["steps"][0]["aws_calls"] == [
        {"service": "sts", "operation": "AssumeRole", "request_id": "r-1", "error_code": ""}
    ]
    assert operator_api.get(again.data["url"]).data["requested_by"] == "bob"
    assert len(operator_api.get("/api/v1/runs/", {"status": "pending"}).data["results"]) == 1
