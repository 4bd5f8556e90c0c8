"""Hypothesis strategies for the fuzz tests: arbitrary JSON, hostile text, record mutations."""

from __future__ import annotations

import copy
import json
import os
from typing import Any

from hypothesis import strategies as st

from tests.helpers import EXAMPLE_FILE, SECRETS

# The example as the fixture `example_record` builds it (strategies cannot use fixtures):
# literal secrets and a real metadata document. A valid record: the base of mutations.
EXAMPLE = json.loads(EXAMPLE_FILE.read_text())
EXAMPLE["meshfedServiceUser"] = {"accessKey": SECRETS[0], "secretKey": SECRETS[1]}
EXAMPLE["privilegedExternalId"] = SECRETS[2]
EXAMPLE["identityProvider"]["metadataDocument"] = (
    EXAMPLE_FILE.parent / "idp-metadata.xml"
).read_text()


def fuzz_examples(default: int) -> int:
    """Examples per test: `default` in `make test`, times MESHAWS_FUZZ_SCALE for a longer hunt."""
    return default * int(os.environ.get("MESHAWS_FUZZ_SCALE", "1"))


# Text as users paste it: any Unicode (control characters, NUL, RTL marks, emoji), plus the
# characters that break naive HTML, SQL and printf handling.
_NASTY = st.sampled_from(
    [
        "\x00", "\t", "\n", "\r", "\x1b", "\x7f", "\u200b", "\u202e", "\ufeff", "\U0001f600",
        "%s", "%d", "%n", "{}", "{0}", "#{", "<", ">", "&", '"', "'", "\\", "`", "${x}",
        "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "'; DROP TABLE x;--",
        "\u0663", "ǅ", "ß", "İ", "\ud800", "\udfff",
    ]
)  # fmt: skip
texts = st.one_of(
    st.text(),
    st.lists(st.one_of(_NASTY, st.text(max_size=4)), max_size=8).map("".join),
    # Long inputs: a short piece repeated past every length limit.
    st.builds(lambda piece, times: piece * times, st.text(min_size=1, max_size=4), st.integers(50, 3000)),
)  # fmt: skip

_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"


def identifiers(max_length: int) -> st.SearchStrategy[str]:
    """Valid identifiers: lowercase letters, digits and single inner hyphens, 1..max_length."""
    segment = st.one_of(
        st.text(alphabet=_ALNUM, min_size=1, max_size=8),
        st.text(alphabet="0123456789", min_size=1, max_size=8),
    )
    joined = st.lists(segment, min_size=1, max_size=8).map("-".join)
    # Cutting at max_length can leave a hyphen at the end; the first character is never one.
    cut = joined.map(lambda text: text[:max_length].rstrip("-"))
    edges = st.sampled_from(["a", "1", "a" * max_length, "1" * max_length])
    return st.one_of(cut, edges)


platform_identifiers = st.builds(
    "{}{}".format, st.sampled_from("abcxyz"), identifiers(20) | st.just("")
)

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),  # unbounded: beyond 64 bits too
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
)


def json_values(keys: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Any]:
    """Any JSON value; object keys drawn from `keys` as well as from arbitrary text."""
    key = st.one_of(st.text(max_size=12), keys) if keys is not None else st.text(max_size=12)

    def containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(st.lists(children, max_size=4), st.dictionaries(key, children, max_size=5))

    return st.recursive(_scalars, containers, max_leaves=12)


def json_objects(
    fields: list[str], values: st.SearchStrategy[Any] | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    """Objects whose keys are mostly the given field names, with arbitrary JSON values."""
    values = values if values is not None else json_values()
    return st.dictionaries(
        st.one_of(st.sampled_from(fields), st.text(max_size=8)), values, max_size=len(fields) + 1
    )


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _get(document: Any, path: tuple) -> Any:
    for step in path:
        document = document[step]
    return document


def _near(text: str) -> st.SearchStrategy[str]:
    """Texts close to a valid one: cut, doubled, or with hostile characters put in."""
    cut = st.integers(0, len(text))
    return st.one_of(
        cut.map(lambda at: text[:at]),
        st.just(text * 2),
        st.tuples(cut, _NASTY).map(lambda both: text[: both[0]] + both[1] + text[both[0] :]),
        st.just(text.upper()),
    )


def _set(document: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return document


def _delete(document: Any, path: tuple) -> Any:
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    del parent[path[-1]]
    return document


@st.composite
def mutations(draw, record: dict[str, Any], max_changes: int = 3) -> dict[str, Any]:
    """`record` with 1..max_changes fields (at any depth) replaced by arbitrary JSON or dropped."""
    document = copy.deepcopy(record)
    for _ in range(draw(st.integers(1, max_changes))):
        paths = [path for path in _paths(document) if path]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        current = _get(document, path)
        if isinstance(path[-1], str) and draw(st.integers(0, 4)) == 0:
            document = _delete(document, path)
        elif isinstance(current, str) and draw(st.booleans()):
            document = _set(document, path, draw(_near(current)))
        else:
            document = _set(document, path, draw(json_values()))
    return document
