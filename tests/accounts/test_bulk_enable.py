"""Enabling many projects on one platform at once: the service, its page and its API."""

import re

import pytest

from accounts.models import ProjectAccount
from accounts.services import (
    EnableRefused,
    customer_create,
    project_account_create,
    project_create,
    projects_enable,
)
from audit.models import AuditEvent
from platforms.services import platform_deprecate
from replication.models import ReplicationRun
from tests.helpers import api_for

API = "/api/v1/platforms/aws-prod.eu/enable-projects/"


@pytest.fixture
def three(acme):
    """Projects acme.a, acme.b and acme.c."""
    return [project_create(customer=acme, identifier=name, actor=None) for name in "abc"]


@pytest.fixture
def clash(acme, platform):
    """Project acme.x-y, whose alias (meshcloud-acme-x-y) acme-x.y has on the platform already."""
    taken = project_create(
        customer=customer_create(identifier="acme-x", actor=None), identifier="y", actor=None
    )
    project_account_create(project=taken, platform=platform, actor=None)
    return project_create(customer=acme, identifier="x-y", actor=None)


def _accounts(platform) -> set[str]:
    return {
        account.project.full_identifier
        for account in ProjectAccount.objects.filter(platform=platform).select_related(
            "project__customer"
        )
    }


# --- the service ------------------------------------------------------------------------------


def test_it_enables_every_project_chosen_each_audited_with_its_run(platform, three, alice):
    results = projects_enable(platform=platform, projects=three, actor=alice)
    assert [(r.project.identifier, r.outcome) for r in results] == [
        ("a", "enabled"), ("b", "enabled"), ("c", "enabled"),
    ]  # fmt: skip
    assert _accounts(platform) == {"acme.a", "acme.b", "acme.c"}
    assert AuditEvent.objects.filter(action="project_account.create", actor=alice).count() == 3
    whole = AuditEvent.objects.get(action="platform.enable_projects")
    assert whole.after == {
        "landing_zone": "default", "enabled": ["acme.a", "acme.b", "acme.c"],
        "already_enabled": [],
    }  # fmt: skip
    runs = ReplicationRun.objects.filter(account__platform=platform)
    assert sorted(runs.values_list("trigger", flat=True)) == ["account_created"] * 3


def test_it_enables_none_when_one_is_refused_and_says_why_for_that_one(platform, three, clash):
    before = _accounts(platform)
    with pytest.raises(EnableRefused) as refused:
        projects_enable(platform=platform, projects=[*three, clash], actor=None)
    outcomes = {r.project.full_identifier: r.outcome for r in refused.value.results}
    assert outcomes == {"acme.a": "enabled", "acme.b": "enabled", "acme.c": "enabled",
                        "acme.x-y": "refused"}  # fmt: skip
    assert "meshcloud-acme-x-y is used by another account" in refused.value.results[-1].error_text
    assert _accounts(platform) == before
    assert not AuditEvent.objects.filter(action="platform.enable_projects").exists()
    assert ReplicationRun.objects.filter(account__project__in=three).count() == 0


def test_it_reports_a_project_enabled_already_and_leaves_it_alone(platform, three):
    first = project_account_create(project=three[0], platform=platform, actor=None)
    results = projects_enable(platform=platform, projects=three, actor=None)
    assert [r.outcome for r in results] == ["already_enabled", "enabled", "enabled"]
    assert results[0].account == first
    assert AuditEvent.objects.get(action="platform.enable_projects").after["already_enabled"] == [
        "acme.a"
    ]
    again = projects_enable(platform=platform, projects=three, actor=None)
    assert {r.outcome for r in again} == {"already_enabled"}
    assert AuditEvent.objects.filter(action="platform.enable_projects").count() == 1


def test_it_puts_every_account_in_the_landing_zone_chosen(platform, three):
    projects_enable(platform=platform, projects=three, landing_zone="sandbox", actor=None)
    zones = ProjectAccount.objects.values_list("landing_zone__identifier", flat=True)
    assert set(zones) == {"sandbox"}


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"landing_zone": "nowhere"}, "landing_zone", "has no landing zone 'nowhere'"),
        ({"projects": []}, "projects", "choose at least one project"),
    ],
)
def test_it_refuses_the_whole_request_naming_the_field(platform, three, kwargs, field, words):
    with pytest.raises(EnableRefused) as refused:
        projects_enable(platform=platform, **{"projects": three, **kwargs}, actor=None)
    assert words in " ".join(refused.value.errors[field])
    assert not ProjectAccount.objects.exists()


