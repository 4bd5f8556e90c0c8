"""The retirement endpoints: request, approve, decline, detach, release, and the queue, per role."""

import pytest
from rest_framework.test import APIClient

from accounts.models import AccountRetirement, ProjectAccount
from accounts.permissions import (
    APPROVE_DELETION,
    DETACH,
    RELEASE,
    REQUEST_DELETION,
    VIEW_RETIREMENTS,
)
from accounts.services import (
    deletion_approve,
    deletion_request,
    project_account_create,
    project_create,
    retirement_complete,
)
from replication.models import ReplicationRun
from tests.helpers import api_for

Lifecycle = ProjectAccount.Lifecycle
PERSONAS = ("alice", "bob", "charlie", "dave")


@pytest.fixture
def account(account_in_aws):
    """acme.web on aws-prod.eu, created in AWS (its first run over)."""
    return account_in_aws


def _url(account, action=""):
    return f"/api/v1/accounts/{account.pk}/{action}"


def _lifecycle(account) -> str:
    return ProjectAccount.objects.values_list("lifecycle", flat=True).get(pk=account.pk)


# Permissions: operators change, support and auditors read, nobody else anything.


def test_only_operators_hold_the_retirement_permissions(alice, bob, charlie, dave):
    for permission in (REQUEST_DELETION, APPROVE_DELETION, DETACH, RELEASE):
        assert alice.has_perm(permission), permission
        assert not bob.has_perm(permission) and not charlie.has_perm(permission), permission
        assert not dave.has_perm(permission), permission
    assert all(user.has_perm(VIEW_RETIREMENTS) for user in (alice, bob, charlie))
    assert not dave.has_perm(VIEW_RETIREMENTS)


WRITES = ("deletion/", "deletion/approve/", "deletion/decline/", "detach/", "release/")


@pytest.mark.parametrize("action", WRITES)
@pytest.mark.parametrize("persona", ["bob", "charlie", "dave"])
def test_support_auditors_and_others_change_nothing(request, account, alice, persona, action):
    deletion_request(account=account, comment="project closed", actor=alice)
    client = api_for(request.getfixturevalue(persona))
    response = client.post(_url(account, action), {"comment": "why not"}, format="json")
    assert response.status_code == 403, response.data
    assert _lifecycle(account) == Lifecycle.DELETION_REQUESTED
    assert AccountRetirement.objects.get().decision == AccountRetirement.Decision.PENDING


@pytest.mark.parametrize("action", WRITES)
def test_without_a_token_it_is_401_and_a_get_is_405(account, alice, action):
    assert APIClient().post(_url(account, action), {"comment": "x"}).status_code == 401
    for persona in (alice, None):
        response = api_for(persona).get(_url(account, action))
        assert response.status_code == (405 if persona else 401)


@pytest.mark.parametrize(
    ("persona", "status"), [("alice", 200), ("bob", 200), ("charlie", 200), ("dave", 403)]
)
def test_every_staff_role_reads_the_queue_and_the_account(request, account, alice, persona, status):
    deletion_request(account=account, comment="project closed", actor=alice)
    client = api_for(request.getfixturevalue(persona))
    assert client.get("/api/v1/retirements/").status_code == status
    assert client.get(_url(account)).status_code == status
    assert APIClient().get("/api/v1/retirements/").status_code == 401


# Request, approval, decline.


def test_a_request_answers_202_with_the_retirement_and_the_lifecycle(operator_api, account):
    response = operator_api.post(
        _url(account, "deletion/"), {"comment": "project closed"}, format="json"
    )
    assert response.status_code == 202, response.data
    body = response.data
    assert body["lifecycle"] == "deletion_requested" and body["decision"] == "pending"
    assert body["requested_by"] == "alice" and body["comment"] == "project closed"
    assert body["account"].endswith(_url(account)) and body["run"] is None
    assert (body["project"], body["platform"]) == ("acme.web", "aws-prod.eu")
    assert _lifecycle(account) == Lifecycle.DELETION_REQUESTED


BAD_BODIES = {
    "missing": ({}, "required"),
    "blank": ({"comment": "  "}, "required"),
    "too long": ({"comment": "x" * 256}, "255"),
    "not text": ({"comment": {"why": 1}}, "valid string"),
    "control characters": ({"comment": "a\x07b"}, "control characters"),
}


