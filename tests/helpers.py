"""Plain helpers the tests share: test data, the sandbox emulator, replication runs, the API."""

import json
import os
import re
import socket
import subprocess
import sys
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote

import boto3
import botocore.config
import botocore.exceptions
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

import aws
from accounts.models import Binding, Customer, Project, ProjectAccount, ProjectRole
from accounts.services import api_token_create, deletion_approve, deletion_request
from audit.models import AuditEvent
from platforms.config_io import parse_record, record_of
from platforms.models import LandingZone, Location, PlatformInstance, RoleMapping
from platforms.services import platform_apply
from replication import engine
from replication.models import ReplicationRun
from sandbox import setup

PASSWORD = "correct-horse-battery-staple"

# --- platform records ---------------------------------------------------------------------

DATA = Path(__file__).parent / "platforms" / "data"
# A copy of docs/reference/platform-example.json, the contract for the record's keys.
EXAMPLE_FILE = DATA / "platform-example.json"
SHARED_EXAMPLE_FILE = Path(settings.BASE_DIR) / "docs" / "reference" / "platform-example.json"

# Distinctive secret values: the leak tests search every output for them.
ACCESS_KEY = "AKIALEAKCANARY000001"
SECRET_KEY = "leak-canary-secret-key-wJalrXUtnFEMI"
PRIVILEGED_EXTERNAL_ID = "leak-canary-privileged-0d6f7e2a-5b1c"
SECRETS = (ACCESS_KEY, SECRET_KEY, PRIVILEGED_EXTERNAL_ID)

# The URL parameters of the site, with the identifiers of `project_on_platform`'s objects.
PARAMETERS = {
    "<slug:location>": "eu", "<slug:platform>": "aws-prod", "<slug:customer>": "acme",
    "<slug:project>": "web", "<int:binding>": "1", "<path:user>": "dev@example.com",
}  # fmt: skip

# A landing zone's bootstrap template: one role, named after the stage.
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


def api_for(user) -> APIClient:
    """An API client with a token of `user` (none for `None`)."""
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user, actor=None)}")
    return client


# --- processes ----------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port nothing listens on at the moment, on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_manage(*args: str, env: dict | None = None, timeout: float = 60):
    """Run `manage.py` in a fresh interpreter (for what must not share the test process)."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def database_url() -> str:
    """The test database, as DATABASE_URL for another process."""
    config = connection.settings_dict
    if config["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{config['NAME']}"
    password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
    return f"postgres://{config['USER']}{password}@{config['HOST']}:{config['PORT'] or 5432}/{config['NAME']}"


def run_worker(redis_url: str, settings_module: str = "meshaws_site.test_settings", **env: str):
    """A burst worker process, as `make run` starts one, on the test database and `redis_url`."""
    return subprocess.run(
        [sys.executable, "manage.py", "rqworker", "--burst", "--with-scheduler",
         "--worker-class", "rq.worker.SimpleWorker", "replication", "default"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": settings_module,
             "DATABASE_URL": database_url(), "REDIS_URL": redis_url, **env},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


# --- the sandbox emulator -----------------------------------------------------------------


def reset_sandbox(url: str) -> None:
    """Empty the emulator at `url`, as if it had just been started."""
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10):
        pass


def sandbox_record(state, **changes) -> dict:
    """The record of a platform on the bootstrapped sandbox `state`, with `changes` applied.

    The sandbox's own record (its credentials, roles and OU), with what the tests rely on:
    platform `aws`, two role mappings, `sbx-` aliases enforced, a second landing zone with a
    bootstrap template.
    """
    record = setup.platform_record(state)
    record.update(
        {
            "platform": "aws",
            "region": "eu-central-1",
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
            "accountAliasPattern": "sbx-<customer>-<project>",
            "enforceAccountAlias": True,
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
        }
    )
    record.update(changes)
    return record


def automation_credentials(state) -> aws.Credentials:
    """A session of the automation role, taken as meshaws takes it (the emulator checks trust)."""
    return aws.assume_role(
        credentials=aws.Credentials(state.access_key_id, state.secret_access_key),
        role_arn=state.automation_role_arn, external_id=state.automation_external_id,
        session_name="test", region="eu-central-1", endpoint_url=state.endpoint_url,
    )  # fmt: skip


def management(url, service):
    """A client of the sandbox's management account."""
    return aws.client(
        service, region="us-east-1", credentials=setup.MANAGEMENT_CREDENTIALS, endpoint_url=url
    )