def test_it_refuses_a_deprecated_platform_once_not_once_a_project(platform, three, alice):
    platform_deprecate(platform=platform, actor=alice, comment="closing")
    with pytest.raises(EnableRefused) as refused:
        projects_enable(platform=platform, projects=three, actor=None)
    assert list(refused.value.errors) == ["platform"] and refused.value.results == []
    assert "deprecated" in str(refused.value)


def test_a_dry_run_shows_the_names_and_writes_nothing(platform, three):
    events = AuditEvent.objects.count()
    results = projects_enable(platform=platform, projects=three, actor=None, dry_run=True)
    assert [r.account.alias for r in results] == [
        "meshcloud-acme-a", "meshcloud-acme-b", "meshcloud-acme-c",
    ]  # fmt: skip
    assert not ProjectAccount.objects.exists() and not ReplicationRun.objects.exists()
    assert AuditEvent.objects.count() == events


# --- the page ---------------------------------------------------------------------------------


def test_it_lists_the_projects_with_a_box_each_but_for_those_enabled(
    client, alice, platform, three
):
    project_account_create(project=three[0], platform=platform, actor=None)
    client.force_login(alice)
    page = client.get("/projects/enable/?platform=aws-prod.eu").content.decode()
    assert 'data-testid="bulk-choose-acme.a"' not in page
    assert 'data-testid="bulk-choose-acme.b"' in page and 'data-testid="bulk-choose-acme.c"' in page
    assert 'data-testid="bulk-landing-zone"' in page  # two zones: the operator chooses


def test_it_reviews_with_the_count_then_enables_on_confirmation(client, alice, platform, three):
    client.force_login(alice)
    chosen = {"platform": "aws-prod.eu", "landing_zone": "sandbox",
              "projects": [three[0].pk, three[2].pk]}  # fmt: skip
    review = client.post("/projects/enable/", chosen)
    assert review.status_code == 200
    page = review.content.decode()
    assert "Enable 2 projects on aws-prod.eu?" in page and "meshcloud-acme-c" in page
    assert not ProjectAccount.objects.exists()
    done = client.post("/projects/enable/", {**chosen, "confirm": "1"})
    assert done.status_code == 302 and done["Location"] == "/accounts/?platform=aws-prod.eu"
    assert _accounts(platform) == {"acme.a", "acme.c"}
    assert set(ProjectAccount.objects.values_list("landing_zone__identifier", flat=True)) == {
        "sandbox"
    }


def test_it_shows_the_refused_projects_error_beside_it_and_enables_none(
    client, alice, platform, three, clash
):
    client.force_login(alice)
    chosen = {"platform": "aws-prod.eu", "projects": [three[0].pk, clash.pk], "confirm": "1"}
    response = client.post("/projects/enable/", chosen)
    assert response.status_code == 400
    error = re.search(r'data-testid="bulk-error-acme.x-y">([^<]*)<', response.content.decode())
    assert "is used by another account" in error.group(1)
    assert 'data-testid="bulk-error-acme.a"' not in response.content.decode()
    assert _accounts(platform) == {"acme-x.y"}


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (
            {"platform": "nowhere.eu", "projects": ["1"]},
            "platform: no platform &#x27;nowhere.eu&#x27;",
        ),
        ({"platform": "aws-prod.eu"}, "projects: choose at least one project"),
        ({"platform": "aws-prod.eu", "projects": ["x"]}, "projects:"),
    ],
)
def test_it_answers_bad_input_with_400_naming_the_field(client, alice, platform, data, words):
    client.force_login(alice)
    response = client.post("/projects/enable/", data)
    assert response.status_code == 400 and words in response.content.decode()


def test_an_unknown_platform_in_the_address_is_a_400_naming_it(client, alice, platform):
    client.force_login(alice)
    response = client.get("/projects/enable/?platform=no\x00pe")
    assert response.status_code == 400 and "platform: no platform" in response.content.decode()


