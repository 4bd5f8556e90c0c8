"""Schemathesis against the live OpenAPI schema (`/api/schema/`), for each staff role: no
server error, and every answer (status code and body) is one the schema documents."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import api_token_create
from replication.models import ReplicationRun, ReplicationStep
from tests.fuzz.strategies import fuzz_examples

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def wsgi_app(db):
    """meshaws' WSGI application inside the test's transaction: like Django's test client, it
    keeps the connection open between requests (close_old_connections would end the test's
    transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(params=["alice", "bob", "charlie"])
def user(request):
    """An operator, a support engineer and an auditor in turn."""
    return request.getfixturevalue(request.param)


@pytest.fixture
def known(world, user):
    """Path parameters that name existing objects, by the collection in the path: the world's,
    and a finished run that alice requested, whose step made an AWS call."""
    now = timezone.now()
    run = ReplicationRun.objects.create(
        account_id=world["account"], trigger=ReplicationRun.Trigger.RESYNC, requested_by=user,
        status=ReplicationRun.Status.SUCCEEDED, attempt=1, started_at=now, finished_at=now,
    )  # fmt: skip
    ReplicationStep.objects.create(
        run=run, attempt=1, position=1, name="connect", status="ok", started_at=now,
        finished_at=now, remark="connected", detail="assumed the management role",
        aws_calls=[{"service": "sts", "operation": "AssumeRole", "request_id": "r-1",
                    "error_code": "", "duration_ms": 3}],
    )  # fmt: skip
    return {
        "accounts": {"id": world["account"]},
        "bindings": {"id": world["binding"]},
        "runs": {"id": str(run.pk)},
        "customers": {"identifier": "acme"},
        "locations": {"identifier": "eu"},
        "platforms": {"full_identifier": "aws-prod.eu"},
        "projects": {"full_identifier": "acme.web"},
        "entitlements": {"user": "dev@example.com"},
    }


@pytest.fixture
def token(user):
    return api_token_create(user=user, actor=None)


@pytest.fixture
def live_schema(wsgi_app, token):
    """The schema as `/api/schema/` serves it, calling the same application."""
    auth = {"Authorization": f"Token {token}"}
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app, headers=auth)


def _reaches_its_operation(case) -> bool:
    """Whether the request goes to the case's operation: the client resolves a path parameter
    "." or ".." as a dot segment (`/customers/../` is the API root), a server never sees it."""
    return not any(str(value) in (".", "..") for value in (case.path_parameters or {}).values())


def _cases(operation, known: dict) -> st.SearchStrategy:
    """Cases that follow the schema, cases that break it, and (for a detail path) cases about
    an object that exists."""
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    collection = operation.path.removeprefix("/api/v1/").split("/")[0]
    if "{" in operation.path and collection in known:
        strategies.append(
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known[collection])
        )
    return st.one_of(strategies).filter(_reaches_its_operation)


@pytest.mark.slow
def test_every_answer_matches_the_schema(live_schema, token, known):
    auth = {"Authorization": f"Token {token}"}
    operations = [result.ok() for result in live_schema.get_all_operations()]
    assert len(operations) > 20

    for operation in operations:

        @given(case=_cases(operation, known))
        @settings(
            max_examples=fuzz_examples(15),
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def answers_as_documented(case):
            case.call_and_validate(headers=auth, checks=CHECKS)

        answers_as_documented()