def member(url, account_id, service, region="eu-central-1"):
    """A client of member account `account_id`, through the role CreateAccount made."""
    # The role CreateAccount made: the sandbox platform's accountAccessRole.
    credentials = aws.assume_role(
        credentials=setup.MANAGEMENT_CREDENTIALS, role_arn=f"arn:aws:iam::{account_id}:role/{setup.ACCOUNT_ACCESS_ROLE}",
        session_name="test", region=region, endpoint_url=url,
    )  # fmt: skip
    return aws.client(service, region=region, credentials=credentials, endpoint_url=url)


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


# --- replication runs ---------------------------------------------------------------------

WRITE_PREFIXES = ("Create", "Update", "Delete", "Put", "Attach", "Detach", "Tag", "Untag", "Move")


class Scheduler:
    """Collects what the engine asks to schedule, instead of queueing it in Redis."""

    def __init__(self):
        self.requests = []

    def __call__(self, run, delay):
        self.requests.append((run.pk, delay))


def run_to_end(run_id, max_attempts=30):
    """Execute a run until it is no longer waiting (each waiting attempt runs at once)."""
    scheduler = Scheduler()
    for _ in range(max_attempts):
        status = engine.execute(run_id, schedule=scheduler)
        if status != ReplicationRun.Status.WAITING:
            return status, scheduler
    raise AssertionError("the run kept waiting")


# --- docs/aws-setup.md's policies ---------------------------------------------------------

GUIDE = Path(settings.BASE_DIR) / "docs" / "aws-setup.md"
POLICY_MARKER = re.compile(
    r"^<!-- policy: (?P<name>[a-z-]+) -->\n```json\n(?P<body>.*?)^```$", re.M | re.S
)


def guide_policies(**values: str) -> dict[str, dict]:
    """Every named policy of the guide, parsed, with the `${name}` placeholders given filled."""
    text = GUIDE.read_text()
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    return {match["name"]: json.loads(match["body"]) for match in POLICY_MARKER.finditer(text)}


def as_list(value) -> list:
    """A policy element that may be one value or a list, as a list."""
    return value if isinstance(value, list) else [value]


# --- rows ---------------------------------------------------------------------------------

WRITABLE_MODELS = (
    Location, PlatformInstance, LandingZone, RoleMapping, Customer, Project, Binding,
    ProjectAccount, ReplicationRun, AuditEvent,
)  # fmt: skip


def row_counts() -> dict[str, int]:
    """The number of rows of every model a request or an import can write."""
    return {model.__name__: model.objects.count() for model in WRITABLE_MODELS}


# The platform form as posted from the browser (tests/platforms).
FORM = {
    "location": "eu",
    "identifier": "aws-dev",
    "display_name": "Development",
    "region": "eu-central-1",
    "access_key": "AKIAFORMEXAMPLE00001",
    "secret_key": "form-secret-key-value-0001",
    "privileged_external_id": "6b1c0d6f-7e2a-4c8e-9f3a",
    "organization_root_account_role": "arn:aws:iam::123456789012:role/MeshfedServiceRole",
    "automation_account_role": "arn:aws:iam::210987654321:role/MeshfedAutomationRole",
    "provisioning": "mesh",
    "account_email_template": "aws+%s@example.com",
    "external_timeout_minutes": "60",
    "external_customer_tag_key": "ProductName",
    "external_project_tag_key": "Stage",
    "external_avm_timeout_minutes": "60",
    "account_alias_pattern": "acme-<customer>-<project>",
    "customer_identifier_length": "16",
    "project_identifier_length": "30",
    "account_creation_concurrency": "5",
}
MAPPINGS = [
    {"project_role": "admin", "role_name": "ProjectAdmin",
     "policy_arns": "arn:aws:iam::aws:policy/AdministratorAccess"},
    {"project_role": "reader", "role_name": "ProjectReader", "policy_arns": ""},
]  # fmt: skip
ZONES = [
    {
        "identifier": "default",
        "display_name": "Default",
        "target_organizational_unit": "ou-ab12-cdef3456",
    }
]


def post_data(fields=None, mappings=MAPPINGS, zones=ZONES, initial_mappings=0, initial_zones=0):
    """The platform form as the browser posts it: FORM with `fields`, and the two formsets."""
    data = {**FORM, **(fields or {})}
    for prefix, rows, initial in (("rm", mappings, initial_mappings), ("lz", zones, initial_zones)):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = str(initial)
        for index, row in enumerate(rows):
            for key, value in row.items():
                data[f"{prefix}-{index}-{key}"] = value
    return {key: value for key, value in data.items() if value is not None}


# --- Identity Center mode: a stored platform (aws-sso.eu), the sandbox's users and reads --

