"""Keyless credentials: no meshfedServiceUser means web identity or boto3's default chain.

The record, export, form and API carry the three modes; replication and the connection check
get their credentials from the right source, against the sandbox emulator.
"""

import base64
import json

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

import aws
from platforms import config_io, services
from platforms.config_io import RecordInvalid, parse_record
from platforms.connection import ASSUME_MANAGEMENT, CREDENTIALS, check_platform
from platforms.models import PlatformInstance
from sandbox import setup
from tests.helpers import post_data, run_to_end, sandbox_record

TOKEN_FILE = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"
WEB_IDENTITY = {"roleArn": "arn:aws:iam::210987654321:role/meshaws", "tokenFile": TOKEN_FILE}
ISSUER = "oidc.eks.eu-central-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"


def _segment(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def jwt(subject: str = "system:serviceaccount:meshaws:meshaws") -> str:
    """An OIDC token as a pod's projected service account token looks (unsigned here)."""
    header = _segment({"alg": "RS256", "typ": "JWT", "kid": "test"})
    claims = _segment({"iss": f"https://{ISSUER}", "sub": subject, "aud": ["sts.amazonaws.com"]})
    return f"{header}.{claims}.c2lnbmF0dXJl"


# --- the record --------------------------------------------------------------------------------


def test_it_reads_and_exports_the_default_chain(example_record):
    example_record["meshfedServiceUser"] = None
    record = parse_record(example_record)
    assert not record.access_keys and record.access_key.value is None
    assert record.credential_source == "the default credential chain"
    exported = record.as_dict()
    assert exported["meshfedServiceUser"] is None and exported["webIdentity"] is None
    assert parse_record(exported, stored=record) == record


def test_it_reads_and_exports_web_identity(example_record):
    del example_record["meshfedServiceUser"]
    example_record["webIdentity"] = WEB_IDENTITY
    record = parse_record(example_record)
    assert (record.web_identity_role_arn, record.web_identity_token_file) == (
        WEB_IDENTITY["roleArn"], TOKEN_FILE,
    )  # fmt: skip
    exported = record.as_dict()
    assert exported["webIdentity"] == WEB_IDENTITY and exported["meshfedServiceUser"] is None
    assert parse_record(exported, stored=record) == record


def test_keys_and_web_identity_are_mutually_exclusive(example_record):
    example_record["webIdentity"] = WEB_IDENTITY
    with pytest.raises(RecordInvalid) as invalid:
        parse_record(example_record)
    [message] = invalid.value.errors["webIdentity"]
    assert "meshfedServiceUser" in message and "not both" in message


@pytest.mark.parametrize(
    ("web_identity", "path", "words"),
    [
        ({"roleArn": "arn:aws:iam::1234:role/x", "tokenFile": TOKEN_FILE},
         "webIdentity.roleArn", "12 digits"),
        ({"roleArn": WEB_IDENTITY["roleArn"], "tokenFile": "token"},
         "webIdentity.tokenFile", "absolute path"),
        ({"roleArn": WEB_IDENTITY["roleArn"]}, "webIdentity.tokenFile", "is required"),
        ({**WEB_IDENTITY, "audience": "sts"}, "webIdentity.audience", "unknown key"),
    ],
)  # fmt: skip
def test_it_names_what_is_wrong_in_web_identity(example_record, web_identity, path, words):
    example_record["meshfedServiceUser"] = None
    example_record["webIdentity"] = web_identity
    with pytest.raises(RecordInvalid) as invalid:
        parse_record(example_record)
    assert words in " ".join(invalid.value.errors[path])


@pytest.mark.parametrize(
    "endpoint",
    ["https://collector.example.net", "http://10.0.0.5:5000", "https://sts.amazonaws.com.evil.io"],
)
def test_web_identity_refuses_an_endpoint_its_token_must_not_reach(example_record, endpoint):
    # The token is the server's own: no one can prove they may send it elsewhere by retyping it.
    example_record["meshfedServiceUser"] = None
    example_record["webIdentity"] = WEB_IDENTITY
    example_record["endpointUrl"] = endpoint
    with pytest.raises(RecordInvalid) as invalid:
        parse_record(example_record)
    [message] = invalid.value.errors["endpointUrl"]
    assert "web identity token would be sent there" in message


@pytest.mark.parametrize(
    "endpoint",
    ["http://127.0.0.1:5010", "http://localhost:4566", "https://sts.eu-central-1.amazonaws.com"],
)
def test_web_identity_takes_aws_or_a_local_emulator_as_endpoint(example_record, endpoint):
    example_record["meshfedServiceUser"] = None
    example_record["webIdentity"] = WEB_IDENTITY
    example_record["endpointUrl"] = endpoint
    assert parse_record(example_record).endpoint_url == endpoint


def test_going_keyless_removes_the_stored_keys(platform, location, example_record):
    example_record["meshfedServiceUser"] = None
    stored = config_io.record_of(platform)
    services.platform_apply(
        location=location, record=parse_record(example_record, stored=stored), actor=None
    )
    platform.refresh_from_db()
    assert platform.access_key_ciphertext == platform.secret_key_ciphertext == ""
    assert platform.access_key_fingerprint == ""
    assert platform.privileged_external_id_ciphertext  # the other secrets stay


# --- the form, the API, import and export --------------------------------------------------------


@pytest.fixture
def europe(location):
    return location


def test_the_form_creates_a_web_identity_platform(client, alice, europe):
    client.force_login(alice)
    data = post_data(
        {"identifier": "aws-dev", "credential_source": "web_identity", "access_key": "",
         "secret_key": "", "web_identity_role_arn": WEB_IDENTITY["roleArn"],
         "web_identity_token_file": TOKEN_FILE}
    )  # fmt: skip
    response = client.post("/platforms/new/", data)
    assert response.status_code == 302, (
        response.context and response.context["editor"].error_summary
    )
    platform = PlatformInstance.objects.get(identifier="aws-dev")
    assert platform.web_identity_role_arn == WEB_IDENTITY["roleArn"]
    assert platform.access_key_ciphertext == ""
    page = client.get("/platforms/eu/aws-dev/").content.decode()
    assert f"web identity ({WEB_IDENTITY['roleArn']})" in page
    edit = client.get("/platforms/eu/aws-dev/edit/").context["editor"].form
    assert edit.initial["credential_source"] == "web_identity"


def test_the_form_creates_a_default_chain_platform_ignoring_typed_keys(client, alice, europe):
    client.force_login(alice)
    response = client.post(
        "/platforms/new/",
        post_data({"identifier": "aws-dev", "credential_source": "default_chain"}),
    )
    assert response.status_code == 302, (
        response.context and response.context["editor"].error_summary
    )
    platform = PlatformInstance.objects.get(identifier="aws-dev")
    assert (platform.access_key_ciphertext, platform.web_identity_role_arn) == ("", "")
    assert "the default credential chain" in client.get("/platforms/eu/aws-dev/").content.decode()


def test_the_form_puts_web_identity_errors_on_their_fields(client, alice, europe):
    client.force_login(alice)
    data = post_data(
        {"identifier": "aws-dev", "credential_source": "web_identity",
         "web_identity_role_arn": "", "web_identity_token_file": "relative/token"}
    )  # fmt: skip
    response = client.post("/platforms/new/", data)
    assert response.status_code == 400
    errors = response.context["editor"].form.errors
    assert errors["web_identity_role_arn"] == ["is required"]
    assert "absolute path" in errors["web_identity_token_file"][0]


@pytest.fixture
def operator_api(alice):
    client = APIClient()
    client.force_authenticate(user=alice)
    return client


def test_the_api_takes_and_shows_web_identity(operator_api, location, example_record):
    example_record["meshfedServiceUser"] = None
    example_record["webIdentity"] = WEB_IDENTITY
    response = operator_api.post(
        "/api/v1/platforms/", {"location": "eu", "config": example_record}, format="json"
    )
    assert response.status_code == 201, response.data
    config = operator_api.get("/api/v1/platforms/aws-prod.eu/").data["config"]
    assert config["webIdentity"] == WEB_IDENTITY and config["meshfedServiceUser"] is None


def test_the_api_refuses_keys_and_web_identity_together(operator_api, location, example_record):
    example_record["webIdentity"] = WEB_IDENTITY
    response = operator_api.post(
        "/api/v1/platforms/", {"location": "eu", "config": example_record}, format="json"
    )
    assert response.status_code == 400
    assert "not both" in response.data["config"]["webIdentity"][0]


def test_a_keyless_platform_exports_and_imports_back(location, example_record, tmp_path, capsys):
    example_record["meshfedServiceUser"] = None
    example_record["webIdentity"] = WEB_IDENTITY
    source = tmp_path / "aws-prod.json"
    source.write_text(json.dumps(example_record))
    call_command("import_platform", str(source), "--location", "eu")
    call_command("export_platform", "aws-prod.eu", "--output", str(tmp_path / "out.json"))
    exported = json.loads((tmp_path / "out.json").read_text())
    assert exported["webIdentity"] == WEB_IDENTITY and exported["meshfedServiceUser"] is None
    call_command("import_platform", str(tmp_path / "out.json"), "--location", "eu")
    assert "aws-prod.eu unchanged" in capsys.readouterr().out


# --- replication and the connection check against the sandbox ------------------------------------

sandbox = pytest.mark.sandbox


def keyless_platform(state, **changes):
    from platforms.services import location_create

    local = location_create(identifier="local", display_name="Sandbox", actor=None)
    record = sandbox_record(state, meshfedServiceUser=None, **changes)
    return services.platform_apply(location=local, record=parse_record(record), actor=None).platform


@pytest.fixture
def without_ambient_credentials(monkeypatch, tmp_path):
    """No credentials anywhere boto3's chain looks, unless a test sets some."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ):
        monkeypatch.delenv(name, raising=False)  # fmt: skip
    empty = tmp_path / "empty-aws-config"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    aws.forget_credentials()
    yield
    aws.forget_credentials()


@pytest.fixture
def default_chain_platform(db, sandbox_state, without_ambient_credentials, monkeypatch):
    """A platform without keys, on a server whose environment holds the service user's keys."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", sandbox_state.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", sandbox_state.secret_access_key)
    return keyless_platform(sandbox_state)


@sandbox
def test_the_connection_check_uses_the_default_chain(default_chain_platform, sandbox_state):
    checks = {check.name: check for check in check_platform(default_chain_platform)}
    assert [check for check in checks.values() if not check.passed] == []
    assert checks[CREDENTIALS].detail == (
        "using the default credential chain (found by boto3: env)"
    )
    assert sandbox_state.secret_access_key not in repr(list(checks.values()))


@sandbox
def test_replication_runs_with_the_default_chain(
    default_chain_platform,
    sandbox_state,
    project,
    monkeypatch,
):
    from accounts.services import project_account_create

    assumed_with = []
    real = aws.assumed_role

    def assumed_role(*, credentials, **kwargs):
        assumed_with.append(credentials.access_key_id)
        return real(credentials=credentials, **kwargs)

    monkeypatch.setattr(aws, "assumed_role", assumed_role)
    account = project_account_create(project=project, platform=default_chain_platform, actor=None)
    status, _ = run_to_end(account.runs.get().pk)
    assert status == "succeeded"
    # The management role was assumed with the key from the environment; none is stored.
    assert assumed_with[0] == sandbox_state.access_key_id


@sandbox
def test_the_connection_check_says_when_the_chain_finds_nothing(
    db,
    sandbox_state,
    without_ambient_credentials,
):
    checks = check_platform(keyless_platform(sandbox_state))
    assert not checks[0].passed and checks[0].name == CREDENTIALS
    assert checks[0].aws_error_code == "NoCredentials"
    assert "default chain" in checks[0].fix
    assert checks[1].name == ASSUME_MANAGEMENT and checks[1].detail.startswith("skipped")


# --- web identity against the sandbox -----------------------------------------------------------


@pytest.fixture
def web_identity_role(sandbox_state):
    """The role meshaws assumes with its token: it trusts the cluster's OIDC provider, and the
    management and automation roles trust it (as docs/aws-setup.md sets them up)."""
    url, region = sandbox_state.endpoint_url, "eu-central-1"

    def iam_in(account_id):
        if account_id == setup.MANAGEMENT_ACCOUNT_ID:
            credentials = setup.MANAGEMENT_CREDENTIALS
        else:
            credentials = aws.assume_role(
                credentials=setup.MANAGEMENT_CREDENTIALS, session_name="test", region=region,
                role_arn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
                endpoint_url=url,
            )  # fmt: skip
        return aws.client("iam", region=region, credentials=credentials, endpoint_url=url)

    meshcloud = iam_in(sandbox_state.meshcloud_account_id)
    provider = aws.call(
        meshcloud, "create_open_id_connect_provider", Url=f"https://{ISSUER}",
        ClientIDList=["sts.amazonaws.com"], ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"],
    )["OpenIDConnectProviderArn"]  # fmt: skip
    oidc_trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": provider},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com",
                                       f"{ISSUER}:sub": "system:serviceaccount:meshaws:meshaws"}},
    }]}  # fmt: skip
    role_arn = aws.call(
        meshcloud,
        "create_role",
        RoleName="meshaws",
        AssumeRolePolicyDocument=json.dumps(oidc_trust),
    )["Role"]["Arn"]
    # Across accounts the caller's own policy must allow the AssumeRole too.
    may_assume = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Resource": [sandbox_state.service_role_arn, sandbox_state.automation_role_arn],
    }]}  # fmt: skip
    aws.call(
        meshcloud, "put_role_policy", RoleName="meshaws", PolicyName="assume-meshaws-roles",
        PolicyDocument=json.dumps(may_assume),
    )  # fmt: skip
    trusting_both = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": [sandbox_state.service_user_arn, role_arn]},
        "Action": "sts:AssumeRole",
    }]}  # fmt: skip
    for account_id, role in (
        (sandbox_state.management_account_id, sandbox_state.service_role_arn),
        (sandbox_state.automation_account_id, sandbox_state.automation_role_arn),
    ):
        aws.call(
            iam_in(account_id), "update_assume_role_policy", RoleName=role.rsplit("/", 1)[1],
            PolicyDocument=json.dumps(trusting_both),
        )  # fmt: skip
    return role_arn


