"""Every state's badge in static/meshaws.css has its own class, at WCAG AA contrast (4.5:1)."""

import re

import pytest
from django.conf import settings

from accounts.models import AccountRetirement, ProjectAccount
from replication.models import DiscoveryScan, ReplicationRun, ReplicationStep

CSS = settings.BASE_DIR / "static" / "meshaws.css"
AA = 4.5
# Pico's page backgrounds, light and dark (static/vendor/pico-2.1.1.min.css).
PAGE_BACKGROUNDS = {"light": "#ffffff", "dark": "#13171f"}
STATE_ENUMS = (
    ProjectAccount.Status,
    ProjectAccount.Lifecycle,
    ReplicationRun.Status,
    ReplicationStep.Status,
    DiscoveryScan.Status,
    AccountRetirement.Decision,
)
# The dashboard's platform health and the other badges the templates name.
OTHER_BADGES = (
    "badge.health-healthy", "badge.health-retrying", "badge.health-failing", "badge", "badge.ok", "badge.bad",
    "badge.diff-added", "badge.diff-removed", "badge.diff-changed",
)  # fmt: skip


def relative_luminance(hex_colour: str) -> float:
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def top_level_rules(css: str):
    """(selectors, declarations) of each rule outside @media blocks, in order."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    depth, start, rules = 0, 0, []
    for match in re.finditer(r"[{}]", css):
        if match.group() == "{":
            if depth == 0:
                selector, start = css[start : match.start()].strip(), match.end()
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                if not selector.startswith("@"):
                    rules.append((selector, css[start : match.start()]))
                start = match.end()
    return rules


def badge_colours() -> dict[str, dict[str, str]]:
    """Class (e.g. `status-ready`, `badge.ok`) → its `background` and `color`, later rules winning."""
    colours: dict[str, dict[str, str]] = {}
    for selectors, declarations in top_level_rules(CSS.read_text()):
        found = dict(re.findall(r"(background|color)\s*:\s*(#[0-9a-fA-F]{3,6})\b", declarations))
        for selector in selectors.split(","):
            name = selector.strip()
            if found and re.fullmatch(r"\.[\w-]+(\.[\w-]+)?", name):
                colours.setdefault(name[1:], {}).update(found)
    return colours


def custom_properties(block_selector: str) -> dict[str, str]:
    css = re.sub(r"/\*.*?\*/", "", CSS.read_text(), flags=re.S)
    found = {}
    for selectors, declarations in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        if selectors.strip() == block_selector:
            found |= dict(re.findall(r"(--meshaws-[\w-]+)\s*:\s*(#[0-9a-fA-F]{3,6})", declarations))
    return found


def required_classes() -> list[str]:
    states = {f"status-{value}" for enum in STATE_ENUMS for value in enum.values}
    return sorted(states) + list(OTHER_BADGES)


@pytest.mark.parametrize("name", required_classes())
def test_it_gives_each_state_a_badge_at_aa_contrast(name):
    colours = badge_colours().get(name)
    assert colours, f".{name} has no colours in meshaws.css"
    assert {"background", "color"} <= colours.keys(), f".{name} needs background and color"
    ratio = contrast(colours["background"], colours["color"])
    assert ratio >= AA, f".{name}: {colours} has contrast {ratio:.2f}, below {AA}"


@pytest.mark.parametrize(
    ("scheme", "block"),
    [
        ("light", ":root"),
        ("dark", '[data-theme="dark"]'),
        ("dark", ':root:not([data-theme="light"])'),
    ],
)
def test_it_keeps_error_and_warning_text_readable_on_the_page(scheme, block):
    properties = custom_properties(block)
    assert {"--meshaws-danger-text", "--meshaws-warning-text"} <= properties.keys()
    for name, colour in properties.items():
        ratio = contrast(colour, PAGE_BACKGROUNDS[scheme])
        assert ratio >= AA, f"{name} {colour} on the {scheme} page: {ratio:.2f}"


def test_it_computes_contrast_as_wcag_does():
    assert contrast("#000", "#fff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
