"""AWS naming rules and placeholder rendering: the one place in meshaws that knows them.

Forms, file import, the API and the replication engine validate configuration values and render
account e-mail addresses, aliases and names through this module, so a pattern accepted anywhere
renders a name AWS accepts everywhere. Validators raise ValidationError with a short message
that says what is wrong and what is allowed; the caller adds the field name.

Two placeholder syntaxes work. The integration page's: one `%s` in the e-mail template
(replaced by `<customer>.<project>`), `<customer>` and `<project>` in the alias pattern (where
`%s` also works positionally: customer, then project). The later one, in both:
`#{workspaceIdentifier}` (alias `#{customerIdentifier}`), `#{projectIdentifier}`,
`#{platform}` and `#{tenantPlatformNumber}`, each with an optional printf format after a colon,
as in `#{projectIdentifier:%.7s}` or `#{tenantPlatformNumber:%03d}`.

Import everything from `platforms.patterns`; the modules of the package split it by sub-domain:

- `identifiers`: customer, project and platform identifiers and their length limits;
- `resources`: names of AWS resources (region, IAM role and policy names and ARNs, external
  ids, OU and root ids, StackSet names, tags, SAML provider name);
- `account_names`: an account's e-mail address and alias as AWS accepts them, sanitize_alias;
- `placeholders`: NameContext, the account name and the parsing of both placeholder syntaxes;
- `rendering`: rendering templates and patterns, their worst cases, and their validation;
- `documents`: CloudFormation templates and SAML metadata;
- `display_names`: the free-text names people read (no bidirectional control characters);
- `credentials`: the web identity token file of keyless credentials;
- `sign_in`: the console sign-in URL template (`{account_id}`, `{role_name}`, … placeholders);
- `identity_center`: Identity Center ids and ARNs, the access portal URL, and group names
  (the pattern adds `#{projectRoleIdentifier}`, e.g. `admin`);
- `_messages`: pieces of validation messages the others share.
"""

from .account_names import (
    sanitize_alias,
    validate_account_alias,
    validate_account_email,
)
from .credentials import (
    MAX_TOKEN_FILE_PATH,
    validate_token_file,
    validate_web_identity_endpoint,
)
from .display_names import validate_display_name
from .documents import (
    MAX_SAML_METADATA,
    MAX_TEMPLATE_BODY,
    MIN_SAML_METADATA,
    cloudformation_parameters,
    validate_cloudformation_template,
    validate_saml_metadata,
)
from .identifiers import (
    DEFAULT_CUSTOMER_IDENTIFIER_LENGTH,
    DEFAULT_PROJECT_IDENTIFIER_LENGTH,
    MAX_CUSTOMER_IDENTIFIER_LENGTH,
    MAX_PROJECT_IDENTIFIER_LENGTH,
    MAX_PROJECT_ROLE_IDENTIFIER_LENGTH,
    MAX_TENANT_PLATFORM_NUMBER,
    validate_external_user_id,
    validate_identifier,
    validate_identifier_limits,
    validate_platform_identifier,
)
from .identity_center import (
    MAX_GROUP_NAME_LENGTH,
    MAX_SIGN_IN_URL_LENGTH,
    group_name_worst_case,
    render_group_name,
    validate_group_name_pattern,
    validate_identity_store_id,
    validate_instance_arn,
    validate_permission_set_arn,
    validate_sign_in_url,
)
from .placeholders import NameContext, render_account_name
from .rendering import (
    alias_worst_case,
    email_worst_case,
    render_account_alias,
    render_account_email,
    validate_alias_pattern,
    validate_email_template,
)
from .resources import (
    MAX_PROJECT_TAGS,
    validate_access_role_name,
    validate_aws_account_id,
    validate_external_id,
    validate_policy_arn,
    validate_project_tags,
    validate_region,
    validate_role_arn,
    validate_role_name,
    validate_saml_provider_name,
    validate_stack_set_name,
    validate_tag_key_name,
    validate_tag_prefix,
    validate_target_ou,
)
from .sign_in import (
    CONSOLE_SIGN_IN_PLACEHOLDERS,
    MAX_CONSOLE_SIGN_IN_URL_TEMPLATE,
    console_sign_in_placeholders,
    render_console_sign_in_url,
    validate_console_sign_in_url_template,
)

__all__ = [
    "cloudformation_parameters",
    "MAX_PROJECT_TAGS",
    "validate_aws_account_id",
    "validate_external_user_id",
    "validate_project_tags",
    # identifiers
    "DEFAULT_CUSTOMER_IDENTIFIER_LENGTH",
    "DEFAULT_PROJECT_IDENTIFIER_LENGTH",
    "MAX_CUSTOMER_IDENTIFIER_LENGTH",
    "MAX_PROJECT_IDENTIFIER_LENGTH",
    "MAX_PROJECT_ROLE_IDENTIFIER_LENGTH",
    "MAX_TENANT_PLATFORM_NUMBER",
    "validate_identifier",
    "validate_identifier_limits",
    "validate_platform_identifier",
    # credentials
    "MAX_TOKEN_FILE_PATH",
    "validate_token_file",
    "validate_web_identity_endpoint",
    # resources
    "validate_region",
    "validate_role_name",
    "validate_role_arn",
    "validate_policy_arn",
    "validate_access_role_name",
    "validate_external_id",
    "validate_target_ou",
    "validate_stack_set_name",
    "validate_tag_prefix",
    "validate_tag_key_name",
    "validate_saml_provider_name",
    # account_names
    "validate_account_email",
    "validate_account_alias",
    "sanitize_alias",
    # placeholders
    "NameContext",
    "render_account_name",
    # rendering
    "render_account_email",
    "render_account_alias",
    "email_worst_case",
    "alias_worst_case",
    "validate_email_template",
    "validate_alias_pattern",
    # documents
    "MAX_TEMPLATE_BODY",
    "MIN_SAML_METADATA",
    "MAX_SAML_METADATA",
    "validate_cloudformation_template",
    "validate_saml_metadata",
    # display_names
    "validate_display_name",
    # sign_in
    "CONSOLE_SIGN_IN_PLACEHOLDERS",
    "MAX_CONSOLE_SIGN_IN_URL_TEMPLATE",
    "console_sign_in_placeholders",
    "render_console_sign_in_url",
    "validate_console_sign_in_url_template",
    # identity_center
    "MAX_GROUP_NAME_LENGTH",
    "MAX_SIGN_IN_URL_LENGTH",
    "group_name_worst_case",
    "render_group_name",
    "validate_group_name_pattern",
    "validate_identity_store_id",
    "validate_instance_arn",
    "validate_permission_set_arn",
    "validate_sign_in_url",
]
