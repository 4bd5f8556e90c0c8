"""Adoption of existing AWS accounts: ticked on the Unmanaged accounts page, or by the API;
checked in AWS first (in the organization, ACTIVE), all or none (CSV files:
test_adoption_csv.py)."""

import pytest

import aws
from accounts.models import ProjectAccount
from audit.models import AuditEvent
from platforms.config_io import parse_record
from platforms.services import platform_apply
from replication import adoption
from replication.discovery import discovery_run
from replication.models import UnmanagedAccount
from tests.helpers import (
    EXAMPLE_VALUES,
    adoptable_account,
    allows,
    api_for,
    closed_account,
    csv_upload,
    guide_policies,
    management,
    nothing_adopted,
    platform_url,
    run_to_end,
    sandbox_record,
)

PERSONAS = ["alice", "bob", "charlie", "dave"]
READERS = {"alice", "bob", "charlie"}


# --- the page: ticked accounts ------------------------------------------------------------


@pytest.mark.sandbox
def test_discovered_accounts_adopted_on_the_page_become_ready(
    client, alice, sandbox_state, sandbox_platform, project, shop
):
    web_id, shop_id = (
        adoptable_account(sandbox_state, "legacy-web"),
        adoptable_account(sandbox_state, "legacy-shop"),
    )
    discovery_run(platform=sandbox_platform, actor=None)
    page = platform_url("platform-unmanaged-accounts", sandbox_platform)
    client.force_login(alice)
    assert f'data-testid="adopt-{web_id}"'.encode() in client.get(page).content

    response = client.post(
        platform_url("platform-adopt-selected", sandbox_platform),
        {"account": [web_id, shop_id], f"project-{web_id}": "acme.web", "project": "acme.shop"},
    )

    assert response.status_code == 302 and response["Location"] == page
    adopted = {a.aws_account_id: a for a in ProjectAccount.objects.select_related("project")}
    assert {i: a.project.full_identifier for i, a in adopted.items()} == {
        web_id: "acme.web", shop_id: "acme.shop",
    }  # fmt: skip
    for account in adopted.values():
        assert run_to_end(account.runs.get().pk)[0] == "succeeded"
        account.refresh_from_db()
        assert account.status == ProjectAccount.Status.READY
    listed = set(UnmanagedAccount.objects.values_list("aws_account_id", flat=True))
    assert not {web_id, shop_id} & listed
    event = AuditEvent.objects.get(action="platform.adopt")
    assert (event.actor_name, event.after["source"]) == ("alice", "page")
    assert sorted(event.after["accounts"]) == sorted([web_id, shop_id])
    assert AuditEvent.objects.filter(action="project_account.create").count() == 2


@pytest.mark.sandbox
def test_one_refused_account_adopts_none_and_says_why_for_each(
    client, alice, sandbox_state, sandbox_platform, project, shop
):
    good = adoptable_account(sandbox_state, "good")
    closed, state = closed_account(sandbox_state, "closed")
    discovery_run(platform=sandbox_platform, actor=None)
    client.force_login(alice)

    response = client.post(
        platform_url("platform-adopt-selected", sandbox_platform),
        {"account": [good, closed, "999999999999"], f"project-{good}": "acme.web",
         f"project-{closed}": "acme.shop", "project-999999999999": "acme.shop"},
    )  # fmt: skip

    assert response.status_code == 400
    content = response.content.decode()
    assert state != "ACTIVE"
    assert f"AWS account {closed} is {state}, only ACTIVE accounts can be adopted" in content
    assert f'data-testid="adopt-error-{closed}"' in content
    assert "AWS account 999999999999 is not in the organization of platform aws.local" in content
    # What the operator entered is kept for the next try.
    assert f'value="{good}" form="adopt-form" aria-label="Adopt {good}" checked' in content
    nothing_adopted()


@pytest.mark.sandbox
def test_a_service_refusal_adopts_none_either(
    client, alice, sandbox_state, sandbox_platform, project
):
    first, second = adoptable_account(sandbox_state, "one"), adoptable_account(sandbox_state, "two")
    client.force_login(alice)

    response = client.post(
        platform_url("platform-adopt-selected", sandbox_platform),
        {"account": [first, second], "project": "acme.web"},
    )

    assert response.status_code == 400
    assert "acme.web already has an account on aws.local" in response.content.decode()
    nothing_adopted()


def test_nothing_ticked_is_refused_plainly(client, alice, platform):
    client.force_login(alice)
    response = client.post(
        platform_url("platform-adopt-selected", platform), {"project": "acme.web"}
    )
    assert response.status_code == 400
    assert "no accounts chosen to adopt" in response.content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_operators_see_and_use_the_adoption_controls(client, request, persona, platform):
    UnmanagedAccount.objects.create(
        platform=platform, aws_account_id="111111111111", first_seen="2025-03-01T10:00Z",
        last_seen="2025-03-01T10:00Z",
    )  # fmt: skip
    client.force_login(request.getfixturevalue(persona))

    page = client.get(platform_url("platform-unmanaged-accounts", platform))

    if persona in READERS:
        for control in (b'data-testid="adopt-form"', b'data-testid="adopt-csv"', b'"account"'):
            assert (control in page.content) == (persona == "alice")
    else:
        assert page.status_code == 403
    if persona != "alice":
        body = {"account": ["111111111111"], "project": "acme.web"}
        assert (
            client.post(platform_url("platform-adopt-selected", platform), body).status_code == 403
        )
        upload = csv_upload("111111111111,acme.web\n")
        assert client.post(platform_url("platform-adopt-csv", platform), upload).status_code == 403
        assert not ProjectAccount.objects.exists()


