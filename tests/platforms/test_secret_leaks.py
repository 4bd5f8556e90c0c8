"""No stored secret appears anywhere: pages, exports, audit rows, logs, error messages."""

import logging

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from audit.models import AuditEvent
from tests.helpers import PARAMETERS, SECRETS


def _routes(patterns=None, prefix=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(entry.pattern)
        if route.startswith("^") or "(?P" in route:
            continue
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            yield "/" + prefix + route


API = (
    "/api/v1/", "/api/v1/locations/", "/api/v1/locations/eu/", "/api/v1/platforms/",
    "/api/v1/platforms/aws-prod.eu/", "/api/v1/customers/", "/api/v1/projects/",
    "/api/v1/bindings/", "/api/v1/accounts/", "/api/schema/",
)  # fmt: skip


def _pages(objects: dict[str, str]) -> list[str]:
    """Every page of the site and the API, with the test objects' identifiers filled in."""
    pages = []
    parameters = {**PARAMETERS, **objects}
    for route in _routes():
        if route.startswith(("/admin/", "/django-rq/", "/api/")):
            continue
        for parameter, value in parameters.items():
            route = route.replace(parameter, value)
        assert "<" not in route, f"no test value for the parameter in {route}"
        pages.append(route)
    pages += [
        *API,
        "/platforms/preview/?account_email_template=aws%2B%25s%40x.io&account_alias_pattern=a-<customer>-<project>",
        "/admin/platforms/platforminstance/",
        "/admin/audit/auditevent/",
    ]
    return pages


# Pages that send a signed-in operator elsewhere.
# /favicon.ico sends browsers to the static SVG.
OPERATOR_REDIRECTED = {"/logout/", "/login/", "/favicon.ico"}


def _assert_clean(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"a stored secret appears in {where}"


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie", "admin_user"])
def test_no_page_or_export_shows_a_secret(
    client, request, persona, platform, project_on_platform, caplog
):
    client.force_login(request.getfixturevalue(persona))
    caplog.set_level(logging.DEBUG)
    pages = _pages(project_on_platform)
    assert "/platforms/eu/aws-prod/edit/" in pages and "/audit/export.csv" in pages
    for page in pages:
        response = client.get(page)
        assert response.status_code in (200, 302, 403, 405), (page, response.status_code)
        if (
            persona == "alice"
            and not page.startswith("/admin/")
            and page not in OPERATOR_REDIRECTED
        ):
            # Every page renders for an operator; 405: a POST-only action.
            assert response.status_code in (200, 405), page
        body = b"".join(response.streaming_content) if response.streaming else response.content
        _assert_clean(body.decode(errors="replace"), page)
    admin_platform = client.get(f"/admin/platforms/platforminstance/{platform.pk}/change/")
    _assert_clean(admin_platform.content.decode(), "the admin's platform page")
    _assert_clean(caplog.text, "the logs")


def test_no_audit_row_holds_a_secret(platform):
    assert AuditEvent.objects.filter(action="platform.create").exists()
    for event in AuditEvent.objects.all():
        _assert_clean(
            repr((event.before, event.after, event.remark, event.object_repr)), "an audit row"
        )


def test_an_edit_form_with_errors_does_not_echo_the_secrets_typed(client, alice, platform):
    client.force_login(alice)
    response = client.post(
        "/platforms/eu/aws-prod/edit/",
        {"access_key": SECRETS[0], "secret_key": SECRETS[1], "privileged_external_id": SECRETS[2],
         "region": "not-a-region", "rm-TOTAL_FORMS": "0", "rm-INITIAL_FORMS": "0",
         "lz-TOTAL_FORMS": "0", "lz-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert response.status_code == 400
    _assert_clean(response.content.decode(), "the re-rendered form")
