"""The API's edges, as an OpenAPI fuzzer finds them: integers out of range, nulls the schema
must document, bodies over the limit, and methods an endpoint lacks."""

import json
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.test import Client
from django_filters import rest_framework as filters
from django_filters.utils import get_model_field
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from accounts.models import ProjectAccount
from accounts.services import binding_create, project_account_create
from meshaws_site.api import FilterBackend, bound_integer_filters
from meshaws_site.urls import api as router
from tests.helpers import api_for

TOO_BIG = 99999999999999999999  # beyond any 64-bit integer column
LIMIT = settings.DATA_UPLOAD_MAX_MEMORY_SIZE


@pytest.fixture
def account(web, platform):
    return project_account_create(project=web, platform=platform, actor=None)


# --- integers out of range: a 400 naming the parameter, never an overflow in the database ----


def _integer_filters():
    """(collection, parameter) of every number filter on an integer column, on every endpoint."""
    request = APIView().initialize_request(APIRequestFactory().get("/"))
    for prefix, viewset, _ in router.registry:
        view = viewset(request=request, format_kwarg=None, action="list")
        queryset = view.get_queryset()
        filterset_class = FilterBackend().get_filterset_class(view, queryset)
        if filterset_class is None:
            continue
        for name, filter_ in filterset_class.base_filters.items():
            field = get_model_field(queryset.model, filter_.field_name)
            while field is not None and field.is_relation:
                field = field.target_field
            if isinstance(filter_, filters.NumberFilter) and isinstance(field, models.IntegerField):
                yield prefix, name


def test_the_api_has_integer_filters_to_check():
    assert ("runs", "account") in set(_integer_filters())


@pytest.mark.parametrize(("collection", "parameter"), sorted(set(_integer_filters())))
@pytest.mark.parametrize("value", [TOO_BIG, -TOO_BIG, 2**63, "1.5"])
def test_it_refuses_an_integer_filter_out_of_range_with_400_naming_it(
    operator_api, account, collection, parameter, value
):
    response = operator_api.get(f"/api/v1/{collection}/", {parameter: value})
    assert response.status_code == 400, response.content
    assert list(response.json()) == [parameter]


def test_it_still_filters_runs_by_account(operator_api, account):
    assert len(operator_api.get("/api/v1/runs/", {"account": account.pk}).json()["results"]) == 1
    assert operator_api.get("/api/v1/runs/", {"account": account.pk + 1}).json()["results"] == []


# --- the run history pages by cursor ---------------------------------------------------------


def test_it_pages_runs_by_cursor_without_skipping_or_repeating_a_row(operator_api, account):
    from datetime import UTC, datetime, timedelta

    from replication.models import ReplicationRun

    account.runs.all().delete()
    day = datetime(2025, 3, 1, tzinfo=UTC)
    # Runs share timestamps by three, so a page ends inside a group: the id breaks the tie.
    ReplicationRun.objects.bulk_create(
        ReplicationRun(account=account, trigger="schedule", status="succeeded",
                       created_at=day + timedelta(minutes=number // 3))
        for number in range(10)
    )  # fmt: skip
    expected = [
        str(pk)
        for pk in ReplicationRun.objects.order_by("-created_at", "-id").values_list("pk", flat=True)
    ]
    first = operator_api.get("/api/v1/runs/", {"page_size": 4}).json()
    assert first["previous"] is None and "count" not in first
    seen = [run["id"] for run in first["results"]]
    # A run requested meanwhile goes on top: it shifts no page that follows.
    ReplicationRun.objects.create(account=account, trigger="resync", status="pending")
    following, pages = first["next"], []
    while following:
        pages.append(operator_api.get(following).json())
        seen += [run["id"] for run in pages[-1]["results"]]
        following = pages[-1]["next"]
    assert seen == expected
    back = operator_api.get(pages[0]["previous"]).json()
    assert [run["id"] for run in back["results"]] == expected[:4]


def test_the_schema_documents_the_run_cursor(operator_api):
    schema = operator_api.get("/api/schema/", {"format": "json"}).json()
    names = {p["name"] for p in schema["paths"]["/api/v1/runs/"]["get"]["parameters"]}
    assert {"cursor", "page_size"} <= names and "page" not in names
    page = schema["components"]["schemas"]["PaginatedReplicationRunList"]["properties"]
    assert {"next", "previous", "results"} == set(page)


def test_it_bounds_any_number_filter_on_an_integer_column(account):
    class ByNumber(filters.FilterSet):
        tenant_platform_number = filters.NumberFilter()
        name = filters.CharFilter()

        class Meta:
            model = ProjectAccount
            fields = ["tenant_platform_number", "name"]

    queryset = ProjectAccount.objects.all()
    for number, valid in (
        (TOO_BIG, False),
        (-TOO_BIG, False),
        (account.tenant_platform_number, True),
    ):
        filterset = ByNumber({"tenant_platform_number": str(number)}, queryset=queryset)
        bound_integer_filters(filterset)
        assert filterset.is_valid() is valid, filterset.errors
        assert valid or list(filterset.errors) == ["tenant_platform_number"]
    assert list(filterset.qs) == [account]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", f"/api/v1/accounts/{TOO_BIG}/"),
        ("post", f"/api/v1/accounts/{TOO_BIG}/resync/"),
        ("get", f"/api/v1/bindings/{TOO_BIG}/"),
        ("patch", f"/api/v1/bindings/{TOO_BIG}/"),
        ("delete", f"/api/v1/bindings/{TOO_BIG}/"),
        ("get", f"/api/v1/runs/{TOO_BIG}/"),
        ("get", f"/accounts/{TOO_BIG}/"),
    ],
)
def test_an_id_out_of_range_in_the_path_is_not_found(alice, account, method, url):
    client = Client()
    client.force_login(alice)
    assert getattr(client, method)(url).status_code == 404


