"""Fuzzing platforms.patterns: any text is accepted or refused with a ValidationError, and an
accepted pattern renders, for every account, a name AWS accepts."""

import inspect

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from platforms import patterns
from tests.fuzz.strategies import (
    fuzz_examples,
    identifiers,
    json_values,
    platform_identifiers,
    texts,
)

FUZZ = settings(
    max_examples=fuzz_examples(100),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

customer_lengths = st.integers(1, patterns.MAX_CUSTOMER_IDENTIFIER_LENGTH)
project_lengths = st.integers(1, patterns.MAX_PROJECT_IDENTIFIER_LENGTH)
limits = st.fixed_dictionaries(
    {
        "customer_length": customer_lengths,
        "project_length": project_lengths,
        "platform": st.one_of(st.just(""), platform_identifiers),
    }
)

# How each validator is called: the value under test, and its other arguments in their domain.
CALLS = {
    "validate_identifier": st.fixed_dictionaries(
        {"max_length": st.integers(1, 64), "kind": st.sampled_from(["identifier", "customer"])}
    ),
    "validate_email_template": limits,
    "validate_alias_pattern": limits,
    "validate_group_name_pattern": limits,
}
# Validators whose value is not a text.
VALUES = {
    "validate_project_tags": json_values(),
    "validate_identifier_limits": st.tuples(st.integers(), st.integers()),
}
VALIDATORS = sorted(name for name in patterns.__all__ if name.startswith("validate_"))

_PLACEHOLDER_PIECES = st.sampled_from(
    [
        "%s", "%d", "%", "%%s", "<customer>", "<project>", "<Customer>", "<>", "<platform>",
        "#{customerIdentifier}", "#{workspaceIdentifier}", "#{projectIdentifier}",
        "#{platform}", "#{tenantPlatformNumber}", "#{projectIdentifier:%.7s}",
        "#{customerIdentifier:%.0s}", "#{projectIdentifier:%5s}", "#{projectIdentifier:%-s}",
        "#{tenantPlatformNumber:%03d}", "#{tenantPlatformNumber:%3d}",
        "#{tenantPlatformNumber:%\u0663d}", "#{tenantPlatformNumber:%.2d}",
        "#{tenantPlatformNumber:%999d}", "#{platform:%.999s}", "#{", "#{}", "#{projectIdentifier",
        "#{nope}", "#{projectIdentifier:}", "#{projectIdentifier:%s:%s}", "#{projectRoleIdentifier}",
        "{account_id}", "{role_name}", "{role_arn}", "{provider_arn}", "{alias}", "{platform}",
        "{", "}", "{}", "{nope}",
        "@", "@example.com", "aws+", "meshcloud-", "-", ".", "_", "..", "--", "A", "1",
        "https://", "http://localhost", "https://signin.example.com/", "?a=", "#frag",
    ]
)  # fmt: skip


@st.composite
def _edited(draw, seeds: list[str]) -> str:
    """A working pattern with pieces put in and cut out at random places."""
    text = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + draw(st.one_of(_PLACEHOLDER_PIECES, texts)) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 4)) :]
    return text


EMAIL_SEEDS = [
    "aws+%s@meshcloud.io",
    "#{customerIdentifier}.#{projectIdentifier}@example.com",
    "acct-#{tenantPlatformNumber:%06d}@x.io",
]
ALIAS_SEEDS = [
    "meshcloud-<customer>-<project>",
    "%s-%s",
    "#{platform}-#{workspaceIdentifier}-#{projectIdentifier}",
]
GROUP_SEEDS = ["mst-#{customerIdentifier}.#{projectIdentifier}-#{projectRoleIdentifier}"]
URL_SEEDS = [
    "https://signin.example.com/{account_id}?role={role_name}",
    "http://localhost:8000/{alias}/{platform}",
]


def patterns_near(seeds: list[str]) -> st.SearchStrategy[str]:
    """Any text, pieces of patterns in any order, and edits of working patterns."""
    pieces = st.lists(st.one_of(_PLACEHOLDER_PIECES, texts), max_size=8).map("".join)
    return st.one_of(texts, pieces, _edited(seeds), _edited(seeds))