@pytest.fixture
def token_file(tmp_path):
    path = tmp_path / "token"
    path.write_text(jwt() + "\n")
    return path


@pytest.fixture
def sent_to_sts():
    """The parameters of every AssumeRoleWithWebIdentity request botocore builds."""
    sent = []
    event = "provide-client-params.sts.AssumeRoleWithWebIdentity"

    def capture(params, **kwargs):
        sent.append(dict(params))

    events = aws.shared_session().events
    events.register(event, capture)
    aws.forget_credentials()  # clients are built anew, with the handler
    yield sent
    events.unregister(event, capture)
    aws.forget_credentials()


@pytest.fixture
def web_identity_platform(db, sandbox_state, web_identity_role, token_file):
    return keyless_platform(
        sandbox_state, webIdentity={"roleArn": web_identity_role, "tokenFile": str(token_file)}
    )


@sandbox
def test_the_connection_check_assumes_the_web_identity_role_with_the_token(
    web_identity_platform, web_identity_role, token_file, sent_to_sts
):
    with aws.capturing() as calls:
        checks = {check.name: check for check in check_platform(web_identity_platform)}
    assert [check for check in checks.values() if not check.passed] == []
    assert checks[CREDENTIALS].detail == (
        f"using web identity: {web_identity_role} with the token in {token_file}"
    )
    assert sent_to_sts == [
        {"RoleArn": web_identity_role, "RoleSessionName": "meshaws", "WebIdentityToken": jwt()}
    ]
    assert calls[0].operation == "AssumeRoleWithWebIdentity" and calls[0].error_code == ""


