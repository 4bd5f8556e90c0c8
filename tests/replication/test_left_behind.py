"""Switching a platform's access mode: the old mode's resources stay in AWS, listed as left behind."""

import pytest
from django.contrib import admin
from drf_spectacular.generators import SchemaGenerator

import aws
from accounts.services import binding_delete, project_account_create
from meshaws_site.admin import ReadOnlyAdmin
from platforms.config_io import parse_record, record_of
from platforms.signals import preview_change
from replication.models import (
    IdentityCenterAssignment,
    IdentityCenterGroup,
    IdentityCenterMembership,
    IdentityCenterUser,
    LeftBehindResource,
    ReplicationRun,
)
from sandbox.identity_center import sso_platform_record
from tests.helpers import (
    ADA,
    ADMIN_SET,
    GRACE,
    INSTANCE,
    api_for,
    assignments,
    calls,
    change_platform,
    groups,
    member,
    members,
    run_to_end,
    sso_record,
    step,
)

ADMINS, READERS, USERS = "mst-acme.web-admin", "mst-acme.web-reader", "mst-acme.web-user"
# What the SAML steps would do to a provider or a role; none may happen in another mode.
SAML_WRITES = {
    "CreateSAMLProvider", "UpdateSAMLProvider", "DeleteSAMLProvider", "CreateRole", "DeleteRole",
    "UpdateAssumeRolePolicy", "AttachRolePolicy", "DetachRolePolicy",
}  # fmt: skip
# What would take access away in Identity Center; none may happen in another mode.
IDENTITY_CENTER_DELETES = {"DeleteGroup", "DeleteGroupMembership", "DeleteAccountAssignment"}


def left_behind(account) -> list[tuple[str, str, str, str]]:
    """(mode, kind, name, arn) of what the account has left behind, in the page's order."""
    return list(account.left_behind.values_list("mode", "kind", "name", "arn"))


def to_identity_center(platform, example_record: dict) -> None:
    """Switch a stored platform (the example record's) to Identity Center, as aws-sso.eu's."""
    record = sso_record(example_record)
    change_platform(
        platform, identityProvider=None, identityCenter=record["identityCenter"],
        roleMappings=record["roleMappings"],
    )  # fmt: skip


def to_saml(platform, example_record: dict) -> None:
    """Switch aws-sso.eu to the example record's SAML mode (its zone's mappings dropped too)."""
    change_platform(
        platform, identityCenter=None, identityProvider=example_record["identityProvider"],
        roleMappings=example_record["roleMappings"], landingZones=example_record["landingZones"],
    )  # fmt: skip


def identity_center_keys(state) -> dict:
    """The record keys that put a sandbox platform in Identity Center mode, as sandbox-sso's."""
    record = sso_platform_record(state, {})
    return {key: record[key] for key in ("identityProvider", "identityCenter", "roleMappings")}


def saml_keys(platform) -> dict:
    """The record keys of the platform's SAML mode, to come back to it."""
    record = record_of(platform).as_dict()
    return {
        "identityProvider": record["identityProvider"], "identityCenter": None,
        "roleMappings": record["roleMappings"],
    }  # fmt: skip


def run_the_requested_run(account) -> ReplicationRun:
    """The account's run a change asked for, run to its end (it must succeed)."""
    run = account.runs.get(status__in=ReplicationRun.ACTIVE)
    assert run_to_end(run.pk)[0] == ReplicationRun.Status.SUCCEEDED
    account.refresh_from_db()
    return run


@pytest.fixture
def ready_saml_account(team, sandbox_platform):
    """acme.web on aws.local (SAML), replicated: ready, with its provider and roles."""
    account = project_account_create(project=team, platform=sandbox_platform, actor=None)
    run_the_requested_run(account)
    assert account.status == "ready"
    return account


# --- against the emulator -------------------------------------------------------------------


@pytest.mark.sandbox
def test_it_lists_the_saml_provider_and_roles_a_switch_to_identity_center_leaves_behind(
    ready_saml_account, sandbox_platform, sandbox_state
):
    account = ready_saml_account
    change_platform(sandbox_platform, **identity_center_keys(sandbox_state))
    prefix = f"arn:aws:iam::{account.aws_account_id}:"
    assert left_behind(account) == [
        ("saml", "iam_role", "ProjectAdmin", f"{prefix}role/ProjectAdmin"),
        ("saml", "iam_role", "ProjectReader", f"{prefix}role/ProjectReader"),
        ("saml", "saml_provider", "meshaws-idp", f"{prefix}saml-provider/meshaws-idp"),
    ]
    # The ARNs AWS gives them.
    iam = member(sandbox_state.endpoint_url, account.aws_account_id, "iam")
    assert aws.call(iam, "get_role", RoleName="ProjectAdmin")["Role"]["Arn"] == (
        f"{prefix}role/ProjectAdmin"
    )
    providers = aws.call(iam, "list_saml_providers")["SAMLProviderList"]
    assert [p["Arn"] for p in providers] == [f"{prefix}saml-provider/meshaws-idp"]
    admin = account.left_behind.get(name="ProjectAdmin")
    assert (
        admin.detail == "project role admin; policies: arn:aws:iam::aws:policy/AdministratorAccess"
    )


