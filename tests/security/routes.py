"""Every URL pattern of the site, as a URL that resolves to it, with real objects filled in."""

import re
import uuid

from django.urls import URLResolver, get_resolver

from tests.helpers import PARAMETERS

# Third-party sections (Django admin, the django-rq dashboard) name objects meshaws does not
# make; any value of the converter's shape reaches their views.
THIRD_PARTY = ("admin/", "django-rq/")
CONVERTER_EXAMPLES = {
    "int": "0", "str": "x", "slug": "x", "path": "1", "uuid": str(uuid.uuid4()), None: "1",
}  # fmt: skip
GROUP_EXAMPLES = {"format": "json", "app_label": "platforms", "url": "nowhere/", "token": "x"}
# meshaws parameters the leak crawler's table does not name: the API's.
API_PARAMETERS = {"<str:user>": "dev@example.com", "<drf_format_suffix:format>": ".json"}


def url_patterns(entries=None, prefix=""):
    """(route, pattern) for every URL pattern, regular-expression routes included."""
    for entry in entries if entries is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from url_patterns(entry.url_patterns, route)
        else:
            yield route, entry


def _api_lookups(objects: dict[str, str]) -> dict[str, str]:
    """The router's detail lookup of each API resource, for the test objects."""
    return {
        "locations": "eu", "platforms": "aws-prod.eu", "customers": "acme",
        "projects": "acme.web", "bindings": PARAMETERS["<int:binding>"],
        "accounts": objects["<int:account>"], "runs": objects["<uuid:run>"],
        "notification": "1",  # notification-contacts: any id resolves
        "discovery": str(uuid.UUID(int=1)),  # discovery-scans: any id resolves
    }  # fmt: skip


def example_url(route: str, objects: dict[str, str]) -> str:
    """A URL for `route`; meshaws' own parameters come from `objects` (project_on_platform)."""
    resource = re.search(r"\^(\w+)", route)
    lookups = _api_lookups(objects)
    url = route
    for parameter, value in {**PARAMETERS, **API_PARAMETERS, **objects}.items():
        url = url.replace(parameter, value)
    if not url.startswith(THIRD_PARTY):
        assert not re.search(r"<\w+:\w+>", url), f"no test object for the parameter in {route}"

    def group(match: re.Match) -> str:
        name = match.group(1)
        if name in ("identifier", "full_identifier", "pk") and resource:
            return lookups[resource.group(1)]
        return GROUP_EXAMPLES[name]

    url = re.sub(r"\(\?P<(\w+)>[^)]*\)\??", group, url)
    url = re.sub(r"<(?:(\w+):)?\w+>", lambda m: CONVERTER_EXAMPLES[m.group(1)], url)
    url = url.replace("^", "").replace("$", "").replace("/?", "/").replace("\\.", ".")
    return "/" + url


def example_urls(objects: dict[str, str], prefixes: tuple[str, ...] = ("",)) -> list[tuple]:
    """(route, url) for every pattern whose route starts with one of `prefixes`."""
    return [
        (route, example_url(route, objects))
        for route, _ in url_patterns()
        if route.startswith(prefixes)
    ]
