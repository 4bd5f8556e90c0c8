"""Screenshots of the main pages at 1280 and 390 px into var/screenshots/, for a person to look at.

Not part of the suite (its name does not start with test_); run it on its own:
    pytest tests/e2e/screenshots.py -p no:xdist
"""

import pytest
from django.conf import settings

from tests.e2e.console import build_console, page_paths, sign_in

pytestmark = pytest.mark.browser
WIDTHS = {1280: 800, 390: 844}


def test_take_screenshots(live_server, browser, alice, platform):
    folder = settings.BASE_DIR / "var" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    paths = page_paths(build_console(platform, alice))
    for width, height in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        try:
            sign_in(page, live_server.url, "alice")
            for name, path in paths.items():
                page.goto(f"{live_server.url}{path}")
                page.screenshot(path=folder / f"{name}-{width}.png", full_page=True)
            # The bulk enable's review step answers a POST only: tick every project, review.
            page.goto(f"{live_server.url}{paths['bulk-enable-platform']}")
            for box in page.locator("input[name=projects]").all():
                box.check()
            page.get_by_test_id("bulk-enable-review").click()
            page.wait_for_load_state()  # meshaws.js has stacked the table
            page.screenshot(path=folder / f"bulk-enable-review-{width}.png", full_page=True)
            if width < 1024:
                page.goto(f"{live_server.url}{paths['accounts']}")
                page.get_by_role("button", name="Menu").click()
                page.screenshot(path=folder / f"menu-open-{width}.png")
        finally:
            context.close()
    assert len(list(folder.glob("*.png"))) >= 2 * len(paths)
