"""A real Chromium, driven by Playwright, for the browser tests.

Where /usr/bin/chromium is missing the tests are skipped, unless MESHAWS_REQUIRE_BROWSER=1
(CI), where that is a failure.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling Google on a closed network.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("MESHAWS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"MESHAWS_REQUIRE_BROWSER=1 but {message}")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
        # While Playwright's event loop runs in this thread, Django keeps a separate database
        # connection for it (asgiref locals follow the loop's context); close that one here, or
        # it outlives the run and blocks dropping the test database on PostgreSQL.
        from django.db import connections

        connections.close_all()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


# The platform fixtures, for browser tests that start from a configured platform.
from tests.platforms.conftest import example_record, location, metadata_xml, platform  # noqa: E402,F401