@sandbox
def test_replication_runs_with_web_identity(
    web_identity_platform,
    project,
    sent_to_sts,
):
    from accounts.services import project_account_create

    account = project_account_create(project=project, platform=web_identity_platform, actor=None)
    status, _ = run_to_end(account.runs.get().pk)
    assert status == "succeeded"
    assert sent_to_sts and {sent["WebIdentityToken"] for sent in sent_to_sts} == {jwt()}


@sandbox
def test_web_identity_credentials_are_reused_then_refreshed_with_the_token_read_anew(
    sandbox_state,
    web_identity_role,
    token_file,
    sent_to_sts,
    monkeypatch,
):
    from datetime import timedelta

    assume = dict(
        role_arn=web_identity_role, token_file=str(token_file), session_name="meshaws",
        region="eu-central-1", endpoint_url=sandbox_state.endpoint_url,
    )  # fmt: skip
    first = aws.web_identity_credentials(**assume)
    assert aws.web_identity_credentials(**assume) == first
    assert len(sent_to_sts) == 1

    token_file.write_text(jwt("system:serviceaccount:meshaws:rotated"))
    # The emulator's credentials last an hour: with this margin they are due for refresh.
    monkeypatch.setattr(aws.roles, "CREDENTIALS_REFRESH_MARGIN", timedelta(hours=2))
    second = aws.web_identity_credentials(**assume)
    assert second.access_key_id != first.access_key_id
    assert sent_to_sts[-1]["WebIdentityToken"] == jwt("system:serviceaccount:meshaws:rotated")


@sandbox
@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("DJANGO_SECRET_KEY=do-not-leak-me\n", "does not hold a web identity token"),
        ("do-not-leak-me.do-not-leak-me.do-not-leak-me", "does not hold a web identity token"),
        (None, "cannot be read (No such file or directory)"),
    ],
)
def test_a_token_file_without_a_token_is_refused_before_anything_is_sent(
    db,
    sandbox_state,
    tmp_path,
    sent_to_sts,
    content,
    why,
):
    path = tmp_path / "not-a-token"
    if content is not None:
        path.write_text(content)
    platform = keyless_platform(
        sandbox_state,
        webIdentity={"roleArn": "arn:aws:iam::210987654321:role/meshaws", "tokenFile": str(path)},
    )
    with aws.capturing() as calls:
        checks = check_platform(platform)
    assert checks[0].name == CREDENTIALS and not checks[0].passed
    assert checks[0].aws_error_code == "InvalidWebIdentityTokenFile"
    assert why in checks[0].detail and "webIdentity.tokenFile" in checks[0].fix
    assert "do-not-leak-me" not in repr(checks)
    assert sent_to_sts == [] and calls == []
