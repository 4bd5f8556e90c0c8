"""Fuzzing the platform import: any JSON file is imported or refused with reasons, never crashes."""

import copy
import json

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from platforms.config_io import RECORD_KEYS
from platforms.importing import ImportRefused, ImportResult, import_platform_text
from tests.fuzz.strategies import EXAMPLE, fuzz_examples, json_values, mutations
from tests.helpers import row_counts

FUZZ = settings(
    max_examples=fuzz_examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _import(text: str, actor):
    """Import `text` and roll it back; the outcome, and how many platforms it added.

    A refusal must leave every table as it was."""
    with transaction.atomic():
        before = row_counts()
        try:
            outcome = import_platform_text(
                text, filename="platform.json", location="eu", actor=actor
            )
        except ImportRefused as refused:
            outcome = refused
        after = row_counts()
        transaction.set_rollback(True)
    if isinstance(outcome, ImportRefused):
        assert after == before, "a refused import changed the database"
    return outcome, after["PlatformInstance"] - before["PlatformInstance"]


def _assert_refusal_names_fields(refused: ImportRefused) -> None:
    assert refused.lines, "a refusal without a reason"
    for line in refused.lines:
        where, colon, message = line.partition(": ")
        assert where.strip() and colon and message.strip(), f"no field named in {line!r}"


@FUZZ
@given(value=json_values(keys=st.sampled_from(RECORD_KEYS)))
@example(value={"": None})  # found: the unknown key's error had an empty path
def test_it_imports_or_refuses_any_json_value(location, alice, value):
    outcome, added = _import(json.dumps(value), alice)
    event(type(outcome).__name__)
    if isinstance(outcome, ImportRefused):
        _assert_refusal_names_fields(outcome)
    else:
        assert isinstance(outcome, ImportResult)


@FUZZ
@given(text=st.text())
def test_it_refuses_any_text_that_is_not_json_with_a_reason(location, alice, text):
    try:
        json.loads(text)
    except ValueError:
        outcome, added = _import(text, alice)
        assert isinstance(outcome, ImportRefused)
        _assert_refusal_names_fields(outcome)


def _changed(path: tuple, value) -> dict:
    record = copy.deepcopy(EXAMPLE)
    target = record
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return record


# Found by the fuzz: a list among policyArns (TypeError), a lone surrogate or a NUL reaching
# the database in the platform lookup (UnicodeEncodeError on SQLite, DataError on PostgreSQL).
_FOUND = [
    _changed(("roleMappings", 1, "mapValue", "policyArns", 0), []),
    _changed(("platform",), "\ud800aws-prod"),
    _changed(("platform",), "\x00aws-prod"),
]


@FUZZ
@given(record=mutations(EXAMPLE))
@example(record=_FOUND[0])
@example(record=_FOUND[1])
@example(record=_FOUND[2])
def test_it_imports_or_refuses_any_mutation_of_a_valid_record(location, alice, record):
    outcome, added = _import(json.dumps(record), alice)
    event(type(outcome).__name__)
    if isinstance(outcome, ImportRefused):
        _assert_refusal_names_fields(outcome)
    else:
        assert outcome.applied.created and added == 1


@FUZZ
@given(record=mutations(EXAMPLE))
def test_it_updates_or_refuses_a_stored_platform_given_any_mutation(web_account, alice, record):
    outcome, added = _import(json.dumps(record), alice)
    event(type(outcome).__name__)
    if isinstance(outcome, ImportRefused):
        _assert_refusal_names_fields(outcome)
    else:  # a new identifier makes a second platform
        assert added == (1 if outcome.applied.created else 0)


def test_it_imports_the_unmutated_example(location, alice):
    outcome, added = _import(json.dumps(EXAMPLE), alice)
    assert isinstance(outcome, ImportResult) and added == 1


def test_it_refuses_a_broken_dhall_file_with_a_reason(location, alice):
    with pytest.raises(ImportRefused) as refused:
        import_platform_text("{ platform = ", filename="platform.dhall", location="eu", actor=alice)
    _assert_refusal_names_fields(refused.value)


@pytest.mark.parametrize("opening", ["[", '{"platform": '])
def test_it_refuses_a_file_nested_too_deeply(location, alice, opening):
    closing = "]" if opening == "[" else "}"
    outcome, added = _import(opening * 100_000 + "1" + closing * 100_000, alice)
    assert isinstance(outcome, ImportRefused) and "nests too deeply" in outcome.lines[0]