@pytest.mark.sandbox
def test_identity_center_runs_leave_the_saml_provider_and_roles_untouched(
    ready_saml_account, sandbox_platform, sandbox_state
):
    account = ready_saml_account
    iam = member(sandbox_state.endpoint_url, account.aws_account_id, "iam")
    before = aws.call(iam, "get_role", RoleName="ProjectAdmin")["Role"]["AssumeRolePolicyDocument"]
    change_platform(sandbox_platform, **identity_center_keys(sandbox_state))
    run = run_the_requested_run(account)
    assert step(run, "identity-provider").status == step(run, "roles").status == "skipped"
    assert not SAML_WRITES & set(calls(run))
    assert assignments(sandbox_state, account.aws_account_id) == [
        (ADMINS, "AdministratorAccess"), (READERS, "ReadOnlyAccess"), (USERS, "PowerUserAccess"),
    ]  # fmt: skip
    providers = aws.call(iam, "list_saml_providers")["SAMLProviderList"]
    assert [p["Arn"].rsplit("/", 1)[-1] for p in providers] == ["meshaws-idp"]
    role = aws.call(iam, "get_role", RoleName="ProjectAdmin")["Role"]
    assert role["AssumeRolePolicyDocument"] == before
    attached = aws.call(iam, "list_attached_role_policies", RoleName="ProjectAdmin")
    assert [p["PolicyName"] for p in attached["AttachedPolicies"]] == ["AdministratorAccess"]
    aws.call(iam, "get_role", RoleName="ProjectReader")
    assert len(left_behind(account)) == 3


@pytest.mark.sandbox
def test_switching_back_to_saml_lists_the_groups_and_assignments_and_keeps_them_in_aws(
    ready_saml_account, sandbox_platform, sandbox_state, team
):
    account = ready_saml_account
    saml = saml_keys(sandbox_platform)
    change_platform(sandbox_platform, **identity_center_keys(sandbox_state))
    run_the_requested_run(account)
    made = assignments(sandbox_state, account.aws_account_id)

    change_platform(sandbox_platform, **saml)
    kinds = [(mode, kind, name) for mode, kind, name, _ in left_behind(account)]
    assert kinds == [
        ("identity_center", "assignment", ADMINS), ("identity_center", "assignment", READERS),
        ("identity_center", "assignment", USERS), ("identity_center", "group", ADMINS),
        ("identity_center", "group", READERS), ("identity_center", "group", USERS),
    ]  # fmt: skip
    readers = account.left_behind.get(kind="group", name=READERS)
    assert readers.group_id == groups(sandbox_state)[READERS]
    assert readers.detail.endswith(f"project role reader; members: {GRACE}")
    admin_set = sandbox_state.permission_set_arns["AdministratorAccess"]
    assert account.left_behind.get(kind="assignment", name=ADMINS).arn == admin_set

    # A binding removed in SAML mode takes nothing away in Identity Center.
    binding_delete(binding=team.bindings.get(user=GRACE), actor=None)
    run = run_the_requested_run(account)
    assert step(run, "memberships").status == step(run, "assignments").status == "skipped"
    assert not IDENTITY_CENTER_DELETES & set(calls(run))
    assert members(sandbox_state, READERS) == [GRACE] and members(sandbox_state, ADMINS) == [ADA]
    assert assignments(sandbox_state, account.aws_account_id) == made
    assert step(run, "roles").status == "ok"
    assert len(left_behind(account)) == 6


@pytest.mark.sandbox
def test_coming_back_to_a_mode_forgets_what_its_steps_manage_again(
    ready_saml_account, sandbox_platform, sandbox_state
):
    account = ready_saml_account
    saml = saml_keys(sandbox_platform)
    change_platform(sandbox_platform, **identity_center_keys(sandbox_state))
    run_the_requested_run(account)
    change_platform(sandbox_platform, **saml)
    assert {kind for _, kind, _, _ in left_behind(account)} == {"group", "assignment"}
    run_the_requested_run(account)

    change_platform(sandbox_platform, **identity_center_keys(sandbox_state))
    assert {kind for _, kind, _, _ in left_behind(account)} == {"saml_provider", "iam_role"}
    run = run_the_requested_run(account)
    assert step(run, "assignments").status == "ok"
    assert len(assignments(sandbox_state, account.aws_account_id)) == 3


