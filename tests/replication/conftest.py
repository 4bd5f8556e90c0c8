"""A platform wired to a bootstrapped sandbox emulator, and helpers to run replication."""

import json
from urllib.parse import unquote

import pytest

import aws
from accounts.models import ProjectRole
from accounts.services import (
    binding_create,
    customer_create,
    project_account_create,
    project_create,
)
from platforms.config_io import parse_record
from platforms.services import location_create, platform_apply
from replication import engine
from replication.models import ReplicationRun
from sandbox import setup
from tests.platforms.conftest import DATA

TEMPLATE = """AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  AccountId: {Type: String}
  Stage: {Type: String}
Resources:
  AuditRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub 'audit-${Stage}'
      AssumeRolePolicyDocument: {Version: '2012-10-17', Statement: [{Effect: Allow, Principal: {AWS: 'arn:aws:iam::123456789012:root'}, Action: 'sts:AssumeRole'}]}
"""


@pytest.fixture(autouse=True)
def _fresh_aws_caches():
    aws.forget_credentials()
    yield
    aws.forget_credentials()


@pytest.fixture
def sandbox_state(sandbox_url, tmp_path):
    return setup.bootstrap(
        endpoint_url=sandbox_url, region="eu-central-1", state_file=tmp_path / "s.json"
    )


def automation_credentials(state) -> aws.Credentials:
    """A session of the automation role, taken as meshaws takes it (the emulator checks trust)."""
    return aws.assume_role(
        credentials=aws.Credentials(state.access_key_id, state.secret_access_key),
        role_arn=state.automation_role_arn, external_id=state.automation_external_id,
        session_name="test", region="eu-central-1", endpoint_url=state.endpoint_url,
    )  # fmt: skip


def sandbox_record(state, **changes) -> dict:
    record = {
        "platform": "aws",
        "region": "eu-central-1",
        "meshfedServiceUser": {
            "accessKey": state.access_key_id,
            "secretKey": state.secret_access_key,
        },
        "organizationRootAccountRole": state.service_role_arn,
        "organizationRootAccountExternalId": state.management_external_id,
        "automationAccountRole": state.automation_role_arn,
        "automationAccountExternalId": state.automation_external_id,
        "waitForExternalAvm": False,
        "roleMappings": [
            {
                "mapKey": "admin",
                "mapValue": {
                    "roleName": "ProjectAdmin",
                    "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess",
                },
            },
            {
                "mapKey": "reader",
                "mapValue": {
                    "roleName": "ProjectReader",
                    "policyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                },
            },
        ],
        "meshProvisioning": {"accountEmailTemplate": "aws+%s@sbx.io"},
        "externalProvisioning": None,
        "accountAccessRole": state.account_access_role,
        "accountAliasPattern": "sbx-<customer>-<project>",
        "privilegedExternalId": state.privileged_external_id,
        "enforceAccountAlias": True,
        "tagPrefix": "meshaws:",
        "identityProvider": {
            "name": "meshaws-idp",
            "metadataDocument": (DATA / "idp-metadata.xml").read_text(),
        },
        "landingZones": [
            {
                "identifier": "default",
                "displayName": "Default",
                "targetOrganizationalUnit": state.landing_zone_ou_id,
            },
            {
                "identifier": "bootstrapped",
                "displayName": "With bootstrap",
                "targetOrganizationalUnit": state.landing_zone_ou_id,
                "bootstrapTemplate": TEMPLATE,
                "stackSetRegion": "eu-central-1",
            },
        ],
        "endpointUrl": state.endpoint_url,
    }
    record.update(changes)
    return record


@pytest.fixture
def sandbox_platform(db, sandbox_state):
    local = location_create(identifier="local", display_name="Sandbox", actor=None)
    return platform_apply(
        location=local, record=parse_record(sandbox_record(sandbox_state)), actor=None
    ).platform


def copy_of_the_management_role(state, name: str) -> str:
    """Another role in the sandbox's management account, trusted and allowed like the first."""
    iam = aws.client(
        "iam", region="us-east-1", credentials=setup.MANAGEMENT_CREDENTIALS,
        endpoint_url=state.endpoint_url,
    )  # fmt: skip
    trust = aws.call(iam, "get_role", RoleName=setup.SERVICE_ROLE)["Role"]
    arn = aws.call(
        iam, "create_role", RoleName=name,
        AssumeRolePolicyDocument=as_json(trust["AssumeRolePolicyDocument"]),
    )["Role"]["Arn"]  # fmt: skip
    for policy in aws.call(iam, "list_role_policies", RoleName=setup.SERVICE_ROLE)["PolicyNames"]:
        document = aws.call(iam, "get_role_policy", RoleName=setup.SERVICE_ROLE, PolicyName=policy)[
            "PolicyDocument"
        ]
        aws.call(
            iam, "put_role_policy", RoleName=name, PolicyName=policy,
            PolicyDocument=as_json(document),
        )  # fmt: skip
    allow_service_user_to_assume(state, arn)
    return arn


def allow_service_user_to_assume(state, role_arn: str) -> None:
    """Let meshfed-service assume `role_arn` too: AWS wants its own policy to allow it."""
    meshcloud = aws.assume_role(
        credentials=setup.MANAGEMENT_CREDENTIALS, session_name="test", region="us-east-1",
        role_arn=f"arn:aws:iam::{state.meshcloud_account_id}:role/OrganizationAccountAccessRole",
        endpoint_url=state.endpoint_url,
    )  # fmt: skip
    iam = aws.client(
        "iam", region="us-east-1", credentials=meshcloud, endpoint_url=state.endpoint_url
    )
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn},
    ]}  # fmt: skip
    aws.call(
        iam, "put_user_policy", UserName=setup.SERVICE_USER,
        PolicyName=f"Assume{role_arn.rsplit('/', 1)[-1]}", PolicyDocument=json.dumps(policy),
    )  # fmt: skip


