"""A Dhall platform file is self-contained: every import is refused before anything is read."""

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from audit.models import AuditEvent
from platforms import config_io
from platforms.config_io import RecordFileError, parse_record
from platforms.models import PlatformInstance
from tests.helpers import DATA

ENV_NAME = "MESHAWS_DHALL_CANARY"
ENV_VALUE = "dhall-canary-env-5f0c2a"
FILE_VALUE = "dhall-canary-file-9b7e1d"
HTTP_VALUE = "dhall-canary-http-3d8a41"
CANARIES = (ENV_VALUE, FILE_VALUE, HTTP_VALUE)
HASH = "sha256:" + "0" * 64

# The import sits on line 3, as organizationRootAccountExternalId: read, it would be stored.
PLATFORM = """\
-- A platform file whose external id is imported.
let externalId =
      {expression}

in  {{ platform = "aws-prod"
    , region = "eu-central-1"
    , meshfedServiceUser =
      {{ accessKey = "AKIAPAGEEXAMPLE00001", secretKey = "page-example-secret-key-value-0001" }}
    , organizationRootAccountRole = "arn:aws:iam::123456789012:role/MeshfedServiceRole"
    , organizationRootAccountExternalId = externalId
    , automationAccountRole = "arn:aws:iam::210987654321:role/MeshfedAutomationRole"
    , waitForExternalAvm = False
    , roleMappings = [ {{ mapKey = "admin", mapValue = {{ roleName = "meshProjectAdminRole" }} }} ]
    , meshProvisioning = {{ accountEmailTemplate = "aws+%s@meshcloud.io" }}
    }}
"""

# Each import form: the expression ({url} is the listener, {tmp} the folder of the canary file,
# canary.txt) and the forms the refusal names.
FORMS = {
    "env": (f"env:{ENV_NAME} as Text", "env:, as Text"),
    "env-quoted": (f'env:"{ENV_NAME}" as Text', "env:, as Text"),
    "relative": ("./canary.txt as Text", "./, as Text"),
    "parent": ("../canary.txt as Text", "../, as Text"),
    "absolute": ("{tmp}/canary.txt as Text", "/, as Text"),
    "home": ("~/canary.txt as Text", "~/, as Text"),
    "http": ("{url}/canary as Text", "http://, as Text"),
    "https": ("{secure_url}/canary as Text", "https://, as Text"),
    "missing": ('missing ? "fallback-external-id"', "missing"),
    "as-location": ("./canary.txt as Location", "./, as Location"),
    "as-bytes": ("./canary.txt as Bytes", "./, as Bytes"),
    "using": (
        '{url}/canary using (toMap {{ Authorization = "Bearer x" }}) as Text',
        "http://, using, as Text",
    ),
    "sha256": (f"env:{ENV_NAME} {HASH} as Text", "env:, sha256:, as Text"),
    "hidden-in-parentheses": (f'(#!"\nenv:{ENV_NAME} as Text) -- "', "env:, as Text"),
}


def refusal(forms: str, line: int = 3) -> str:
    """The refusal of a file whose first import is on `line`."""
    return (
        f"line {line}: Dhall imports are not allowed ({forms}); a platform file must be "
        "self-contained"
    )