def test_it_narrows_the_projects_by_customer_and_search(client, alice, platform, three):
    client.force_login(alice)
    page = client.get("/projects/enable/?platform=aws-prod.eu&customer=acme&q=b").content.decode()
    assert 'data-testid="bulk-choose-acme.b"' in page
    assert 'data-testid="bulk-choose-acme.a"' not in page
    nul = client.get("/projects/enable/?platform=aws-prod.eu&q=a%00&customer=%00")
    assert nul.status_code == 200 and 'data-testid="bulk-choose-acme.a"' in nul.content.decode()


def test_the_platform_page_and_the_projects_list_lead_to_it(client, alice, platform):
    client.force_login(alice)
    platform_page = client.get("/platforms/eu/aws-prod/").content.decode()
    assert (
        'href="/projects/enable/?platform=aws-prod.eu" data-testid="bulk-enable"' in platform_page
    )
    assert (
        'href="/projects/enable/" data-testid="bulk-enable"'
        in client.get("/projects/").content.decode()
    )


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_only_operators_may_enable_many(client, request, platform, three, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/projects/enable/").status_code == 403
    data = {"platform": "aws-prod.eu", "projects": [three[0].pk], "confirm": "1"}
    assert client.post("/projects/enable/", data).status_code == 403
    assert 'data-testid="bulk-enable"' not in client.get("/platforms/eu/aws-prod/").content.decode()


# --- the API ----------------------------------------------------------------------------------


def test_the_api_enables_projects_and_lists_each_result(operator_api, platform, three):
    project_account_create(project=three[0], platform=platform, actor=None)
    response = operator_api.post(
        API, {"projects": ["acme.a", "acme.b", "acme.c"], "landing_zone": "sandbox"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["enabled"], body["already_enabled"]) == (2, 1)
    assert [(r["project"], r["result"]) for r in body["results"]] == [
        ("acme.a", "already_enabled"), ("acme.b", "enabled"), ("acme.c", "enabled"),
    ]  # fmt: skip
    account = ProjectAccount.objects.get(project=three[1])
    assert body["results"][1]["account"].endswith(f"/api/v1/accounts/{account.pk}/")
    assert body["results"][1]["alias"] == "meshcloud-acme-b"


def test_the_api_enables_none_when_one_is_refused(operator_api, platform, three, clash):
    response = operator_api.post(API, {"projects": ["acme.a", "acme.x-y"]}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["projects"] == ["1 of 2 projects refused; nothing was enabled"]
    refused = body["results"][1]
    assert (
        refused["result"] == "refused"
        and "used by another account" in refused["errors"]["alias"][0]
    )
    assert _accounts(platform) == {"acme-x.y"}


def test_the_api_dry_run_answers_200_and_writes_nothing(operator_api, platform, three):
    response = operator_api.post(API, {"projects": ["acme.a"], "dry_run": True}, format="json")
    assert response.status_code == 200 and response.json()["enabled"] == 1
    assert response.json()["results"][0]["account"] is None
    assert not ProjectAccount.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"projects": ["acme.nope"]}, "projects", "no project 'acme.nope'"),
        ({"projects": ["nodot"]}, "projects", "write it as customer.project"),
        ({"projects": []}, "projects", ""),
        ({"projects": ["acme.a"], "landing_zone": "nowhere"}, "landing_zone", "nowhere"),
    ],
)
def test_the_api_names_the_field_of_bad_input(operator_api, platform, three, body, field, words):
    response = operator_api.post(API, body, format="json")
    assert response.status_code == 400
    assert words in " ".join(response.json()[field])


def test_the_api_needs_a_token_and_an_operator(platform, three, bob):
    assert api_for(None).post(API, {"projects": ["acme.a"]}, format="json").status_code == 401
    assert api_for(bob).post(API, {"projects": ["acme.a"]}, format="json").status_code == 403
    assert not ProjectAccount.objects.exists()


def test_the_api_answers_404_for_an_unknown_platform(operator_api, platform, three):
    url = "/api/v1/platforms/nope.eu/enable-projects/"
    assert operator_api.post(url, {"projects": ["acme.a"]}, format="json").status_code == 404


def test_the_schema_documents_the_endpoint(operator_api):
    schema = operator_api.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/platforms/{platform}.{location}/enable-projects/"]["post"]
    assert {"200", "201", "400", "403", "404"} <= set(operation["responses"])
