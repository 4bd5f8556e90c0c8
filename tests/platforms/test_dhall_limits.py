"""Evaluating a Dhall platform file is bounded: depth, time and memory, and a crash is an error."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from platforms.config_io import RecordFileError, dhall_imports, files, load_record_text
from platforms.models import PlatformInstance

TOO_DEEP = "nest more than 10 deep; a platform file needs fewer"
STOPPED = "Dhall could not evaluate the file (the evaluator stopped: "
CODE = "brackets, braces, parentheses and interpolations"
COMMENTS = "comments {- -}"


def refused(text: str) -> str:
    """The message that refuses the Dhall text."""
    with pytest.raises(RecordFileError) as error:
        load_record_text(text, filename="platform.dhall")
    return str(error.value)


@pytest.fixture
def no_evaluation(monkeypatch):
    """Fail the test if a child process is started."""

    def run(*args, **kwargs):
        raise AssertionError("a Dhall child process was started")

    monkeypatch.setattr(files.subprocess, "run", run)


@pytest.fixture
def no_depth_limit(monkeypatch):
    """Let any nesting through the scanner, to reach the evaluator with it."""
    monkeypatch.setattr(dhall_imports, "MAX_NESTING", 100_000)


@pytest.mark.parametrize(
    "text, what",
    [
        ("[ { a = " * 5 + "[ 1 ]" + " } ]" * 5, CODE),
        ("(" * 11 + "1" + ")" * 11, CODE),
        ('"${' + "(" * 10 + "1" + ")" * 10 + '}"', CODE),
        ("{-" * 11 + "-}" * 11 + " 1", COMMENTS),
        ("[" * 10_000 + "1" + "]" * 10_000, CODE),
        ("{-" * 100_000 + "-}" * 100_000 + " 1", COMMENTS),
    ],
    ids=[
        "lists-and-records",
        "parentheses",
        "interpolation",
        "comments",
        "10k-lists",
        "100k-comments",
    ],
)
def test_it_refuses_deep_nesting_before_evaluating_naming_the_line(text, what, no_evaluation):
    message = refused("-- a platform\n\n" + text)
    assert message.startswith(f"line 3: {what} {TOO_DEEP}")


def test_it_accepts_nesting_up_to_the_limit_and_brackets_in_text_and_comments():
    text = '-- ((((((((((((\n{ a = "[[[[[[[[[[[[", b = ' + "Some (" * 9 + "1" + ")" * 9 + " }"
    assert load_record_text(text, filename="platform.dhall") == {"a": "[[[[[[[[[[[[", "b": 1}


def test_it_names_an_import_before_deep_nesting(no_evaluation):
    text = "[" * 11 + "1" + "]" * 11 + " # [ env:HOME as Text ]"
    assert refused(text).startswith("line 1: Dhall imports are not allowed (env:, as Text)")


@override_settings(MESHAWS_DHALL_TIMEOUT_SECONDS=1)
def test_it_stops_a_file_that_takes_too_long(no_depth_limit):
    # The binding's parser takes exponential time on nesting: 16 levels take minutes.
    message = refused("( [ " * 8 + "1" + " ] )" * 8)
    assert message == (
        "the Dhall file took longer than 1 s to evaluate; simplify it or convert it to JSON with "
        "dhall-to-json"
    )


def test_it_survives_an_evaluator_that_crashes(no_depth_limit, client, alice, location):
    # 10,000 nested lists overflow the binding's stack: before, this killed the test process.
    text = "[" * 10_000 + "1" + "]" * 10_000
    assert refused(text).startswith(STOPPED + "it crashed")
    client.force_login(alice)
    upload = SimpleUploadedFile("platform.dhall", text.encode())
    response = client.post("/platforms/import/", {"file": upload, "location": "eu"})
    assert response.status_code == 400 and STOPPED in response.content.decode()
    assert not PlatformInstance.objects.exists()


def test_it_stops_a_file_that_takes_too_much_memory():
    # Text doubled 30 times is a gigabyte.
    text = 'Natural/fold 30 Text (\\(t : Text) -> t ++ t) "x"'
    assert refused(text) == STOPPED + "it ran out of memory at 512 MB)"


def test_it_stops_a_value_too_large_for_a_platform_record():
    text = 'Natural/fold 24 Text (\\(t : Text) -> t ++ t) "x"'
    assert refused(text) == STOPPED + "its value is over 8 MB of JSON)"


def test_it_keeps_what_the_evaluator_prints_out_of_the_servers_output(monkeypatch, capfd):
    # The binding prints a panic, with the file's URL, before raising it. Even if an import got
    # past the scanner, that print stays in the child.
    monkeypatch.setattr(files, "first_import", lambda text: None)
    message = refused("http://127.0.0.1:1/leak-canary as Text")
    assert message == "Dhall could not evaluate the file (the Dhall binding gave no position)"
    output = capfd.readouterr()
    assert "leak-canary" not in output.out + output.err


def test_it_evaluates_without_the_servers_environment(monkeypatch):
    monkeypatch.setenv("MESHAWS_DHALL_CANARY", "dhall-canary-env-7e01")
    monkeypatch.setattr(files, "first_import", lambda text: None)
    message = refused("env:MESHAWS_DHALL_CANARY as Text")
    assert message.startswith("Dhall could not evaluate the file: line 1, column 1: type error")
    assert "dhall-canary-env" not in message
