"""platforms.patterns: AWS naming rules, placeholder rendering and the worst cases they bound."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from platforms import patterns
from platforms.patterns import (
    MAX_CUSTOMER_IDENTIFIER_LENGTH,
    MAX_PROJECT_IDENTIFIER_LENGTH,
    MAX_TENANT_PLATFORM_NUMBER,
    NameContext,
    alias_worst_case,
    email_worst_case,
    render_account_alias,
    render_account_email,
    render_account_name,
    sanitize_alias,
    validate_access_role_name,
    validate_account_alias,
    validate_account_email,
    validate_alias_pattern,
    validate_email_template,
    validate_external_id,
    validate_identifier,
    validate_identifier_limits,
    validate_platform_identifier,
    validate_policy_arn,
    validate_region,
    validate_role_arn,
    validate_role_name,
    validate_saml_provider_name,
    validate_stack_set_name,
    validate_tag_key_name,
    validate_tag_prefix,
    validate_target_ou,
)
from tests.fuzz.strategies import identifiers, platform_identifiers

LIMITS = {"customer_length": 16, "project_length": 30}
ACME_WEB = NameContext(customer="acme", project="web", platform="aws-prod")


def _error(validator, *args, **kwargs) -> str:
    """The messages of the ValidationError the validator raises, joined."""
    with pytest.raises(ValidationError) as caught:
        validator(*args, **kwargs)
    return " | ".join(caught.value.messages)


# --- strategies ------------------------------------------------------------------------------

_EMAIL_PLACEHOLDERS = [
    "%s",
    "#{customerIdentifier}",
    "#{workspaceIdentifier}",
    "#{projectIdentifier}",
    "#{projectIdentifier:%.7s}",
    "#{customerIdentifier:%.3s}",
    "#{platform}",
    "#{platform:%.5s}",
    "#{tenantPlatformNumber}",
    "#{tenantPlatformNumber:%03d}",
    "#{tenantPlatformNumber:%08d}",
]
_ALIAS_PLACEHOLDERS = [
    "<customer>",
    "<project>",
    "%s",
    "#{customerIdentifier}",
    "#{workspaceIdentifier:%.4s}",
    "#{projectIdentifier}",
    "#{projectIdentifier:%.7s}",
    "#{platform}",
    "#{tenantPlatformNumber}",
    "#{tenantPlatformNumber:%04d}",
]


def patterns_of(placeholders: list[str], literal_alphabet: str) -> st.SearchStrategy[str]:
    """Literal fragments and placeholders in any order, half of them shaped like real patterns."""
    literal = st.text(alphabet=literal_alphabet, max_size=4)
    anything = st.lists(
        st.one_of(st.sampled_from(placeholders), literal), min_size=1, max_size=5
    ).map("".join)
    customer = st.sampled_from(
        [p for p in placeholders if "customer" in p.lower() or "workspace" in p]
    )
    project = st.sampled_from([p for p in placeholders if "project" in p or "Number" in p])
    shaped = st.builds(
        "{}{}{}{}{}{}".format,
        literal,
        st.one_of(customer, st.just("%s")),
        literal,
        project,
        literal,
        st.one_of(st.just(""), st.sampled_from(placeholders)),
    )
    return st.one_of(anything, shaped)


email_templates = st.builds(
    "{}@{}".format,
    patterns_of(_EMAIL_PLACEHOLDERS, "aws+-_."),
    st.sampled_from(["meshcloud.io", "x.io", "example.com", "mail.example.org", "localhost"]),
)
alias_patterns = patterns_of(_ALIAS_PLACEHOLDERS, "abXY019-._")

limits = st.fixed_dictionaries(
    {
        "customer_length": st.integers(1, MAX_CUSTOMER_IDENTIFIER_LENGTH),
        "project_length": st.integers(1, MAX_PROJECT_IDENTIFIER_LENGTH),
        "platform": st.one_of(st.just(""), platform_identifiers),
    }
)


accounts = st.lists(
    st.tuples(
        identifiers(MAX_CUSTOMER_IDENTIFIER_LENGTH),
        identifiers(MAX_PROJECT_IDENTIFIER_LENGTH),
        platform_identifiers,
        st.integers(1, MAX_TENANT_PLATFORM_NUMBER),
    ),
    min_size=1,
    max_size=4,
)


def _fit(identifier: str, max_length: int) -> str:
    # Still a valid identifier: it starts with a letter or digit, and no hyphen is left last.
    return identifier[:max_length].rstrip("-")


def contexts(drawn: list[tuple], chosen: dict) -> list[NameContext]:
    """Project accounts whose identifiers are cut to the chosen limits, on the chosen platform."""
    return [
        NameContext(
            customer=_fit(customer, chosen["customer_length"]),
            project=_fit(project, chosen["project_length"]),
            platform=chosen["platform"] or platform,
            tenant_platform_number=number,
        )
        for customer, project, platform, number in drawn
    ]


# --- properties ------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(identifier=identifiers(MAX_PROJECT_IDENTIFIER_LENGTH))
def test_it_accepts_every_identifier_the_strategy_draws(identifier):
    validate_identifier(identifier, max_length=MAX_PROJECT_IDENTIFIER_LENGTH)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), template=email_templates, chosen=limits)
def test_it_renders_a_valid_address_for_every_account_once_a_template_is_accepted(
    data, template, chosen
):
    try:
        worst = validate_email_template(template, **chosen)
    except ValidationError:
        assume(False)
    for context in contexts(data.draw(accounts), chosen):
        address = render_account_email(template, context)
        validate_account_email(address)
        assert len(address) <= len(worst)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), pattern=alias_patterns, chosen=limits)
def test_it_renders_a_valid_alias_for_every_account_once_a_pattern_is_accepted(
    data, pattern, chosen
):
    try:
        validate_alias_pattern(pattern, **chosen)
    except ValidationError:
        assume(False)
    worst = alias_worst_case(pattern, **chosen)
    for context in contexts(data.draw(accounts), chosen):
        alias = render_account_alias(pattern, context)
        validate_account_alias(alias)
        assert len(alias) <= len(worst)


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet="aZ09._ -", max_size=20))
def test_it_sanitises_idempotently(text):
    assert sanitize_alias(sanitize_alias(text)) == sanitize_alias(text)


# --- e-mail templates ------------------------------------------------------------------------


def test_it_rejects_an_email_template_without_percent_s():
    assert "needs exactly one %s (replaced by <customer>.<project>)" in _error(
        validate_email_template, "aws@meshcloud.io", **LIMITS
    )


def test_it_rejects_an_email_template_with_two_percent_s():
    assert "has 2 %s" in _error(validate_email_template, "aws+%s.%s@meshcloud.io", **LIMITS)


def test_it_rejects_the_20_character_template_whose_longest_address_has_65_characters():
    template = "aws+%s@meshcloud.iox"
    assert len(template) == 20
    message = _error(validate_email_template, template, **LIMITS)
    assert "the longest address it can produce has 65 characters" in message
    assert "customer identifiers up to 16, project identifiers up to 30" in message
    assert "AWS allows 64" in message


def test_it_accepts_the_19_character_template_and_returns_its_64_character_worst_case():
    worst = validate_email_template("aws+%s@meshcloud.io", **LIMITS)
    assert worst == f"aws+{'a' * 16}.{'a' * 30}@meshcloud.io"
    assert len(worst) == 64


def test_it_measures_the_worst_case_with_the_configured_identifier_lengths():
    worst = validate_email_template(
        "platform-team+%s@meshcloud.io", customer_length=8, project_length=20
    )
    assert len(worst) == len("platform-team+@meshcloud.io") + 8 + 1 + 20


def test_it_accepts_an_email_template_naming_customer_and_project_without_percent_s():
    validate_email_template("aws+#{customerIdentifier}-#{projectIdentifier}@x.io", **LIMITS)


def test_it_accepts_an_email_template_with_only_the_tenant_platform_number():
    assert validate_email_template("aws+#{tenantPlatformNumber:%03d}@x.io", **LIMITS) == (
        "aws+999999@x.io"
    )


def test_it_rejects_an_email_template_that_truncates_the_project_without_a_number():
    message = _error(
        validate_email_template,
        "aws+#{customerIdentifier}-#{projectIdentifier:%.7s}@x.io",
        **LIMITS,
    )
    assert "needs exactly one %s" in message


def test_it_rejects_placeholders_in_the_email_domain():
    assert "#{platform} after the @" in _error(
        validate_email_template, "aws+%s@#{platform}.example.com", **LIMITS
    )


def test_it_rejects_an_email_template_without_an_at_sign():
    assert "has 0 @ signs" in _error(validate_email_template, "aws+%s.meshcloud.io", **LIMITS)


def test_it_rejects_a_non_ascii_email_template():
    assert "7-bit ASCII" in _error(validate_email_template, "müller+%s@x.io", **LIMITS)


def test_it_rejects_an_email_template_that_renders_an_invalid_address():
    message = _error(validate_email_template, "aws.%s.@x.io", **LIMITS)
    assert "renders 'aws.a" in message
    assert "part before the @" in message


def test_it_rejects_angle_placeholders_in_email_templates():
    assert "alias patterns only" in _error(validate_email_template, "aws+<customer>@x.io", **LIMITS)


def test_it_renders_the_integration_page_email_example():
    context = NameContext(customer="customer", project="projecta")
    assert render_account_email("aws+%s@meshcloud.io", context) == (
        "aws+customer.projecta@meshcloud.io"
    )


def test_it_renders_the_longest_email_with_the_given_platform():
    assert email_worst_case(
        "#{platform}+%s@x.io", customer_length=2, project_length=3, platform="aws-prod"
    ) == ("aws-prod+aa.aaa@x.io")


# --- alias patterns --------------------------------------------------------------------------


def test_it_renders_the_original_default_alias_with_a_hyphen_instead_of_the_dot():
    assert render_account_alias("%s.%s", ACME_WEB) == "acme-web"


def test_it_warns_that_sanitising_changes_the_default_alias():
    warnings = validate_alias_pattern("%s.%s", **LIMITS)
    assert warnings == [
        "sanitising changes the alias: 'acme.web' becomes 'acme-web' (dots become hyphens)"
    ]


def test_it_accepts_the_integration_page_alias_pattern_without_warnings():
    assert validate_alias_pattern("meshcloud-<customer>-<project>", **LIMITS) == []


def test_it_rejects_an_alias_pattern_whose_longest_alias_exceeds_63():
    message = _error(validate_alias_pattern, "meshcloud-platform-<customer>-<project>", **LIMITS)
    assert "the longest alias it can produce has 66 characters" in message
    assert "AWS allows 63" in message


def test_it_rejects_an_alias_pattern_with_a_character_sanitising_cannot_fix():
    message = _error(validate_alias_pattern, "acme!<customer>-<project>", **LIMITS)
    assert "'!'" in message
    assert "even after sanitising" in message


def test_it_names_a_space_in_an_alias_pattern():
    assert "contains a space" in _error(validate_alias_pattern, "<customer> <project>", **LIMITS)


def test_it_rejects_an_alias_pattern_that_gives_several_accounts_one_alias():
    assert "would give several accounts the same alias" in _error(
        validate_alias_pattern, "team-<project>", **LIMITS
    )


def test_it_rejects_an_alias_pattern_that_truncates_the_project():
    assert "same alias" in _error(
        validate_alias_pattern, "<customer>-#{projectIdentifier:%.7s}", **LIMITS
    )


def test_it_rejects_an_alias_pattern_that_renders_too_short():
    assert "renders 'aa' (2 characters); AWS needs at least 3" in _error(
        validate_alias_pattern, "<customer><project>", **LIMITS
    )


def test_it_rejects_an_alias_pattern_that_renders_all_digits():
    message = _error(validate_alias_pattern, "#{tenantPlatformNumber:%03d}", **LIMITS)
    assert "renders '001'" in message
    assert "digits only" in message


def test_it_rejects_concatenated_identifiers_that_can_be_all_digits():
    assert "digits only" in _error(validate_alias_pattern, "<customer><project>", **LIMITS)


def test_it_accepts_a_tenant_number_alias_with_a_letter_prefix():
    validate_alias_pattern("acct-#{tenantPlatformNumber:%06d}", **LIMITS)


def test_it_rejects_more_than_two_percent_s_in_an_alias_pattern():
    assert "has 3 %s" in _error(validate_alias_pattern, "%s-%s-%s", **LIMITS)


def test_it_fills_percent_s_in_alias_patterns_with_customer_then_project():
    assert render_account_alias("%s-x-%s", ACME_WEB) == "acme-x-web"


def test_it_renders_the_longest_alias_after_sanitising():
    assert alias_worst_case("X_<customer>.<project>", customer_length=2, project_length=3) == (
        "x-aa-aaa"
    )


# --- placeholders ----------------------------------------------------------------------------


def test_it_truncates_with_a_precision_format():
    context = NameContext(customer="acme", project="webshopprod")
    assert render_account_alias("<customer>-#{projectIdentifier:%.7s}", context) == ("acme-webshop")


def test_it_zero_pads_the_tenant_platform_number():
    context = NameContext(customer="acme", project="web", tenant_platform_number=7)
    assert render_account_email("aws+#{tenantPlatformNumber:%03d}@x.io", context) == (
        "aws+007@x.io"
    )


def test_it_treats_the_workspace_identifier_as_the_customer_identifier():
    assert render_account_alias("#{workspaceIdentifier}-#{customerIdentifier}", ACME_WEB) == (
        "acme-acme"
    )


def test_it_renders_the_platform():
    assert render_account_alias("#{platform}-<customer>-<project>", ACME_WEB) == (
        "aws-prod-acme-web"
    )


def test_it_rejects_an_unknown_hash_placeholder():
    assert "unknown placeholder #{foo}" in _error(
        validate_alias_pattern, "#{foo}-<customer>-<project>", **LIMITS
    )


def test_it_rejects_an_unknown_angle_placeholder():
    assert "unknown placeholder <team>" in _error(
        validate_alias_pattern, "<team>-<customer>-<project>", **LIMITS
    )


def test_it_rejects_a_placeholder_without_a_closing_brace():
    assert "without a closing '}'" in _error(
        validate_email_template, "aws+#{projectIdentifier@x.io", **LIMITS
    )


def test_it_rejects_a_number_format_on_a_text_placeholder():
    assert "#{projectIdentifier:%d}" in _error(
        validate_alias_pattern, "<customer>-#{projectIdentifier:%d}", **LIMITS
    )


def test_it_rejects_a_format_that_pads_with_spaces():
    assert "pads with spaces" in _error(
        validate_alias_pattern, "<customer>-<project>-#{tenantPlatformNumber:%5d}", **LIMITS
    )


def test_it_rejects_a_format_that_is_not_printf():
    assert "'%x'" in _error(validate_alias_pattern, "<customer>-#{projectIdentifier:%x}", **LIMITS)


def test_it_raises_on_unknown_placeholders_when_rendering():
    with pytest.raises(ValidationError):
        render_account_email("aws+#{foo}@x.io", ACME_WEB)


def test_it_renders_the_account_name():
    assert render_account_name(ACME_WEB) == "acme.web"


def test_it_sanitises_case_underscores_and_repeated_hyphens():
    assert sanitize_alias("--Acme__Web..x-") == "acme-web-x"


# --- account e-mail and alias ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "fragment"),
    [
        ("a@b.c", "has 5 characters"),
        ("aws+" + "a" * 56 + "@x.io", "has 65 characters"),
        ("a@b@c.io", "2 @ signs"),
        ("aws.@x.io", "part before the @"),
        ("aws@localhost", "part after the @"),
    ],
)
def test_it_rejects_account_emails_aws_refuses(address, fragment):
    assert fragment in _error(validate_account_email, address)


@pytest.mark.parametrize(
    ("alias", "fragment"),
    [
        ("ab", "has 2 characters"),
        ("acme.web", "'.'"),
        ("acme--web", "two hyphens"),
        ("-acme", "start and end"),
        ("123456", "all digits"),
    ],
)
def test_it_rejects_account_aliases_aws_refuses(alias, fragment):
    assert fragment in _error(validate_account_alias, alias)


# --- identifiers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "must not be empty"),
        ("a" * 17, "has 17 characters; a customer identifier may have at most 16"),
        ("Acme", "contains 'A'"),
        ("-acme", "start and end"),
        ("ac--me", "two hyphens"),
    ],
)
def test_it_rejects_identifiers_that_break_a_rule(value, fragment):
    assert fragment in _error(validate_identifier, value, max_length=16, kind="customer identifier")


def test_it_keys_identifier_limit_errors_by_field():
    with pytest.raises(ValidationError) as caught:
        validate_identifier_limits(17, 31)
    assert set(caught.value.message_dict) == {"customerIdentifierLength", "projectIdentifierLength"}


def test_it_accepts_the_integration_page_identifier_limits():
    validate_identifier_limits(16, 30)


def test_it_rejects_a_platform_identifier_starting_with_a_digit():
    assert "start with a lowercase letter" in _error(validate_platform_identifier, "1aws")


# --- AWS resources ---------------------------------------------------------------------------


def test_it_rejects_a_role_name_of_65_characters():
    assert "has 65 characters; an IAM role name may have at most 64" in _error(
        validate_role_name, "R" * 65
    )


def test_it_names_a_space_in_a_role_name():
    assert "contains a space" in _error(validate_role_name, "Mesh Admin")


def test_it_accepts_a_role_name_with_every_allowed_punctuation():
    validate_role_name("Mesh+Admin=1,a.b@c_d-e")


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("AdministratorAccess", "is not an ARN"),
        ("arn:aws:iam::123456789012:role/Admin", "is an IAM role ARN, not a policy ARN"),
        ("arn:aws:s3:::bucket/key", "not an IAM policy ARN"),
        ("arn:aws:iam::12345:policy/Admin", "'aws' or 12 digits"),
        ("arn:aws:iam::aws:policy/Admin Access", "contains a space"),
    ],
)
def test_it_rejects_a_policy_arn_that_is_not_one(value, fragment):
    assert fragment in _error(validate_policy_arn, value)


@pytest.mark.parametrize(
    "value",
    [
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
        "arn:aws-cn:iam::123456789012:policy/team/Custom",
    ],
)
def test_it_accepts_managed_and_customer_policy_arns(value):
    validate_policy_arn(value)


def test_it_rejects_a_user_arn_as_role_arn():
    assert "is an IAM user ARN, not a role ARN (" in _error(
        validate_role_arn, "arn:aws:iam::123456789012:user/meshfed-service"
    )


def test_it_rejects_a_role_arn_with_an_11_digit_account():
    assert "12 digits" in _error(validate_role_arn, "arn:aws:iam::12345678901:role/Meshfed")


def test_it_rejects_a_role_arn_whose_name_is_too_long():
    assert "its role name has 65 characters" in _error(
        validate_role_arn, "arn:aws:iam::123456789012:role/" + "R" * 65
    )


def test_it_accepts_a_role_arn_with_a_path():
    validate_role_arn("arn:aws-us-gov:iam::123456789012:role/meshcloud/MeshfedServiceRole")


def test_it_rejects_a_region_that_does_not_exist():
    message = _error(validate_region, "eu-middle-7")
    assert "'eu-middle-7' is not an AWS region" in message
    assert "eu-central-1" in message


def test_it_accepts_a_known_region():
    validate_region("eu-central-1")


@pytest.mark.parametrize("value", ["ou-12", "ou_abcd_12345678", "ou-abcd-1234567", "r-ab"])
def test_it_rejects_an_ou_id_with_the_wrong_shape(value):
    assert "is not an organizational unit id" in _error(validate_target_ou, value)


@pytest.mark.parametrize("value", ["ou-ab12-cd34ef56", "r-ab12"])
def test_it_accepts_ou_and_root_ids(value):
    validate_target_ou(value)


def test_it_rejects_an_external_id_of_one_character():
    assert "at least 2 characters" in _error(validate_external_id, "Z")


@pytest.mark.parametrize("value", ["Q", "hunter2 secret!", "K" * 1225, "pässwörd"])
def test_it_never_puts_the_external_id_in_its_messages(value):
    assert value not in _error(validate_external_id, value)


def test_it_accepts_a_guid_external_id():
    validate_external_id("3f2c7a0e-8b1d-4c55-9e0a-2b6f4d1c9a77")


def test_it_rejects_an_arn_as_account_access_role():
    assert "give the role name, not its ARN" in _error(
        validate_access_role_name, "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole"
    )


@pytest.mark.parametrize("value", ["OrganizationAccountAccessRole", "Access+=,.@_-1", "A" * 64])
def test_it_accepts_an_account_access_role_name(value):
    validate_access_role_name(value)


@pytest.mark.parametrize("value", ["/meshcloud/Access", "meshcloud/Access", "/Access", "Access/"])
def test_it_refuses_an_account_access_role_with_a_path_as_create_account_does(value):
    message = _error(validate_access_role_name, value)
    assert "without a path" in message and "CreateAccount's RoleName" in message


@pytest.mark.parametrize(
    ("value", "words"), [("", "1 to 64"), ("A" * 65, "at most 64"), ("Access Role", "a space")]
)
def test_it_refuses_an_account_access_role_name_create_account_refuses(value, words):
    assert words in _error(validate_access_role_name, value)


def test_it_rejects_a_stack_set_name_starting_with_a_digit():
    assert "start with a letter" in _error(validate_stack_set_name, "1-bootstrap")


def test_it_rejects_a_tag_prefix_in_the_reserved_aws_namespace():
    assert "reserves" in _error(validate_tag_prefix, "AWS:meshstack")


def test_it_accepts_an_empty_tag_prefix():
    validate_tag_prefix("")


def test_it_rejects_an_empty_tag_key():
    assert "must not be empty" in _error(validate_tag_key_name, "")


def test_it_names_the_bad_character_of_a_saml_provider_name():
    assert "contains a space" in _error(validate_saml_provider_name, "mesh idp")


def test_it_keeps_the_documented_defaults_at_the_maxima():
    assert patterns.DEFAULT_CUSTOMER_IDENTIFIER_LENGTH == MAX_CUSTOMER_IDENTIFIER_LENGTH == 16
    assert patterns.DEFAULT_PROJECT_IDENTIFIER_LENGTH == MAX_PROJECT_IDENTIFIER_LENGTH == 30