# --- the record, without AWS ----------------------------------------------------------------


def test_a_landing_zones_own_mappings_name_its_accounts_roles(platform, web):
    record = record_of(platform).as_dict()
    record["landingZones"][1]["roleMappings"] = [
        {"mapKey": "admin", "mapValue": {"roleName": "SandboxAdmin", "policyArn": None}}
    ]
    change_platform(platform, landingZones=record["landingZones"])
    account = project_account_create(
        project=web, platform=platform, landing_zone="sandbox", aws_account_id="111122223333",
        actor=None,
    )  # fmt: skip
    change_platform(platform, identityProvider=None)
    assert left_behind(account) == [
        ("saml", "iam_role", "SandboxAdmin", "arn:aws:iam::111122223333:role/SandboxAdmin"),
        ("saml", "saml_provider", "meshstack-idp",
         "arn:aws:iam::111122223333:saml-provider/meshstack-idp"),
    ]  # fmt: skip


def test_an_account_not_created_yet_has_nothing_left_behind_in_saml_mode(platform, web):
    account = project_account_create(project=web, platform=platform, actor=None)
    change_platform(platform, identityProvider=None)
    assert left_behind(account) == []


def test_a_change_within_a_mode_records_nothing(platform, web):
    account = project_account_create(
        project=web, platform=platform, aws_account_id="111122223333", actor=None
    )
    change_platform(platform, accountAliasPattern="other-<customer>-<project>")
    assert left_behind(account) == []


def test_identity_center_resources_come_from_the_rows_the_steps_keep(sso, web, example_record):
    account = project_account_create(
        project=web, platform=sso, aws_account_id="111122223333", actor=None
    )
    group = IdentityCenterGroup.objects.create(
        platform=sso, project=web, project_role="admin", identity_store_id="d-1234567890",
        group_id="a1b2c3d4-0000-0000-0000-000000000001", display_name=ADMINS,
    )  # fmt: skip
    IdentityCenterMembership.objects.create(group=group, user_name=ADA, user_id="u-1")
    IdentityCenterAssignment.objects.create(
        account=account, group_id=group.group_id, permission_set_arn=ADMIN_SET,
        state=IdentityCenterAssignment.State.CREATING, request_id="r-1",
    )  # fmt: skip
    to_saml(sso, example_record)
    found = {row.kind: row for row in account.left_behind.all()}
    assert sorted(found) == ["assignment", "group"]
    assert (found["group"].name, found["group"].group_id) == (ADMINS, group.group_id)
    assert found["group"].detail == (
        f"identity store d-1234567890; project role admin; members: {ADA}"
    )
    assert (found["assignment"].name, found["assignment"].arn) == (ADMINS, ADMIN_SET)
    assert found["assignment"].detail == (
        f"instance {INSTANCE}; account 111122223333; AWS was still creating it"
    )


def test_coming_back_to_saml_forgets_only_the_provider_and_roles_it_manages_again(
    platform, web, example_record
):
    account = project_account_create(
        project=web, platform=platform, aws_account_id="111122223333", actor=None
    )
    to_identity_center(platform, example_record)
    assert len(left_behind(account)) == 4
    change_platform(
        platform, identityCenter=None, roleMappings=example_record["roleMappings"][:1],
        identityProvider={**example_record["identityProvider"], "name": "other-idp"},
    )  # fmt: skip
    assert [name for _, _, name, _ in left_behind(account)] == [
        "meshProjectReaderRole", "meshProjectUserRole", "meshstack-idp",
    ]  # fmt: skip


