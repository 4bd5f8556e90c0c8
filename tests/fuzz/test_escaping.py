"""Names with HTML, Unicode, control characters or great length are escaped on every page that
shows them."""

import json

import pytest
from django.db import transaction
from django.utils.html import escape
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from audit.models import AuditEvent
from tests.fuzz.strategies import fuzz_examples

FUZZ = settings(
    max_examples=fuzz_examples(15),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

CUSTOMER_NAME = "<script>alert(1)</script>"
TAG_VALUE = '"><img src=x onerror=alert(2)>'
TAG_KEY = "'><svg onload=alert(3)>"
PROJECT_NAME = "<iframe src=javascript:alert(4)>"
PLATFORM_NAME = "<img src=x onerror=alert(5)>"
LOCATION_NAME = "<b onmouseover=alert(6)>Europe</b>"
BINDING_USER = "<img/src=x/onerror=alert(7)>@example.com"
MARKUP = (CUSTOMER_NAME, TAG_VALUE, TAG_KEY, PROJECT_NAME, PLATFORM_NAME, BINDING_USER)


def _post(api, url: str, body: dict, method: str = "post") -> dict | None:
    """The created or changed object, or None when the API refuses the body."""
    response = getattr(api, method)(url, json.dumps(body), content_type="application/json")
    if response.status_code == 400:
        return None
    assert response.status_code in (200, 201), response.data
    return response.data


def _hostile_world(api, customer_name, project_name, tags, platform_name, user) -> dict | None:
    """Objects named by the arguments, made through the API as an operator would."""
    made = [
        _post(api, "/api/v1/customers/", {"identifier": "evil", "display_name": customer_name}),
        _post(
            api,
            "/api/v1/projects/",
            {"customer": "evil", "identifier": "site", "display_name": project_name, "tags": tags},
        ),
        _post(api, "/api/v1/platforms/aws-prod.eu/", {"display_name": platform_name}, "patch"),
        _post(api, "/api/v1/bindings/", {"project": "evil.site", "user": user, "role": "admin"}),
        _post(api, "/api/v1/accounts/", {"project": "evil.site", "platform": "aws-prod.eu"}),
    ]
    if None in made:
        return None
    return {"account": made[-1]["url"].rstrip("/").rsplit("/", 1)[-1]}


def _pages(account: str, after: int = 0) -> list[str]:
    """Every page that shows the hostile world, with the audit events after the first `after`."""
    events = AuditEvent.objects.order_by("pk").values_list("pk", flat=True)[after:]
    return [
        "/",
        "/customers/",
        "/customers/evil/",
        "/projects/",
        "/projects/evil/site/",
        "/accounts/",
        f"/accounts/{account}/",
        "/platforms/",
        "/platforms/eu/aws-prod/",
        "/audit/",
        *(f"/audit/{pk}/" for pk in events),
    ]


def _fetch(client, pages: list[str]) -> dict[str, str]:
    found = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        found[url] = response.content.decode()
    return found


@pytest.fixture
def signed_in(client, alice, platform):
    client.force_login(alice)
    return client


def test_it_escapes_markup_in_names_on_every_page(signed_in, operator_api):
    world = _hostile_world(
        operator_api, CUSTOMER_NAME, PROJECT_NAME, {"cost": TAG_VALUE, TAG_KEY: "v"},
        PLATFORM_NAME, BINDING_USER,
    )  # fmt: skip
    pages = _fetch(signed_in, _pages(world["account"]))
    for url, html in pages.items():
        for markup in MARKUP:
            assert markup not in html, f"{markup} unescaped on {url}"


def test_it_shows_each_name_escaped_where_it_belongs(signed_in, operator_api):
    world = _hostile_world(
        operator_api, CUSTOMER_NAME, PROJECT_NAME, {"cost": TAG_VALUE, TAG_KEY: "v"},
        PLATFORM_NAME, BINDING_USER,
    )  # fmt: skip
    expected = {
        "/customers/": [CUSTOMER_NAME],
        "/customers/evil/": [CUSTOMER_NAME],
        "/projects/evil/site/": [PROJECT_NAME, TAG_VALUE, TAG_KEY, BINDING_USER],
        "/platforms/": [PLATFORM_NAME],
        "/platforms/eu/aws-prod/": [PLATFORM_NAME],
        f"/accounts/{world['account']}/": [PROJECT_NAME],
    }
    pages = _fetch(signed_in, list(expected))
    for url, names in expected.items():
        for name in names:
            assert escape(name) in pages[url], f"{name} not shown on {url}"


def test_it_escapes_a_location_name(signed_in, operator_api):
    _post(operator_api, "/api/v1/locations/", {"identifier": "us", "display_name": LOCATION_NAME})
    html = _fetch(signed_in, ["/platforms/locations/", "/platforms/"])
    assert all(LOCATION_NAME not in page for page in html.values())
    assert escape(LOCATION_NAME) in html["/platforms/locations/"]


TEXTAREA_BREAKOUT = "</textarea><script>alert(8)</script>"
HOSTILE = (CUSTOMER_NAME, TAG_VALUE, PROJECT_NAME, TEXTAREA_BREAKOUT)
_text = st.text(st.characters(exclude_characters="\x00"), max_size=30)  # the API refuses NUL
names = st.builds("{}{}{}".format, _text, st.sampled_from([*HOSTILE, "<", "&amp;"]), _text)


@FUZZ
@given(customer=names, project=names, tag=names, platform=names, user=_text)
def test_it_renders_every_page_with_any_names_escaped(
    signed_in, operator_api, customer, project, tag, platform, user
):
    user = "<b>" + "".join(char for char in user if char.isprintable() and not char.isspace())
    tags = {"k": tag, tag[:128]: "v"}
    with transaction.atomic():
        first_event = AuditEvent.objects.count()
        world = _hostile_world(operator_api, customer, project, tags, platform, user)
        pages = _fetch(signed_in, _pages(world["account"], after=first_event)) if world else {}
        transaction.set_rollback(True)
    assume(world is not None)  # refused: a name blank or too long once stripped, say
    shown = [markup for markup in HOSTILE if markup in customer + project + tag + platform]
    for url, html in pages.items():
        for markup in shown:
            assert markup not in html, f"{markup} unescaped on {url}"
