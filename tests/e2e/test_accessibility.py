"""In Chromium: axe-core finds no serious or critical violation on any main page, for any staff
role, and states read as words; the skip link, the favicon, customers in the menu; at 390 px the
menu collapses and nothing scrolls sideways, at 1280 px no control wraps."""

import pytest
from django.conf import settings

from accounts.roles import AUDITOR, OPERATOR, SUPPORT
from accounts.services import staff_user_create
from tests.e2e.console import LIST_PAGES, build_console, page_paths, sign_in
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser
AXE = next((settings.BASE_DIR / "static" / "vendor").glob("axe-core-*/axe.min.js"))
USERS = {OPERATOR: "alice", SUPPORT: "bob", AUDITOR: "charlie"}
# Pages every staff role opens; the others may answer 403 to some roles (forms, staff admin).
EVERYONE_OPENS = {
    "dashboard", "platforms", "platform", "projects", "project", "customers", "accounts",
    "account", "runs", "batch", "retirements", "audit-log", "audit-event", "notifications",
    "notification-edit",
}  # fmt: skip
# Stored values that a page must show in words ("waiting for AWS"), never as they are.
RAW_STATES = ("in_progress", "waiting_for_aws", "ready_with_warnings", "deletion_requested")
WIDE, NARROW = {"width": 1280, "height": 800}, {"width": 390, "height": 844}

# Controls whose text runs over more than one line (a line is a distinct top of its text's boxes).
WRAPPED_CONTROLS = """
(selector) => [...document.querySelectorAll(selector)].filter((el) => {
  if (!el.getBoundingClientRect().width) return false;
  const range = document.createRange();
  range.selectNodeContents(el);
  const line = parseFloat(getComputedStyle(el).fontSize);
  const tops = [...range.getClientRects()].filter((r) => r.width).map((r) => r.top).sort((a, b) => a - b);
  return tops.some((top, i) => i > 0 && top - tops[i - 1] > line * 0.6);
}).map((el) => el.textContent.trim().replace(/\\s+/g, " "))
"""
# The top edges of the navigation's items: one value when they stand in one row.
NAV_ROWS = """
() => new Set([...document.querySelectorAll("header.site nav li")]
  .filter((li) => li.getBoundingClientRect().width)
  .map((li) => Math.round(li.getBoundingClientRect().top + li.getBoundingClientRect().height / 2)))
  .size
"""


@pytest.fixture
def console(alice, platform):
    """Something in every state (tests/e2e/console.py), with bob (support) and charlie (auditor)."""
    staff_user_create(username="bob", role=SUPPORT, password=PASSWORD, actor=None)
    staff_user_create(username="charlie", role=AUDITOR, password=PASSWORD, actor=None)
    return build_console(platform, alice)


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate("async () => (await axe.run(document)).violations")


def describe(violation: dict) -> str:
    targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
    return f"{violation['impact']} {violation['id']}: {violation['help']} at {targets}"


@pytest.mark.parametrize("role", [OPERATOR, SUPPORT, AUDITOR])
def test_it_has_no_serious_violations_on_any_page_for_any_role(live_server, browser, console, role):
    # The policy forbids inline scripts, and Playwright injects axe as one.
    context = browser.new_context(viewport=WIDE, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server.url, USERS[role])
    serious, opened, others, raw = [], set(), [], []
    try:
        for name, path in page_paths(console).items():
            response = page.goto(f"{live_server.url}{path}")
            if response.status == 403 and name not in EVERYONE_OPENS:
                continue
            assert response.status == 200, f"{role} on {name}: {response.status}"
            opened.add(name)
            text = page.locator("main").inner_text()
            raw.extend(f"{role} on {name}: {value}" for value in RAW_STATES if value in text)
            for violation in axe_violations(page):
                found = f"{role} on {name} ({path}): {describe(violation)}"
                (serious if violation["impact"] in ("serious", "critical") else others).append(
                    found
                )
    finally:
        context.close()
    print("\n".join(["axe, minor and moderate:", *others]))
    assert EVERYONE_OPENS <= opened
    assert raw == []
    assert not serious, "\n".join(serious)


def test_the_skip_link_comes_first_and_moves_to_the_content(live_server, page, console):
    sign_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/accounts/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("(el) => el === document.activeElement")
    assert skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"