@pytest.mark.parametrize("case", list(BAD_BODIES))
@pytest.mark.parametrize("action", WRITES)
def test_a_bad_comment_is_a_400_naming_comment(operator_api, account, alice, olga, case, action):
    if action.startswith("deletion/") and action != "deletion/":
        deletion_request(account=account, comment="project closed", actor=olga)
    body, problem = BAD_BODIES[case]
    response = operator_api.post(_url(account, action), body, format="json")
    assert response.status_code == 400 and list(response.data) == ["comment"], response.data
    assert problem in str(response.data["comment"][0])


def test_the_requester_cannot_approve_their_own_request(operator_api, account):
    operator_api.post(_url(account, "deletion/"), {"comment": "project closed"}, format="json")
    response = operator_api.post(
        _url(account, "deletion/approve/"), {"comment": "ok"}, format="json"
    )
    # Four eyes is a rule of the request, as every lifecycle refusal: 400 naming `account`.
    assert response.status_code == 400 and "four eyes" in response.data["account"][0]
    assert _lifecycle(account) == Lifecycle.DELETION_REQUESTED


def test_a_second_operator_approves_and_a_run_retires_it(operator_api, account, olga):
    operator_api.post(_url(account, "deletion/"), {"comment": "project closed"}, format="json")
    response = api_for(olga).post(
        _url(account, "deletion/approve/"), {"comment": "checked"}, format="json"
    )
    assert response.status_code == 202, response.data
    body = response.data
    assert (body["lifecycle"], body["decision"], body["decided_by"]) == (
        "retiring",
        "approved",
        "olga",
    )
    run = account.runs.get(trigger=ReplicationRun.Trigger.DELETION_APPROVED)
    assert body["run"].endswith(f"/api/v1/runs/{run.pk}/")
    assert operator_api.get(body["run"]).data["trigger"] == "deletion_approved"


def test_a_decline_restores_the_account(operator_api, account, olga):
    operator_api.post(_url(account, "deletion/"), {"comment": "project closed"}, format="json")
    response = api_for(olga).post(
        _url(account, "deletion/decline/"), {"comment": "in use"}, format="json"
    )
    assert response.status_code == 200 and response.data["lifecycle"] == "active"
    detail = operator_api.get(_url(account)).data
    assert detail["lifecycle"] == "active"
    assert detail["retirement"]["decision"] == "declined"
    assert detail["retirement"]["decided_by"] == "olga"
    assert detail["retirement"]["decision_comment"] == "in use"


@pytest.mark.parametrize("action", ["deletion/approve/", "deletion/decline/", "release/"])
def test_an_action_the_lifecycle_does_not_allow_is_a_400_naming_account(
    operator_api, account, action
):
    response = operator_api.post(_url(account, action), {"comment": "why"}, format="json")
    assert response.status_code == 400 and list(response.data) == ["account"], response.data
    assert _lifecycle(account) == Lifecycle.ACTIVE


def test_a_second_request_is_a_400_naming_account(operator_api, account):
    operator_api.post(_url(account, "deletion/"), {"comment": "project closed"}, format="json")
    again = operator_api.post(_url(account, "deletion/"), {"comment": "again"}, format="json")
    assert again.status_code == 400 and "only an active account" in again.data["account"][0]


def test_an_unknown_account_is_a_404(operator_api, account):
    response = operator_api.post(f"/api/v1/accounts/{account.pk + 1}/deletion/", {"comment": "x"})
    assert response.status_code == 404


# The account shows its lifecycle and latest retirement.


def test_the_account_shows_its_lifecycle_and_pending_retirement(operator_api, account, olga):
    assert operator_api.get(_url(account)).data["retirement"] is None
    deletion_request(account=account, comment="project closed", actor=olga)
    listed = operator_api.get("/api/v1/accounts/").data["results"][0]
    assert listed["lifecycle"] == "deletion_requested"
    assert {key: listed["retirement"][key] for key in ("requested_by", "comment", "decision")} == {
        "requested_by": "olga", "comment": "project closed", "decision": "pending",
    }  # fmt: skip
    # Read-only: the account has no PATCH.
    assert operator_api.patch(_url(account), {"lifecycle": "deleted"}).status_code == 405


# Detach and release.