# --- checks in AWS ------------------------------------------------------------------------


@pytest.mark.sandbox
def test_many_accounts_are_checked_with_one_listing(
    sandbox_state, sandbox_platform, project, shop, monkeypatch
):
    good = adoptable_account(sandbox_state, "good")
    closed, state = closed_account(sandbox_state, "closed")
    monkeypatch.setattr(adoption, "DESCRIBE_AT_MOST", 1)
    adoptions = [adoption.Adoption(good, "acme.web"), adoption.Adoption(closed, "acme.shop")]

    with aws.capturing() as calls, pytest.raises(adoption.AdoptionRefused) as refused:
        adoption.accounts_adopt(
            platform=sandbox_platform, adoptions=adoptions, actor=None, source="page"
        )

    assert [str(error) for error in refused.value.errors] == [
        f"AWS account {closed} is {state}, only ACTIVE accounts can be adopted"
    ]
    assert {call.operation for call in calls if call.service != "sts"} == {"ListAccounts"}


@pytest.mark.sandbox
def test_an_unreachable_organization_refuses_every_adoption_plainly(
    sandbox_state, sandbox_platform, project
):
    good = adoptable_account(sandbox_state, "good")
    missing = f"arn:aws:iam::{sandbox_state.management_account_id}:role/NoSuchRole"
    record = sandbox_record(sandbox_state, platform="broken", organizationRootAccountRole=missing)
    broken = platform_apply(
        location=sandbox_platform.location, record=parse_record(record), actor=None
    ).platform

    with pytest.raises(adoption.AdoptionRefused) as refused:
        adoption.accounts_adopt(
            platform=broken, adoptions=[adoption.Adoption(good, "acme.web")], actor=None,
            source="page",
        )  # fmt: skip

    assert str(refused.value).startswith(
        "the accounts could not be checked in the organization of platform broken.local: "
        "AssumeRole answered AccessDenied"
    )
    nothing_adopted()


@pytest.mark.sandbox
def test_an_account_being_closed_is_refused(sandbox_state, sandbox_platform, project):
    closing = adoptable_account(sandbox_state, "closing")
    aws.call(
        management(sandbox_state.endpoint_url, "organizations"), "close_account",
        AccountId=closing,
    )  # fmt: skip

    with pytest.raises(adoption.AdoptionRefused) as refused:
        adoption.accounts_adopt(
            platform=sandbox_platform, adoptions=[adoption.Adoption(closing, "acme.web")],
            actor=None, source="page",
        )  # fmt: skip

    assert str(refused.value) == (
        f"AWS account {closing} is PENDING_CLOSURE, only ACTIVE accounts can be adopted"
    )


def test_the_guide_allows_the_calls_of_the_check():
    policy = guide_policies(**EXAMPLE_VALUES)["management-role"]
    for action in ("organizations:DescribeAccount", "organizations:ListAccounts"):
        assert allows(policy, action), action


# --- the API ------------------------------------------------------------------------------


@pytest.mark.sandbox
def test_the_api_adopts_an_account_checked_in_aws(
    operator_api, sandbox_state, sandbox_platform, project, shop
):
    good = adoptable_account(sandbox_state, "good")
    closed, state = closed_account(sandbox_state, "closed")

    def adopt(project_name, account_id):
        return operator_api.post(
            "/api/v1/accounts/",
            {"project": project_name, "platform": "aws.local", "aws_account_id": account_id},
            format="json",
        )

    refused = adopt("acme.web", closed)
    assert refused.status_code == 400
    assert refused.json() == {
        "aws_account_id": [f"AWS account {closed} is {state}, only ACTIVE accounts can be adopted"]
    }
    foreign = adopt("acme.web", "999999999999")
    assert foreign.json()["aws_account_id"] == [
        "AWS account 999999999999 is not in the organization of platform aws.local"
    ]
    nothing_adopted()

    adopted = adopt("acme.web", good)
    assert adopted.status_code == 201 and adopted.json()["aws_account_id"] == good
    account = ProjectAccount.objects.get()
    assert run_to_end(account.runs.get().pk)[0] == "succeeded"
    again = adopt("acme.shop", good)
    assert again.status_code == 400 and "is managed by" in again.json()["aws_account_id"][0]


@pytest.mark.parametrize("persona", [*PERSONAS, None])
def test_only_operators_adopt_by_the_api(request, persona, platform, project, monkeypatch):
    # The organization's answer, for this platform without an emulator: the account is there.
    monkeypatch.setattr(
        adoption, "aws_account_states", lambda found, ids: dict.fromkeys(ids, "ACTIVE")
    )
    user = request.getfixturevalue(persona) if persona else None
    response = api_for(user).post(
        "/api/v1/accounts/",
        {"project": "acme.web", "platform": "aws-prod.eu", "aws_account_id": "111111111111"},
        format="json",
    )
    if persona == "alice":
        assert response.status_code == 201
    else:
        assert response.status_code == (401 if persona is None else 403)
        assert not ProjectAccount.objects.exists()