def test_the_favicon_is_linked_and_served(live_server, page, console):
    response = page.goto(f"{live_server.url}/favicon.ico")
    assert response.ok and response.url.endswith("/static/favicon.svg")
    assert "<svg" in response.text()
    sign_in(page, live_server.url, "alice")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.goto(f"{live_server.url}{icon}").ok


def test_customers_are_in_the_navigation(live_server, page, console):
    sign_in(page, live_server.url, "charlie")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Customers").click()
    page.wait_for_url(f"{live_server.url}/customers/")
    page.get_by_role("heading", name="Customers").wait_for()
    current = page.get_by_role("link", name="Customers")
    assert current.get_attribute("aria-current") == "page"


def test_at_390_px_the_menu_collapses_and_nothing_scrolls_sideways(live_server, browser, console):
    context = browser.new_context(viewport=NARROW)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, live_server.url, "alice")
        toggle = page.get_by_role("button", name="Menu")
        runs = page.get_by_role("navigation", name="Main").get_by_role("link", name="Runs")
        assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
        assert not runs.is_visible()
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true" and runs.is_visible()
        page.keyboard.press("Escape")
        assert not runs.is_visible()

        too_wide = {}
        for name, path in page_paths(console).items():
            if name not in LIST_PAGES:
                continue
            page.goto(f"{live_server.url}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > NARROW["width"]:
                too_wide[name] = width
        assert too_wide == {}
        # The accounts list stacks its rows: each cell names its column.
        page.goto(f"{live_server.url}/accounts/")
        status = page.locator("table.stacked td[data-label=Status]").first
        assert status.is_visible()
        assert "Status" in status.evaluate("(el) => getComputedStyle(el, '::before').content")
    finally:
        context.close()


def test_at_1280_px_no_control_wraps(live_server, browser, console):
    context = browser.new_context(viewport=WIDE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, live_server.url, "alice")
        assert not page.get_by_role("button", name="Menu").is_visible()
        wrapped, nav_rows = {}, {}
        for name, path in page_paths(console).items():
            page.goto(f"{live_server.url}{path}")
            rows = page.evaluate(NAV_ROWS)
            if rows != 1:
                nav_rows[name] = rows
            controls = page.evaluate(
                WRAPPED_CONTROLS,
                "header.site nav a, header.site nav button, main button, main [role=button], "
                "main .actions a, main nav a",
            )
            if controls:
                wrapped[name] = controls
        assert nav_rows == {}
        assert wrapped == {}
    finally:
        context.close()


def test_it_keeps_contrast_in_the_dark_colour_scheme(live_server, browser, console):
    context = browser.new_context(viewport=WIDE, bypass_csp=True, color_scheme="dark")
    page = context.new_page()
    page.set_default_timeout(15_000)
    found = []
    try:
        sign_in(page, live_server.url, "alice")
        for name, path in page_paths(console).items():
            if name in LIST_PAGES:
                page.goto(f"{live_server.url}{path}")
                found += [f"{name}: {describe(v)}" for v in axe_violations(page)
                          if v["impact"] in ("serious", "critical")]  # fmt: skip
    finally:
        context.close()
    assert not found, "\n".join(found)


def test_the_bulk_enable_review_has_no_serious_violation_and_fits_at_390_px(
    live_server, browser, console
):
    # The review answers a POST only, so it is not among the page paths.
    for viewport in (WIDE, NARROW):
        context = browser.new_context(viewport=viewport, bypass_csp=True)
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            sign_in(page, live_server.url, "alice")
            page.goto(f"{live_server.url}{page_paths(console)['bulk-enable-platform']}")
            for box in page.locator("input[name=projects]").all():
                box.check()
            page.get_by_test_id("bulk-enable-review").click()
            page.get_by_test_id("bulk-enable-confirm").wait_for()
            page.wait_for_load_state()
            serious = [describe(v) for v in axe_violations(page)
                       if v["impact"] in ("serious", "critical")]  # fmt: skip
            assert serious == []
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            if viewport is WIDE:
                assert page.evaluate(WRAPPED_CONTROLS, "main button, main [role=button]") == []
        finally:
            context.close()