pattern_texts = patterns_near(EMAIL_SEEDS + ALIAS_SEEDS + GROUP_SEEDS + URL_SEEDS)


def test_it_knows_how_to_call_every_validator_the_module_exports():
    signatures = {name: inspect.signature(getattr(patterns, name)) for name in VALIDATORS}
    required = {
        name
        for name, signature in signatures.items()
        if sum(p.default is p.empty for p in signature.parameters.values()) > 1
    }
    assert required <= set(CALLS) | set(VALUES), "give the fuzz test a way to call them"


@pytest.mark.parametrize("name", VALIDATORS)
@FUZZ
@given(data=st.data())
def test_it_refuses_any_text_with_a_validation_error_only(name, data):
    value = data.draw(VALUES.get(name, pattern_texts), label="value")
    kwargs = data.draw(CALLS[name], label="kwargs") if name in CALLS else {}
    args = value if name == "validate_identifier_limits" else (value,)
    try:
        getattr(patterns, name)(*args, **kwargs)
    except ValidationError as error:
        assert error.messages and all(isinstance(m, str) and m for m in error.messages)
        event("refused")
    else:
        event("accepted")


def _contexts(customer_length: int, project_length: int, platform: str):
    return st.builds(
        patterns.NameContext,
        customer=identifiers(customer_length),
        project=identifiers(project_length),
        platform=st.just(platform) if platform else platform_identifiers,
        tenant_platform_number=st.integers(1, patterns.MAX_TENANT_PLATFORM_NUMBER),
    )


@FUZZ
@given(template=patterns_near(EMAIL_SEEDS), limits=limits, data=st.data())
def test_it_renders_a_valid_address_from_any_template_it_accepts(template, limits, data):
    try:
        worst = patterns.validate_email_template(template, **limits)
    except ValidationError:
        event("refused")
        return
    event("accepted")
    context = data.draw(
        _contexts(limits["customer_length"], limits["project_length"], limits["platform"])
    )
    address = patterns.render_account_email(template, context)
    patterns.validate_account_email(address)
    assert len(address) <= len(worst)


@FUZZ
@given(pattern=patterns_near(ALIAS_SEEDS), limits=limits, data=st.data())
def test_it_renders_a_valid_alias_from_any_pattern_it_accepts(pattern, limits, data):
    try:
        patterns.validate_alias_pattern(pattern, **limits)
    except ValidationError:
        event("refused")
        return
    event("accepted")
    context = data.draw(
        _contexts(limits["customer_length"], limits["project_length"], limits["platform"])
    )
    patterns.validate_account_alias(patterns.render_account_alias(pattern, context))


@FUZZ
# The values come from stored, validated rows: any Unicode, but no lone surrogates.
@given(template=patterns_near(URL_SEEDS), values=st.lists(st.text(), min_size=6, max_size=6))
def test_it_renders_a_sign_in_url_or_nothing_from_any_template_it_accepts(template, values):
    try:
        patterns.validate_console_sign_in_url_template(template)
    except ValidationError:
        event("refused")
        return
    event("accepted")
    names = ("account_id", "role_name", "role_arn", "provider_arn", "alias", "platform")
    url = patterns.render_console_sign_in_url(template, **dict(zip(names, values, strict=True)))
    assert url is None or isinstance(url, str)


# Found by the fuzz: both raised UnicodeEncodeError, and PyYAML a RecursionError.
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("validate_cloudformation_template", "\ud800"),
        ("validate_saml_metadata", "0" * 999 + "\ud800"),
        ("validate_cloudformation_template", "[" * 3000),
        ("validate_cloudformation_template", "{a: " * 3000 + "1" + "}" * 3000),
    ],
)
def test_it_refuses_what_the_fuzz_found_with_a_validation_error(name, value):
    with pytest.raises(ValidationError):
        getattr(patterns, name)(value)