def as_json(document) -> str:
    """An IAM policy document as IAM returns it (dict, JSON or URL-encoded JSON), as JSON."""
    return json.dumps(document if isinstance(document, dict) else json.loads(unquote(document)))


@pytest.fixture
def platform_on_the_organization(sandbox_state, sandbox_platform):
    """Makes another platform on the sandbox's organization (by default with its own role)."""

    def make(identifier: str, *, own_role: bool = True, **changes):
        role = sandbox_state.service_role_arn
        if own_role:
            role = copy_of_the_management_role(sandbox_state, f"MeshfedServiceRole-{identifier}")
        record = sandbox_record(
            sandbox_state, platform=identifier, organizationRootAccountRole=role,
            meshProvisioning={"accountEmailTemplate": f"{identifier}+%s@sbx.io"},
            accountAliasPattern=f"{identifier}-<customer>-<project>", **changes,
        )  # fmt: skip
        return platform_apply(
            location=sandbox_platform.location, record=parse_record(record), actor=None
        ).platform

    return make


@pytest.fixture
def project(db):
    customer = customer_create(identifier="acme", actor=None)
    project = project_create(
        customer=customer, identifier="web", tags={"cost-center": "42"}, actor=None
    )
    binding_create(
        project=project,
        user="dev@example.com",
        role=ProjectRole.objects.get(identifier="admin"),
        actor=None,
    )
    return project


class Scheduler:
    """Collects what the engine asks to schedule, instead of queueing it in Redis."""

    def __init__(self):
        self.requests = []

    def __call__(self, run, delay):
        self.requests.append((run.pk, delay))


def account_made_outside(url: str, email: str, name: str, **params) -> str:
    """The id of an account created in the sandbox's organization without meshaws."""
    org = aws.client(
        "organizations", region=aws.ORGANIZATIONS_REGION,
        credentials=setup.MANAGEMENT_CREDENTIALS, endpoint_url=url,
    )  # fmt: skip
    made = aws.call(org, "create_account", Email=email, AccountName=name, **params)
    return aws.call(
        org, "describe_create_account_status",
        CreateAccountRequestId=made["CreateAccountStatus"]["Id"],
    )["CreateAccountStatus"]["AccountId"]  # fmt: skip


def run_to_end(run_id, max_attempts=30):
    """Execute a run until it is no longer waiting (each waiting attempt runs at once)."""
    scheduler = Scheduler()
    for _ in range(max_attempts):
        status = engine.execute(run_id, schedule=scheduler)
        if status != ReplicationRun.Status.WAITING:
            return status, scheduler
    raise AssertionError("the run kept waiting")


@pytest.fixture
def enable(project, sandbox_platform):
    def enable(landing_zone=None, target=project):
        account = project_account_create(
            project=target, platform=sandbox_platform, landing_zone=landing_zone, actor=None
        )
        return account, account.runs.get()

    return enable


@pytest.fixture
def slow_creation(monkeypatch):
    """CreateAccount stays IN_PROGRESS for the first `polls` describes (moto is instant)."""
    from moto.organizations import models as org_models

    original = org_models.FakeAccount.create_account_status
    # CreateAccount's own answer is the first poll: 3 means two describes say IN_PROGRESS.
    settings = {"polls": 3, "failure": None}
    seen = {}

    def status(self):
        result = original.fget(self)
        count = seen.get(self.id, 0)
        seen[self.id] = count + 1
        if settings["failure"]:
            result["CreateAccountStatus"]["State"] = "FAILED"
            result["CreateAccountStatus"]["FailureReason"] = settings["failure"]
            result["CreateAccountStatus"].pop("AccountId", None)
        elif count < settings["polls"]:
            result["CreateAccountStatus"]["State"] = "IN_PROGRESS"
            result["CreateAccountStatus"].pop("AccountId", None)
        return result

    monkeypatch.setattr(org_models.FakeAccount, "create_account_status", property(status))
    return settings


from tests.accounts.conftest import acme  # noqa: E402,F401
from tests.platforms.conftest import example_record, location, metadata_xml, platform  # noqa: E402,F401
