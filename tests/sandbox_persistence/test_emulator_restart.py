"""The sandbox emulator keeps its state across restarts when it has a state dir."""

import pickle

import pytest

import aws
from sandbox import setup
from sandbox.persistence import STATE_FILE_NAME
from tests.helpers import free_port, reset_sandbox

from .emulator_process import running_emulator

pytestmark = pytest.mark.sandbox


def _client(url, service, credentials=setup.MANAGEMENT_CREDENTIALS, region="us-east-1"):
    return aws.client(service, region=region, credentials=credentials, endpoint_url=url)


def _in_account(url, account_id, service):
    credentials = aws.assume_role(
        credentials=setup.MANAGEMENT_CREDENTIALS,
        role_arn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
        session_name="persistence-test",
        region="eu-central-1",
        endpoint_url=url,
    )
    return _client(url, service, credentials, region="eu-central-1")


def _new_account(org, name):
    request = aws.call(org, "create_account", AccountName=name, Email=f"{name}@persist.example")
    request_id = request["CreateAccountStatus"]["Id"]
    status = aws.call(org, "describe_create_account_status", CreateAccountRequestId=request_id)
    return status["CreateAccountStatus"]["AccountId"]


def _organization_seen_by(url):
    """What the organization holds: its id, accounts, OUs with their accounts, aliases."""
    org = _client(url, "organizations")
    root_id = aws.call(org, "list_roots")["Roots"][0]["Id"]
    units = aws.call(org, "list_organizational_units_for_parent", ParentId=root_id)
    accounts = {a["Id"]: a["Name"] for a in aws.paginate(org, "list_accounts", "Accounts")}
    return {
        "organization": aws.call(org, "describe_organization")["Organization"]["Id"],
        "accounts": accounts,
        "units": {
            unit["Id"]: (
                unit["Name"],
                sorted(
                    a["Id"]
                    for a in aws.call(org, "list_accounts_for_parent", ParentId=unit["Id"])[
                        "Accounts"
                    ]
                ),
            )
            for unit in units["OrganizationalUnits"]
        },
        "aliases": {
            account_id: aws.call(_in_account(url, account_id, "iam"), "list_account_aliases")[
                "AccountAliases"
            ]
            for account_id in accounts
            if account_id != setup.MANAGEMENT_ACCOUNT_ID
        },
    }


@pytest.mark.slow
def test_accounts_units_and_aliases_survive_a_restart_with_the_same_ids(tmp_path):
    with running_emulator(tmp_path) as first:
        org = _client(first.url, "organizations")
        aws.call(org, "create_organization", FeatureSet="ALL")
        root_id = aws.call(org, "list_roots")["Roots"][0]["Id"]
        unit = aws.call(org, "create_organizational_unit", ParentId=root_id, Name="projects")
        unit_id = unit["OrganizationalUnit"]["Id"]
        web, api = _new_account(org, "web"), _new_account(org, "api")
        aws.call(org, "move_account", AccountId=web, SourceParentId=root_id,
                 DestinationParentId=unit_id)  # fmt: skip
        aws.call(
            _in_account(first.url, web, "iam"), "create_account_alias", AccountAlias="acme-web"
        )
        before = _organization_seen_by(first.url)
    assert (tmp_path / STATE_FILE_NAME).exists()

    with running_emulator(tmp_path) as second:
        assert _organization_seen_by(second.url) == before
        assert before["units"][unit_id] == ("projects", [web])
        assert before["aliases"][web] == ["acme-web"] and before["aliases"][api] == []
        # The strict layer works on the restored state: the alias and the e-mail are taken.
        with pytest.raises(aws.AwsError) as taken:
            aws.call(_in_account(second.url, api, "iam"), "create_account_alias",
                     AccountAlias="acme-web")  # fmt: skip
        assert taken.value.code == "EntityAlreadyExists"
        org = _client(second.url, "organizations")
        request = aws.call(org, "create_account", AccountName="again",
                           Email="web@persist.example")["CreateAccountStatus"]  # fmt: skip
        assert request["State"] == "FAILED" and request["FailureReason"] == "EMAIL_ALREADY_EXISTS"
    assert "state restored" in second.log


@pytest.mark.slow
def test_the_bootstrap_finds_its_setup_after_a_restart_and_duplicates_nothing(tmp_path):
    state_file, port = tmp_path / "sandbox.json", free_port()  # `make run`'s port is fixed too
    with running_emulator(tmp_path / "emulator", port) as first:
        before = setup.bootstrap(
            endpoint_url=first.url, region="eu-central-1", state_file=state_file
        )
    with running_emulator(tmp_path / "emulator", port) as second:
        after = setup.bootstrap(
            endpoint_url=second.url, region="eu-central-1", state_file=state_file
        )
        org = _client(second.url, "organizations")
        assert len(list(aws.paginate(org, "list_accounts", "Accounts"))) == 3
        units = aws.call(org, "list_organizational_units_for_parent", ParentId=after.root_id)
        assert len(units["OrganizationalUnits"]) == 2
        # The service user's keys still work: they reach the management role.
        service_user = aws.Credentials(after.access_key_id, after.secret_access_key)
        aws.assume_role(
            credentials=service_user, role_arn=after.service_role_arn,
            session_name="check", region="eu-central-1", endpoint_url=second.url,
            external_id=after.management_external_id,
        )  # fmt: skip
    assert after == before


@pytest.mark.slow
def test_a_reset_is_saved_too(tmp_path):
    with running_emulator(tmp_path) as first:
        aws.call(_client(first.url, "organizations"), "create_organization", FeatureSet="ALL")
        reset_sandbox(first.url)
    with running_emulator(tmp_path) as second:
        with pytest.raises(aws.AwsError) as missing:
            aws.call(_client(second.url, "organizations"), "describe_organization")
    assert missing.value.code == "AWSOrganizationsNotInUseException"


@pytest.mark.parametrize(
    "content",
    [b"not a pickle at all", pickle.dumps({"format": 1, "moto": "0.0.1", "services": b""})],
    ids=["corrupt", "another-moto-version"],
)
def test_an_unusable_state_file_is_moved_aside_and_the_emulator_starts_empty(tmp_path, content):
    (tmp_path / STATE_FILE_NAME).write_bytes(content)
    with running_emulator(tmp_path) as emulator:
        with pytest.raises(aws.AwsError) as missing:
            aws.call(_client(emulator.url, "organizations"), "describe_organization")
    assert missing.value.code == "AWSOrganizationsNotInUseException"
    assert "the emulator starts empty" in emulator.log
    assert [path.read_bytes() for path in tmp_path.glob(f"{STATE_FILE_NAME}.unusable-*")] == [
        content
    ]


def test_without_a_state_file_it_starts_empty_and_says_so(tmp_path):
    with running_emulator(tmp_path / "new") as emulator:
        with pytest.raises(aws.AwsError):
            aws.call(_client(emulator.url, "organizations"), "describe_organization")
    assert "No saved sandbox emulator state" in emulator.log


@pytest.mark.slow
def test_a_state_file_others_could_write_is_not_loaded(tmp_path):
    with running_emulator(tmp_path) as first:
        aws.call(_client(first.url, "organizations"), "create_organization", FeatureSet="ALL")
    (tmp_path / STATE_FILE_NAME).chmod(0o666)  # unpickling runs code: refuse what others wrote
    with running_emulator(tmp_path) as second:
        with pytest.raises(aws.AwsError):
            aws.call(_client(second.url, "organizations"), "describe_organization")
    assert "not private" in second.log