def test_detach_answers_the_account_no_longer_managed(operator_api, account):
    response = operator_api.post(
        _url(account, "detach/"), {"comment": "handed over"}, format="json"
    )
    assert response.status_code == 200, response.data
    assert response.data["lifecycle"] == "detached"
    assert response.data["deleted_at"] and response.data["released_at"]
    assert account.runs.count() == 1
    # Gone from the list of managed accounts, still readable by its id.
    assert operator_api.get("/api/v1/accounts/").data["count"] == 0
    assert operator_api.get(_url(account)).data["lifecycle"] == "detached"
    again = operator_api.post(_url(account, "detach/"), {"comment": "again"}, format="json")
    assert again.status_code == 400 and "account" in again.data


def test_release_frees_the_id_of_a_deleted_account(operator_api, account, alice, olga):
    deletion_request(account=account, comment="project closed", actor=olga)
    deletion_approve(account=account, comment="ok", actor=alice)
    early = operator_api.post(_url(account, "release/"), {"comment": "free it"}, format="json")
    assert early.status_code == 400 and "account" in early.data
    retirement_complete(account=account)
    response = operator_api.post(_url(account, "release/"), {"comment": "free it"}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["lifecycle"] == "deleted" and response.data["released_at"]
    assert response.data["aws_account_id"] == "111122223333"


# The queue.


@pytest.fixture
def queue(account, alice, olga, platform, acme):
    """acme.web's request pending (by alice), acme.shop's approved (olga asked, alice approved)."""
    shop = project_create(customer=acme, identifier="shop", actor=None)
    other = project_account_create(project=shop, platform=platform, actor=None)
    other.runs.update(status=ReplicationRun.Status.SUCCEEDED)
    deletion_request(account=account, comment="web closed", actor=alice)
    deletion_request(account=other, comment="shop closed", actor=olga)
    deletion_approve(account=other, comment="ok", actor=alice)
    return {"web": account, "shop": other}


def _listed(client, query=""):
    response = client.get(f"/api/v1/retirements/{query}")
    assert response.status_code == 200, response.data
    return [row["project"] for row in response.data["results"]]


def test_the_queue_filters_by_decision_platform_project_and_requester(operator_api, queue):
    assert _listed(operator_api) == ["acme.shop", "acme.web"]  # newest request first
    assert _listed(operator_api, "?decision=pending") == ["acme.web"]
    assert _listed(operator_api, "?decision=approved") == ["acme.shop"]
    assert _listed(operator_api, "?decision=declined") == []
    assert _listed(operator_api, "?platform=aws-prod.eu&project=acme.web") == ["acme.web"]
    assert _listed(operator_api, "?requested_by=olga") == ["acme.shop"]


def test_an_approved_row_links_its_run(operator_api, queue):
    row = operator_api.get("/api/v1/retirements/?decision=approved").data["results"][0]
    run = queue["shop"].runs.get(trigger=ReplicationRun.Trigger.DELETION_APPROVED)
    assert row["run"].endswith(f"/api/v1/runs/{run.pk}/") and row["lifecycle"] == "retiring"


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("?decision=maybe", "decision"),
        ("?platform=nowhere.eu", "platform"),
        ("?project=web", "project"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(operator_api, queue, query, parameter):
    response = operator_api.get(f"/api/v1/retirements/{query}")
    assert response.status_code == 400 and parameter in response.data


def test_the_queue_pages_with_a_cursor(operator_api, queue):
    first = operator_api.get("/api/v1/retirements/?page_size=1").data
    assert len(first["results"]) == 1 and first["next"] and "cursor=" in first["next"]
    second = operator_api.get(first["next"]).data
    assert [first["results"][0]["project"], second["results"][0]["project"]] == [
        "acme.shop", "acme.web",
    ]  # fmt: skip
    assert second["next"] is None


def test_the_schema_documents_the_actions_and_the_queue(alice):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    paths = schema["paths"]
    for action, code in (
        ("deletion", "202"), ("deletion/approve", "202"), ("deletion/decline", "200"),
        ("detach", "200"), ("release", "200"),
    ):  # fmt: skip
        operation = paths[f"/api/v1/accounts/{{id}}/{action}/"]["post"]
        assert code in operation["responses"], action
        body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert "/RetirementComment" in body, action
    listing = paths["/api/v1/retirements/"]["get"]
    assert {"decision", "platform", "project", "requested_by", "cursor"} <= {
        parameter["name"] for parameter in listing["parameters"]
    }
