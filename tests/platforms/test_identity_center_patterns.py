"""Identity Center's naming rules: group names from their pattern, and the ids AWS takes."""

import pytest
from django.core.exceptions import ValidationError

from platforms import patterns

ACME_WEB = patterns.NameContext(
    customer="acme", project="web", platform="aws", tenant_platform_number=7
)
LIMITS = {"customer_length": 16, "project_length": 30}


def test_it_renders_a_group_name_per_project_role():
    pattern = "mst-#{customerIdentifier}.#{projectIdentifier}-#{projectRoleIdentifier}"
    assert patterns.render_group_name(pattern, ACME_WEB, "admin") == "mst-acme.web-admin"
    assert patterns.render_group_name(pattern, ACME_WEB, "reader") == "mst-acme.web-reader"


def test_it_renders_the_other_placeholders_and_their_formats():
    pattern = "#{platform}/<customer>/<project>/#{tenantPlatformNumber:%03d}/#{projectRoleIdentifier:%.3s}"
    assert patterns.render_group_name(pattern, ACME_WEB, "admin") == "aws/acme/web/007/adm"


def test_project_roles_are_a_placeholder_of_group_names_only():
    with pytest.raises(ValidationError, match="unknown placeholder #{projectRoleIdentifier}"):
        patterns.validate_alias_pattern("a-<customer>-<project>-#{projectRoleIdentifier}", **LIMITS)


def test_the_worst_case_takes_every_placeholder_at_its_longest():
    pattern = "#{customerIdentifier}.#{projectIdentifier}-#{projectRoleIdentifier}"
    worst = patterns.validate_group_name_pattern(pattern, customer_length=5, project_length=7)
    assert worst == "aaaaa.aaaaaaa-" + "a" * patterns.MAX_PROJECT_ROLE_IDENTIFIER_LENGTH


@pytest.mark.parametrize(
    "pattern",
    [
        "mst #{customerIdentifier} #{projectIdentifier} #{projectRoleIdentifier}",
        "Gruppe «#{customerIdentifier}» · #{projectIdentifier} / #{projectRoleIdentifier}",
        "<>;:%#{customerIdentifier}#{projectIdentifier}#{projectRoleIdentifier}",
    ],
)
def test_it_takes_what_identity_store_takes_in_a_display_name(pattern):
    patterns.validate_group_name_pattern(pattern, **LIMITS)


def test_it_keeps_groups_apart_by_customer_project_and_role_in_full():
    truncated = "#{customerIdentifier}#{projectIdentifier:%.5s}#{projectRoleIdentifier}"
    with pytest.raises(ValidationError, match="several groups the same name"):
        patterns.validate_group_name_pattern(truncated, **LIMITS)
    # A precision as long as the limit keeps the whole identifier.
    whole = "#{customerIdentifier}#{projectIdentifier:%.30s}#{projectRoleIdentifier:%.50s}"
    patterns.validate_group_name_pattern(whole, **LIMITS)


@pytest.mark.parametrize(
    ("validator", "value"),
    [
        (patterns.validate_instance_arn, "arn:aws:sso:::instance/ssoins-0123456789abcdef"),
        (patterns.validate_instance_arn, "arn:aws-us-gov:sso:::instance/ins-0123456789abcdef"),
        (patterns.validate_identity_store_id, "d-1234567890"),
        (patterns.validate_identity_store_id, "0a1b2c3d-0a1b-0a1b-0a1b-0a1b2c3d4e5f"),
        (patterns.validate_permission_set_arn,
         "arn:aws:sso:::permissionSet/ssoins-0123456789abcdef/ps-0123456789abcdef"),
        (patterns.validate_sign_in_url, "https://d-1234567890.awsapps.com/start"),
    ],
)  # fmt: skip
def test_it_takes_the_ids_of_the_api_reference(validator, value):
    validator(value)


@pytest.mark.parametrize(
    ("validator", "value"),
    [
        (patterns.validate_instance_arn, "arn:aws:sso:::instance/ssoins-0123"),
        (patterns.validate_instance_arn, "arn:aws:iam::123456789012:role/x"),
        (patterns.validate_identity_store_id, "d-123456789g"),
        (patterns.validate_identity_store_id, "arn:aws:identitystore::123456789012:identitystore/d-1234567890"),
        (patterns.validate_permission_set_arn,
         "arn:aws:sso:::instance/ssoins-0123456789abcdef/ps-0123456789abcdef"),
        (patterns.validate_permission_set_arn,
         "arn:aws:sso:::permissionSet/ssoins-0123456789abcdef/ps-01234"),
        (patterns.validate_sign_in_url, "http://d-1234567890.awsapps.com/start"),
        (patterns.validate_sign_in_url, "https://" + "a" * 300 + ".example"),
    ],
)  # fmt: skip
def test_it_refuses_what_the_api_reference_refuses(validator, value):
    with pytest.raises(ValidationError):
        validator(value)