INSTANCE = "arn:aws:sso:::instance/ssoins-0123456789abcdef"
ADMIN_SET = "arn:aws:sso:::permissionSet/ssoins-0123456789abcdef/ps-00000000000admin"
BILLING_SET = "arn:aws:sso:::permissionSet/ssoins-0123456789abcdef/ps-000000000billing"
READER_SET = "arn:aws:sso:::permissionSet/ssoins-0123456789abcdef/ps-0000000000reader"
PORTAL = "https://d-1234567890.awsapps.com/start"
PATTERN = "mst-#{customerIdentifier}.#{projectIdentifier}-#{projectRoleIdentifier}"


def sso_record(example_record: dict, **identity_center) -> dict:
    """The example record as platform aws-sso in Identity Center mode: admin gets two
    permission sets, reader one, user none; the sandbox zone maps admin alone, to reader's."""
    record = {
        **example_record,
        "platform": "aws-sso",
        "identityProvider": None,
        "consoleSignInUrlTemplate": None,
        "accountAliasPattern": None,
        "meshProvisioning": {"accountEmailTemplate": "sso+%s@meshcloud.io"},
        "identityCenter": {
            "instanceArn": INSTANCE, "identityStoreId": "d-1234567890",
            "region": "eu-central-1", "roleArn": None, "externalId": None,
            "groupNamePattern": PATTERN, "signInUrl": PORTAL, **identity_center,
        },
        "roleMappings": [
            {"mapKey": "admin", "mapValue": {"permissionSetArns": [ADMIN_SET, BILLING_SET]}},
            {"mapKey": "reader", "mapValue": {"permissionSetArns": [READER_SET]}},
        ],
    }  # fmt: skip
    zones = [dict(zone) for zone in record["landingZones"]]
    zones[1]["roleMappings"] = [
        {"mapKey": "admin", "mapValue": {"permissionSetArns": [READER_SET]}}
    ]
    record["landingZones"] = zones
    return record


def identity_center_platform(location, example_record: dict, **identity_center):
    """aws-sso.eu, stored from `sso_record`."""
    record = parse_record(sso_record(example_record, **identity_center))
    return platform_apply(location=location, record=record, actor=None).platform


ADA, GRACE, LINUS = "ada@sandbox.io", "grace@sandbox.io", "linus@sandbox.io"
REGION = "eu-central-1"


def role(identifier: str) -> ProjectRole:
    """The project role `identifier` (admin, user, reader)."""
    return ProjectRole.objects.get(identifier=identifier)


def change_platform(platform, **changes):
    """Apply the platform's record with `changes` to its top-level keys."""
    record = record_of(platform).as_dict()
    record.update(changes)
    return platform_apply(
        location=platform.location, record=parse_record(record, stored=record_of(platform)),
        actor=None,
    ).platform  # fmt: skip


def clients(state):
    """The identitystore and sso-admin clients of the sandbox's management account."""
    return tuple(
        aws.client(
            service,
            region=REGION,
            credentials=setup.MANAGEMENT_CREDENTIALS,
            endpoint_url=state.endpoint_url,
        )  # fmt: skip
        for service in ("identitystore", "sso-admin")
    )


def groups(state) -> dict[str, str]:
    """The identity store's groups: name -> id."""
    store, _ = clients(state)
    listed = aws.paginate(store, "list_groups", "Groups", IdentityStoreId=state.identity_store_id)
    return {group["DisplayName"]: group["GroupId"] for group in listed}


def members(state, group_name: str) -> list[str]:
    """The user names of a group's members, sorted (a user twice would show twice)."""
    store, _ = clients(state)
    names = {user_id: name for name, user_id in state.users.items()}
    listed = aws.paginate(
        store, "list_group_memberships", "GroupMemberships",
        IdentityStoreId=state.identity_store_id, GroupId=groups(state)[group_name],
    )  # fmt: skip
    return sorted(names.get(m["MemberId"]["UserId"], m["MemberId"]["UserId"]) for m in listed)


def assignments(state, account_id: str) -> list[tuple[str, str]]:
    """(group name, permission set name) of every group assignment on the account, sorted."""
    _, sso = clients(state)
    names = {group_id: name for name, group_id in groups(state).items()}
    found = []
    for set_name, arn in state.permission_set_arns.items():
        for assignment in aws.paginate(
            sso, "list_account_assignments", "AccountAssignments",
            InstanceArn=state.instance_arn, AccountId=account_id, PermissionSetArn=arn,
        ):  # fmt: skip
            if assignment["PrincipalType"] == "GROUP":
                found.append((names.get(assignment["PrincipalId"], "?"), set_name))
    return sorted(found)