# --- the schema documents every null a response may hold -------------------------------------


def test_a_run_of_the_system_that_has_not_started_matches_the_schema(operator_api, account):
    schema = operator_api.get("/api/schema/", {"format": "json"}).json()
    run = schema["components"]["schemas"]["ReplicationRun"]["properties"]
    assert all(run[name].get("nullable") for name in ("requested_by", "started", "finished"))
    body = operator_api.get("/api/v1/runs/").json()["results"][0]
    assert (body["requested_by"], body["started"], body["finished"]) == (None, None, None)


def _nullable(model, source: str) -> bool:
    """Whether the model attribute `source` (dotted through relations) can be null."""
    for part in source.split("."):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:  # a property (e.g. full_identifier): computed, not a column
            return False
        if not field.concrete:  # a reverse relation: a list, never null
            return False
        if field.null:
            return True
        model = field.related_model
    return False


def test_every_nullable_column_is_nullable_in_the_schema(operator_api):
    from rest_framework import serializers

    components = operator_api.get("/api/schema/", {"format": "json"}).json()["components"]
    pending = [viewset.serializer_class() for _, viewset, _ in router.registry]
    checked = 0
    while pending:
        serializer = pending.pop()
        model = serializer.Meta.model
        component = type(serializer).__name__.removesuffix("Serializer")
        properties = components["schemas"][component]["properties"]
        for name, field in serializer.fields.items():
            if isinstance(field, serializers.ListSerializer) and hasattr(field.child, "Meta"):
                pending.append(field.child)
            if field.source == "*" or isinstance(field, serializers.SerializerMethodField):
                continue
            if _nullable(model, field.source):
                checked += 1
                assert properties[name].get("nullable"), f"{component}.{name}"
    assert checked >= 5


# --- bodies over the limit -------------------------------------------------------------------


def _oversized(content_type: str) -> tuple[bytes | str, str]:
    text = "x" * (LIMIT + 1)
    if content_type == "json":
        return json.dumps({"identifier": "acme", "display_name": text}), "application/json"
    return f"identifier=acme&display_name={text}", "application/x-www-form-urlencoded"


@pytest.mark.parametrize("content_type", ["json", "form"])
@pytest.mark.parametrize("persona", ["alice", "bob", None])
def test_it_answers_an_api_body_over_the_limit_with_a_json_413_naming_it(
    request, content_type, persona
):
    client = api_for(request.getfixturevalue(persona)) if persona else APIClient()
    body, media_type = _oversized(content_type)
    response = client.post("/api/v1/customers/", body, content_type=media_type)
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    detail = response.json()["detail"]
    assert f"the limit is {LIMIT} bytes" in detail and "DATA_UPLOAD_MAX_MEMORY_SIZE" in detail


def test_it_takes_a_body_just_under_the_limit(operator_api):
    name = "x" * 90
    body = json.dumps({"identifier": "acme", "display_name": name}).ljust(LIMIT)
    response = operator_api.post("/api/v1/customers/", body, content_type="application/json")
    assert response.status_code == 201, response.content


def test_a_page_answers_a_body_over_the_limit_with_400_not_a_server_error(alice):
    client = Client()
    client.force_login(alice)
    body, media_type = _oversized("form")
    assert client.post("/customers/", body, content_type=media_type).status_code == 400


# --- a method the endpoint lacks is 405 for every role ----------------------------------------


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie"])
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("delete", "/api/v1/customers/acme/"),
        ("put", "/api/v1/runs/"),
        ("delete", "/api/v1/accounts/{account}/"),
        ("get", "/api/v1/accounts/{account}/resync/"),
        ("post", "/api/v1/entitlements/dev@example.com/"),
    ],
)
def test_a_method_the_endpoint_lacks_is_405_whatever_the_role(
    request, account, persona, method, url
):
    response = getattr(api_for(request.getfixturevalue(persona)), method)(
        url.format(account=account.pk)
    )
    assert response.status_code == 405, (persona, response.content)


def test_a_method_the_endpoint_lacks_is_still_401_without_a_token(account):
    assert APIClient().delete("/api/v1/customers/acme/").status_code == 401


def test_a_binding_is_still_not_deleted_by_support(bob, account, admin_role):
    binding = binding_create(
        project=account.project, user="dev@example.com", role=admin_role, actor=None
    )
    assert api_for(bob).delete(f"/api/v1/bindings/{binding.pk}/").status_code == 403


@pytest.mark.parametrize("content", ["multipart", "form"])
def test_a_form_body_with_a_nul_character_is_refused_naming_the_field(operator_api, web, content):
    # The schema fuzzer's find: a NUL in a multipart `role` reached a PostgreSQL lookup (500).
    data = {"project": "acme.web", "role": "adm\x00in", "user": "erin"}
    if content == "multipart":
        response = operator_api.post("/api/v1/bindings/", data, format="multipart")
    else:
        response = operator_api.post(
            "/api/v1/bindings/", urlencode(data), content_type="application/x-www-form-urlencoded"
        )
    assert response.status_code == 400
    assert "role: contains U+0000" in response.json()["detail"]