class _Recorder(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the name http.server calls
        body = HTTP_VALUE.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _Listener(ThreadingHTTPServer):
    """A loopback HTTP server that records every connection, even one it cannot understand."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Recorder)
        self.connections = []

    def verify_request(self, request, client_address):
        self.connections.append(client_address)
        return True


@pytest.fixture
def listener():
    """A listener that must never be asked for anything."""
    server = _Listener()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def canaries(tmp_path, monkeypatch, caplog):
    """The canaries in the environment and in files; HOME and the working folder beside them."""
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv(ENV_NAME, ENV_VALUE)
    (tmp_path / "canary.txt").write_text(FILE_VALUE)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    # ./canary.txt must be found too: the working folder holds a copy.
    (tmp_path / "work" / "canary.txt").write_text(FILE_VALUE)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def platform_file(case: str, listener, tmp) -> tuple[str, str]:
    """The platform file that imports in the form `case`, and its expected refusal."""
    expression, forms = FORMS[case]
    host, port = listener.server_address
    expression = expression.format(
        url=f"http://{host}:{port}", secure_url=f"https://{host}:{port}", tmp=tmp
    )
    line = 4 if case == "hidden-in-parentheses" else 3
    return PLATFORM.format(expression=expression), refusal(forms, line)


def assert_nothing_read(listener, *outputs: str, caplog) -> None:
    """No request, no canary in the outputs, audit log or logs, and nothing stored."""
    assert listener.connections == [], "the listener was asked for an import"
    audit = json.dumps(list(AuditEvent.objects.values()), default=str)
    for canary in CANARIES:
        for where, text in (*enumerate(outputs), ("audit log", audit), ("logs", caplog.text)):
            assert canary not in text, f"a canary appears in {where}"
    assert not PlatformInstance.objects.exists()


@pytest.mark.parametrize("case", FORMS)
def test_it_refuses_every_import_form_on_the_page(
    case, client, alice, location, listener, canaries, caplog
):
    text, expected = platform_file(case, listener, canaries)
    client.force_login(alice)
    events = AuditEvent.objects.count()
    upload = SimpleUploadedFile("platform.dhall", text.encode())
    response = client.post("/platforms/import/", {"file": upload, "location": "eu"})
    page = response.content.decode()
    assert_nothing_read(listener, page, caplog=caplog)
    assert response.status_code == 400 and expected in page
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("case", FORMS)
def test_it_refuses_every_import_form_in_import_platform(
    case, location, listener, canaries, capsys, caplog
):
    text, expected = platform_file(case, listener, canaries)
    path = canaries / "platform.dhall"
    path.write_text(text)
    try:
        call_command("import_platform", str(path), "--location", "eu")
    except CommandError as error:
        refused = str(error)
    else:
        refused = "imported"
    output = capsys.readouterr()
    assert_nothing_read(listener, refused, output.out, output.err, caplog=caplog)
    assert expected in refused


@pytest.mark.parametrize(
    "config", [PLATFORM.format(expression=f"env:{ENV_NAME} as Text"), {"dhall": "env:X"}]
)
def test_it_never_evaluates_dhall_in_the_api(config, alice, location, listener, canaries, caplog):
    api = APIClient()
    api.force_authenticate(alice)
    response = api.post("/api/v1/platforms/", {"location": "eu", "config": config}, format="json")
    assert response.status_code == 400
    assert_nothing_read(listener, response.content.decode(), caplog=caplog)


@pytest.mark.parametrize(
    "text, line",
    [
        # Dhall reads an interpolation that does not parse as text: here, env: is code.
        (f'"${{ ) " ++ env:{ENV_NAME} as Text ++ "}}"', 1),
        (f'"${{{{- ${{ {{ a = {{ b = c-}} }} ++ env:{ENV_NAME} as Text }} "', 1),
        # An unclosed nested comment is a character: the outer one ends at its `-}`.
        ('"a" ++ {- x {-}missing )', 1),
        # A literal in an interpolation: the interpolation could be text that ends the literal.
        ('"${"env:HOME"}"', 1),
        ('{ a = "b" }\n"text', 2),
        ("{ a = ''\nnot closed }", 1),
        ('{ a = "b" }\n-- a form feed \x0c hides nothing', 2),
    ],
)
def test_it_refuses_what_dhall_could_read_otherwise(text, line, canaries, caplog):
    with pytest.raises(RecordFileError) as refused:
        config_io.load_record_text(text, filename="platform.dhall")
    message = str(refused.value)
    assert message.startswith(f"line {line}: ") and "cannot check the file for imports" in message
    assert ENV_VALUE not in message and ENV_VALUE not in caplog.text


@pytest.mark.parametrize(
    "text, found",
    [
        ('"x-${env:HOME as Text}"', refusal("env:, as Text", line=1)),
        ("''\n${\"a\" ++ env:HOME}''", refusal("env:", line=2)),
    ],
)
def test_it_scans_interpolations_as_code(text, found):
    with pytest.raises(RecordFileError) as refused:
        config_io.load_record_text(text, filename="platform.dhall")
    assert str(refused.value) == found


def test_it_accepts_imports_spelled_in_text_comments_and_labels(
    client, alice, location, page_record
):
    text = (DATA / "self-contained.dhall").read_text()
    assert parse_record(config_io.load_record_text(text, filename="x.dhall")) == parse_record(
        page_record
    )
    client.force_login(alice)
    upload = SimpleUploadedFile("self-contained.dhall", text.encode())
    response = client.post("/platforms/import/", {"file": upload, "location": "eu"})
    assert response.status_code == 302
    assert PlatformInstance.objects.get().account_alias_pattern == "meshcloud-<customer>-<project>"


@pytest.mark.parametrize(
    "text, position, kind",
    [
        ('{ platform = "leak-canary-parse" , }}', "line 1, column 37", "parse error"),
        (
            '{ region = "leak-canary-type" } : { region : Natural }',
            "line 1, column 1",
            "type error (annot mismatch",
        ),
        ('let a = "leak-canary-apply" in\n  a a', "line 2, column 3", "type error"),
        ('assert : "leak-canary-a" === "leak-canary-b"', "line 1, column 1", "type error"),
    ],
)
def test_it_names_where_dhall_fails_without_quoting_the_file(text, position, kind):
    with pytest.raises(RecordFileError) as refused:
        config_io.load_record_text(text, filename="platform.dhall")
    message = str(refused.value)
    assert message.startswith(f"Dhall could not evaluate the file: {position}: {kind}")
    assert "leak-canary" not in message


def test_it_does_not_quote_a_value_that_is_not_data():
    with pytest.raises(RecordFileError) as refused:
        config_io.load_record_text(
            '{ secret = "leak-canary-value", f = \\(x : Text) -> x }', filename="p.dhall"
        )
    assert "not plain data" in str(refused.value) and "leak-canary" not in str(refused.value)