def add_member(state, group_name: str, user_name: str) -> None:
    """Make a user a member of a group, as someone outside meshaws would."""
    store, _ = clients(state)
    aws.call(
        store, "create_group_membership", IdentityStoreId=state.identity_store_id,
        GroupId=groups(state)[group_name], MemberId={"UserId": state.users[user_name]},
    )  # fmt: skip


def calls(run, *steps: str) -> list[str]:
    """The operations the run's steps (all, or these) recorded, in order."""
    return [
        call["operation"]
        for step in run.steps.order_by("attempt", "position")
        if not steps or step.name in steps
        for call in step.aws_calls
    ]


def step(run, name: str):
    """The run's step `name` in its last attempt."""
    return run.steps.filter(name=name).order_by("-attempt").first()


class Crash(Exception):
    """Not an AWS error: a worker dying, a bug."""


@contextmanager
def crash_after_call(monkeypatch, position: int):
    """Raise Crash right after the `position`-th AWS call made inside (the call went out)."""
    original = aws.capture.capture_call
    made = 0

    def crash_at(call):
        nonlocal made
        original(call)
        made += 1
        if made == position:
            raise Crash(f"after call {position}: {call.operation}")

    monkeypatch.setattr(aws.capture, "capture_call", crash_at)
    try:
        yield
    finally:
        monkeypatch.setattr(aws.capture, "capture_call", original)


def edit_data(client, edit_url="/platforms/eu/aws-prod/edit/", **changes):
    """The platform's edit form as the browser would post it, with `changes` applied."""
    page = client.get(edit_url)
    editor = page.context["editor"]
    data = {name: ("" if value is None else value) for name, value in editor.form.initial.items()}
    for name in ("wait_for_external_avm", "enforce_account_alias"):
        if not data.get(name):
            data.pop(name, None)
    data.update(changes)
    for prefix, formset in (("rm", editor.role_mappings), ("lz", editor.landing_zones)):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(formset.initial))
        data[f"{prefix}-INITIAL_FORMS"] = str(len(formset.initial))
        for index, row in enumerate(formset.initial):
            for key, value in row.items():
                if value not in (None, False):
                    data[f"{prefix}-{index}-{key}"] = value
    return data


# --- IAM policies of docs/aws-setup.md, as AWS evaluates them (the parts the tests use) --


def action_pattern(action: str) -> re.Pattern:
    """An IAM action with `*` and `?` wildcards as a case-insensitive regular expression."""
    translated = re.escape(action).replace(r"\*", ".*").replace(r"\?", ".")
    return re.compile(translated, re.I)