def test_coming_back_to_identity_center_forgets_only_the_groups_it_manages_again(
    sso, web, example_record
):
    account = project_account_create(
        project=web, platform=sso, aws_account_id="111122223333", actor=None
    )
    for number, role in enumerate(("admin", "reader")):
        group = IdentityCenterGroup.objects.create(
            platform=sso, project=web, project_role=role, identity_store_id="d-1234567890",
            group_id=f"a1b2c3d4-0000-0000-0000-00000000000{number}", display_name=role,
        )  # fmt: skip
        IdentityCenterAssignment.objects.create(
            account=account, group_id=group.group_id, permission_set_arn=ADMIN_SET,
            state=IdentityCenterAssignment.State.PRESENT,
        )  # fmt: skip
    center = record_of(sso).as_dict()
    to_saml(sso, example_record)
    assert len(left_behind(account)) == 4
    admin_only = [{"mapKey": "admin", "mapValue": {"permissionSetArns": [ADMIN_SET]}}]
    change_platform(
        sso, identityProvider=None, identityCenter=center["identityCenter"],
        roleMappings=admin_only,
    )  # fmt: skip
    # The assignments step deletes the reader's assignment (no longer mapped): not listed.
    assert left_behind(account)[0] == ("identity_center", "group", "reader", "")
    assert {mode for mode, _, _, _ in left_behind(account)[1:]} == {"saml"}


# --- the preview, the page, the API, the admin ----------------------------------------------


def test_the_preview_of_a_switch_names_the_permission_sets(platform, web, example_record):
    project_account_create(project=web, platform=platform, actor=None)
    after = parse_record({**sso_record(example_record), "platform": "aws-prod"})
    impact = preview_change(platform, record_of(platform), after)
    changes = {change.what: change for change in impact.sample}
    assert changes["role mappings"].before == (
        "admin→meshProjectAdminRole, user→meshProjectUserRole, reader→meshProjectReaderRole"
    )
    assert changes["role mappings"].after == (
        "admin→ps-00000000000admin + ps-000000000billing, reader→ps-0000000000reader"
    )


def test_the_account_page_lists_what_is_left_behind(client, bob, platform, web, example_record):
    account = project_account_create(
        project=web, platform=platform, aws_account_id="111122223333", actor=None
    )
    to_identity_center(platform, example_record)
    client.force_login(bob)
    page = client.get(f"/accounts/{account.pk}/").content.decode()
    section = page[page.index('data-testid="left-behind-section"') :]
    section = section[: section.index("</section>")]
    assert "will not delete them" in section and "DeleteSAMLProvider" in section
    assert '<table class="striped" data-testid="left-behind">' in section
    assert section.count('data-testid="left-behind-iam_role"') == 3
    assert '<th scope="row"><code>meshProjectAdminRole</code></th>' in section
    assert "<code>arn:aws:iam::111122223333:saml-provider/meshstack-idp</code>" in section
    assert (
        "project role user; policies: arn:aws:iam::123456789012:policy/deny-leaving-org" in section
    )


def test_the_account_page_has_no_left_behind_section_without_any(client, bob, platform, web):
    account = project_account_create(
        project=web, platform=platform, aws_account_id="111122223333", actor=None
    )
    client.force_login(bob)
    page = client.get(f"/accounts/{account.pk}/").content.decode()
    assert "left-behind" not in page


def test_the_api_lists_what_is_left_behind(charlie, platform, web, example_record):
    account = project_account_create(
        project=web, platform=platform, aws_account_id="111122223333", actor=None
    )
    to_identity_center(platform, example_record)
    found = api_for(charlie).get(f"/api/v1/accounts/{account.pk}/").json()["left_behind"]
    assert [(row["mode"], row["kind"], row["name"]) for row in found] == [
        ("saml", "iam_role", "meshProjectAdminRole"), ("saml", "iam_role", "meshProjectReaderRole"),
        ("saml", "iam_role", "meshProjectUserRole"), ("saml", "saml_provider", "meshstack-idp"),
    ]  # fmt: skip
    assert found[0]["arn"] == "arn:aws:iam::111122223333:role/meshProjectAdminRole"
    assert set(found[0]) == {"mode", "kind", "name", "arn", "group_id", "detail", "recorded_at"}
    listed = api_for(charlie).get("/api/v1/accounts/").json()["results"]
    assert listed[0]["left_behind"] == found


def test_the_schema_documents_left_behind_as_read_only():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    field = schema["components"]["schemas"]["ProjectAccount"]["properties"]["left_behind"]
    assert field["readOnly"] is True and "never deletes" in field["description"]
    item = schema["components"]["schemas"]["LeftBehind"]
    assert set(item["properties"]) == {
        "mode", "kind", "name", "arn", "group_id", "detail", "recorded_at",
    }  # fmt: skip
    assert all(item["properties"][name]["readOnly"] for name in item["properties"])


def test_the_admin_shows_the_identity_center_rows_and_what_is_left_behind_read_only():
    for model in (
        IdentityCenterGroup, IdentityCenterMembership, IdentityCenterUser,
        IdentityCenterAssignment, LeftBehindResource,
    ):  # fmt: skip
        assert isinstance(admin.site._registry.get(model), ReadOnlyAdmin), model
