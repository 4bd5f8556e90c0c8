"""Fuzzing every API serializer with arbitrary JSON bodies: no 500, every 400 names a field, and
a rejected request changes nothing."""

import json
from urllib.parse import quote

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.fuzz.strategies import (
    EXAMPLE,
    fuzz_examples,
    json_objects,
    json_values,
    mutations,
    texts,
)
from tests.helpers import row_counts

FUZZ = settings(
    max_examples=fuzz_examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# Each serializer's writable fields, with values that name existing objects, so that bodies
# get past the references into the services.
FIELDS = {
    "locations": {"identifier": ["eu", "us", "new-loc"], "display_name": ["Europe"]},
    "platforms": {"location": ["eu"], "display_name": ["Prod"], "config": [EXAMPLE]},
    "customers": {"identifier": ["acme", "initech"], "display_name": ["ACME"]},
    "projects": {
        "customer": ["acme"],
        "identifier": ["web", "api"],
        "display_name": ["Web shop"],
        "tags": [{"cost": "42"}, {}],
    },
    "bindings": {
        "project": ["acme.web"],
        "user": ["dev@example.com", "ops@example.com"],
        "role": ["admin", "reader"],
        "expires_at": ["2999-01-01T00:00:00Z", "2000-01-01T00:00:00Z", None],
    },
    "accounts": {
        "project": ["acme.web", "acme.shop"],
        "platform": ["aws-prod.eu"],
        "landing_zone": ["default", "sandbox"],
        "aws_account_id": ["111122223333", None],
    },
}
ERROR_KEYS = {"non_field_errors", "detail"}
# A body each endpoint accepts in `world`; the fuzz mutates it.
VALID = {
    "locations": {"identifier": "us", "display_name": "US"},
    "platforms": {"location": "eu", "display_name": "Test", "config": {**EXAMPLE, "platform": "aws-test"}},
    "customers": {"identifier": "initech", "display_name": "Initech"},
    "projects": {"customer": "acme", "identifier": "api", "display_name": "API", "tags": {"cost": "42"}},
    "bindings": {
        "project": "acme.web", "user": "ops@example.com", "role": "reader",
        "expires_at": "2999-01-01T00:00:00Z",
    },
    "accounts": {"project": "acme.shop", "platform": "aws-prod.eu", "landing_zone": "sandbox"},
}  # fmt: skip


def bodies(collection: str) -> st.SearchStrategy:
    """Any JSON; objects of the serializer's fields with any values; plausible bodies."""
    fields = FIELDS[collection]
    plausible = {
        name: st.one_of(st.sampled_from(values), json_values(), texts)
        for name, values in fields.items()
    }
    near = st.fixed_dictionaries({}, optional=plausible)
    return st.one_of(
        json_values(keys=st.sampled_from(list(fields))),
        json_objects(list(fields)),
        near,
        mutations(VALID[collection], max_changes=2),
    )


def _send(api, method: str, url: str, body, fields) -> int:
    """Send `body` as JSON and roll back; check the answer; return its status."""
    with transaction.atomic():
        before = row_counts()
        # The test client re-raises any exception of the view: a 500 fails the test here.
        response = getattr(api, method)(url, json.dumps(body), content_type="application/json")
        after = row_counts()
        transaction.set_rollback(True)
    assert response.status_code < 500, response.content[:500]
    if response.status_code == 400:
        errors = response.data
        assert isinstance(errors, dict) and errors, f"a 400 naming no field: {errors!r}"
        assert set(errors) <= set(fields) | ERROR_KEYS, f"unknown keys in {errors!r}"
        assert after == before, "a rejected request changed the database"
    return response.status_code


@pytest.mark.parametrize("collection", sorted(FIELDS))
@FUZZ
@given(data=st.data())
def test_it_answers_any_post_without_a_server_error(operator_api, world, collection, data):
    body = data.draw(bodies(collection), label="body")
    event(str(_send(operator_api, "post", f"/api/v1/{collection}/", body, FIELDS[collection])))


DETAILS = {
    "locations": "eu",
    "platforms": "aws-prod.eu",
    "customers": "acme",
    "projects": "acme.web",
    "bindings": "{binding}",
    "accounts": "{account}",
}


@pytest.mark.parametrize("collection", sorted(DETAILS))
@FUZZ
@given(data=st.data())
def test_it_answers_any_update_without_a_server_error(operator_api, world, collection, data):
    method = data.draw(st.sampled_from(["patch", "put"]), label="method")
    body = data.draw(bodies(collection), label="body")
    url = f"/api/v1/{collection}/{DETAILS[collection].format(**world)}/"
    event(f"{method} {_send(operator_api, method, url, body, FIELDS[collection])}")


FILTERS = {
    "locations": ["identifier"],
    "platforms": ["location", "identifier"],
    "customers": ["identifier"],
    "projects": ["customer", "identifier"],
    "bindings": ["project", "user", "role"],
    "accounts": ["customer", "project", "platform", "landing_zone", "status", "q"],
    "runs": [
        "account",
        "status",
        "trigger",
        "platform",
        "requested_by",
        "created_from",
        "created_to",
    ],
}


def _in_url(text: str) -> bool:
    """Whether a URL can carry the text: lone surrogates have no UTF-8 to percent-encode."""
    return not any("\ud800" <= char <= "\udfff" for char in text)


_query_values = st.one_of(
    texts.filter(_in_url),
    st.integers().map(str),
    st.sampled_from(
        ["acme.web", "aws-prod.eu", "pending", "-1", "1e999", "0x10", "2025-03-01", "9999-12-31"]
    ),
)


@pytest.mark.parametrize("collection", sorted(FILTERS))
@FUZZ
@given(data=st.data())
def test_it_answers_any_filter_without_a_server_error(operator_api, world, collection, data):
    names = st.sampled_from([*FILTERS[collection], "page", "page_size", "cursor", "ordering"])
    query = data.draw(st.dictionaries(names, _query_values, max_size=3), label="query")
    response = operator_api.get(f"/api/v1/{collection}/", query)
    event(str(response.status_code))
    assert response.status_code in (200, 400, 404), response.content[:500]
    if response.status_code == 400:
        assert set(response.data) <= {*FILTERS[collection], *ERROR_KEYS}, response.data


@FUZZ
@given(user=texts.filter(lambda text: _in_url(text) and "/" not in text and text))
def test_it_answers_any_entitlements_request_without_a_server_error(operator_api, world, user):
    response = operator_api.get(f"/api/v1/entitlements/{quote(user, safe='')}/")
    event(str(response.status_code))
    assert response.status_code in (200, 400, 404), response.content[:500]
    if response.status_code == 400:
        assert set(response.data) == {"user"}


@pytest.mark.parametrize("collection", sorted(VALID))
def test_it_accepts_the_body_the_fuzz_mutates(operator_api, world, collection):
    url = f"/api/v1/{collection}/"
    assert _send(operator_api, "post", url, VALID[collection], FIELDS[collection]) == 201


@pytest.mark.parametrize("depth", [900, 100_000])
@pytest.mark.parametrize("nested", ["lists", "config"])
def test_it_refuses_deeply_nested_json_with_400(operator_api, world, depth, nested):
    if nested == "lists":
        body = "[" * depth + "1" + "]" * depth
    else:
        body = '{"location": "eu", "config": ' + '{"a": ' * depth + "1" + "}" * (depth + 1)
    response = operator_api.post("/api/v1/platforms/", body, content_type="application/json")
    assert response.status_code == 400
    assert set(response.data) <= set(FIELDS["platforms"]) | ERROR_KEYS


# The first two were found by the fuzz, reaching the database (UnicodeEncodeError on SQLite,
# DataError on PostgreSQL); the third is the same flaw in a JSON key.
@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("patch", "/api/v1/bindings/{binding}/", {"project": "\ud800"}),
        ("post", "/api/v1/accounts/", {"project": "\x00acme.shop", "platform": "aws-prod.eu"}),
        (
            "post",
            "/api/v1/projects/",
            {"customer": "acme", "identifier": "x", "tags": {"\x00": ""}},
        ),
    ],
)
def test_it_refuses_text_no_database_stores_with_400(operator_api, world, method, url, body):
    response = getattr(operator_api, method)(
        url.format(**world), json.dumps(body), content_type="application/json"
    )
    assert (
        response.status_code == 400 and "which no text field can store" in response.data["detail"]
    )