def like(pattern: str) -> re.Pattern:
    """An IAM StringLike value (`*` and `?` wildcards, case-sensitive) as a regular expression."""
    return re.compile(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."))


def admits_tag_keys(statement: dict, tag_keys) -> bool:
    """Whether the statement's `ForAllValues:StringLike` on `aws:TagKeys`, if any, admits them.

    The only condition the guide uses to limit what meshaws asks for (the external id and
    policy ARN conditions limit what it sends, which other tests check).
    """
    limit = statement.get("Condition", {}).get("ForAllValues:StringLike", {}).get("aws:TagKeys")
    if limit is None:
        return True
    return all(any(like(p).fullmatch(key) for p in as_list(limit)) for key in tag_keys)


def allows(policy: dict, action: str, tag_keys=()) -> bool:
    """Whether an Allow statement of `policy` names `action` and admits the request's tag keys."""
    return any(
        action_pattern(pattern).fullmatch(action) and admits_tag_keys(statement, tag_keys)
        for statement in as_list(policy["Statement"])
        if statement["Effect"] == "Allow"
        for pattern in as_list(statement.get("Action", []))
    )


def authorized(policy: dict, action: str, resources) -> bool:
    """Whether `policy` allows `action` on every one of `resources` and denies it on none.

    An action with several resource types (an account assignment: instance, permission set,
    account) is authorized against each of them.
    """

    def matching(effect: str, resource: str) -> bool:
        return any(
            action_pattern(pattern).fullmatch(action)
            and any(like(arn).fullmatch(resource) for arn in as_list(statement["Resource"]))
            for statement in as_list(policy["Statement"])
            if statement["Effect"] == effect
            for pattern in as_list(statement.get("Action", []))
        )

    return all(matching("Allow", r) and not matching("Deny", r) for r in resources)


# What an operator puts in the guide's placeholders: the policies are linted as IAM gets them.
EXAMPLE_VALUES = {
    "meshcloudAccountId": "111111111111",
    "managementAccountId": "222222222222",
    "automationAccountId": "333333333333",
    "organizationRootAccountExternalId": "org-external-id",
    "automationAccountExternalId": "automation-external-id",
    "privilegedExternalId": "3f2c7a0e-8b1d-4c55-9e0a-2b6f4d1c9a77",
    "samlProviderName": "meshaws-idp",
    "mappedRoleName": "ProjectAdmin",
    "mappedPolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "tagPrefix": "meshaws:",
    "stackSetName": "landing-zone-baseline",
    "identityCenterAccountId": "444444444444",
    "identityCenterInstanceId": "ssoins-0123456789abcdef",
    "identityStoreId": "d-1234567890",
    "identityCenterExternalId": "identity-center-external-id",
    "mappedPermissionSetArn": "arn:aws:sso:::permissionSet/ssoins-0123456789abcdef/ps-0123456789abcdef",
}


# --- The emulator as a plain boto3 client sees it --

NO_RETRY = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"})


def emulator_client(url, service, credentials=setup.MANAGEMENT_CREDENTIALS, region="us-east-1"):
    """A boto3 client of `url` (the management account's root by default), never retrying."""
    return boto3.client(
        service, region_name=region, endpoint_url=url, config=NO_RETRY,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
    )  # fmt: skip


def refusal(call, *args, **kwargs) -> dict | None:
    """What AWS answered to `call(…)`: status, code, message and reason; None when it succeeded."""
    try:
        call(*args, **kwargs)
    except botocore.exceptions.ClientError as error:
        return {
            "status": error.response["ResponseMetadata"]["HTTPStatusCode"],
            "code": error.response["Error"]["Code"],
            "message": error.response["Error"]["Message"],
            "reason": error.response.get("Reason"),
        }
    return None


# --- Retirement: what the organization holds for an account -------------------------------


def retired_ou(state) -> str:
    """A new OU `retired` under the sandbox organization's root, as an operator makes one."""
    org = management(state.endpoint_url, "organizations")
    root = aws.call(org, "list_roots")["Roots"][0]["Id"]
    return aws.call(org, "create_organizational_unit", ParentId=root, Name="retired")[
        "OrganizationalUnit"
    ]["Id"]


def organization_view(url, account_id: str) -> dict:
    """An account as the management account sees it: State, parent, tags (its DescribeAccount
    counts as a read of a closure in progress, in the strict emulator)."""
    org = management(url, "organizations")
    return {
        "state": aws.call(org, "describe_account", AccountId=account_id)["Account"]["State"],
        "parent": aws.call(org, "list_parents", ChildId=account_id)["Parents"][0]["Id"],
        "tags": {
            t["Key"]: t["Value"]
            for t in aws.call(org, "list_tags_for_resource", ResourceId=account_id)["Tags"]
        },
    }


def adoptable_account(state, name: str) -> str:
    """An account made in the sandbox's organization without meshaws, with the access role the
    sandbox platform assumes (so that, adopted, it replicates to the end)."""
    return account_made_outside(
        state.endpoint_url, f"{name}@example.com", name, RoleName=state.account_access_role
    )


def closed_account(state, name: str) -> tuple[str, str]:
    """An adoptable account, closed and past PENDING_CLOSURE: its id and its State."""
    account_id = adoptable_account(state, name)
    org = management(state.endpoint_url, "organizations")
    aws.call(org, "close_account", AccountId=account_id)
    for _ in range(10):
        found = aws.call(org, "describe_account", AccountId=account_id)["Account"]["State"]
        if found != "PENDING_CLOSURE":
            return account_id, found
    raise AssertionError("the account stayed PENDING_CLOSURE")


def retire(account, requester, approver):
    """Request and approve the account's retirement; the account's run in progress."""
    deletion_request(account=account, comment="the project is over", actor=requester)
    deletion_approve(account=account, comment="agreed", actor=approver)
    return account.runs.get(status__in=ReplicationRun.ACTIVE)


def platform_url(name: str, platform) -> str:
    """The URL named `name` of a platform's page (location and platform in its path)."""
    return reverse(
        name, kwargs={"location": platform.location.identifier, "platform": platform.identifier}
    )


def nothing_adopted() -> None:
    """No project account, run or adoption audit event exists: a refused adoption left none."""
    assert not ProjectAccount.objects.exists()
    assert not ReplicationRun.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["project_account.create", "platform.adopt"])


def csv_upload(data: str | bytes, name: str = "accounts.csv") -> dict:
    """POST data with `data` as the uploaded CSV file `file`."""
    data = data.encode() if isinstance(data, str) else data
    return {"file": SimpleUploadedFile(name, data, content_type="text/csv")}
