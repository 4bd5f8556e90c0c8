"""What to fix: one catalogue from an AWS error code, and where it was met (a replication step or
an AWS operation), to what an operator changes, naming the platform field when there is one.

The connection check and the replication pages (failed and retrying runs, the dashboard) both
read it, so one error gets the same advice wherever it is shown. The codes are those the AWS
API references give for the operations meshaws calls (STS, Organizations, IAM, CloudFormation
StackSets, IAM Identity Center and its identity store), Organizations' constraint reasons and
creation failure reasons, the states a step reports as its code, and botocore's names for an
endpoint that does not answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws

# The "step" the connection check names for its first check: where credentials come from.
CREDENTIALS = "credentials"
RESOLVE_CREDENTIALS = "ResolveCredentials"
ASSUME_ROLE = "AssumeRole"
ASSUME_ROLE_WITH_WEB_IDENTITY = "AssumeRoleWithWebIdentity"

ORGANIZATION_STEPS = frozenset(
    {"account", "external-avm", "tags", "organizational-unit", "untag", "retire-ou", "close"}
)
MEMBER_STEPS = frozenset({"alias", "identity-provider", "roles", "revoke-access"})
STACK_STEPS = frozenset({"bootstrap-stack"})
IDENTITY_STORE_STEPS = frozenset({"groups", "memberships"})
ASSIGNMENT_STEPS = frozenset({"assignments"})
ORGANIZATIONS_OPERATIONS = frozenset(
    {
        "ListRoots", "DescribeOrganization", "DescribeOrganizationalUnit", "CreateAccount",
        "DescribeAccount", "DescribeCreateAccountStatus", "ListAccounts", "ListParents",
        "MoveAccount", "TagResource", "UntagResource", "ListTagsForResource", "CloseAccount",
    }
)  # fmt: skip
# What the connection check calls in IAM Identity Center, by the service of their IAM actions.
IDENTITY_CENTER_CHECK_OPERATIONS = {
    "sso": frozenset({"ListInstances", "DescribePermissionSet"}),
    "identitystore": frozenset({"ListGroups"}),
}
CLOUDFORMATION_OPERATIONS = frozenset(
    {
        "DescribeStackSet", "CreateStackSet", "UpdateStackSet", "ListStackInstances",
        "DescribeStackInstance", "CreateStackInstances", "UpdateStackInstances",
        "DescribeStackSetOperation",
    }
)  # fmt: skip

# Which role makes the calls of a step, and the platform field that names it.
ROLE_FIELDS = {
    "management": "organizationRootAccountRole",
    "automation": "automationAccountRole",
    "Identity Center": "identityCenter.roleArn",
    "access": "accountAccessRole",
}
STEP_ROLES = {
    "connect": "management",
    **dict.fromkeys(ORGANIZATION_STEPS, "management"),
    "access": "access",
    **dict.fromkeys(MEMBER_STEPS, "access"),
    "bootstrap-stack": "automation",
    **dict.fromkeys(IDENTITY_STORE_STEPS | ASSIGNMENT_STEPS, "Identity Center"),
}
# What a placeholder says when the caller does not know it (the pages know less than a check).
DEFAULTS = {
    "what": "the",
    "role_arn": "the role",
    "principal": "meshaws' credentials",
    "operation": "the call",
    "endpoint": "AWS",
    "stack_set": "the landing zone's StackSet",
    "region": "its region",
    "target": "(its target or retired OU)",
}


@dataclass(frozen=True)
class Advice:
    """What to fix, and the platform field (its record key) the operator changes, if any."""

    text: str
    field: str = ""


@dataclass(frozen=True)
class Rule:
    """One entry: the codes it answers, where it applies (a step or an operation; neither:
    anywhere), and the advice, whose text and field may name the caller's context."""

    codes: frozenset[str]
    text: str
    field: str = ""
    steps: frozenset[str] = frozenset()
    operations: frozenset[str] = frozenset()

    def applies(self, code: str, step: str, operation: str) -> bool:
        if code not in self.codes:
            return False
        if not self.steps and not self.operations:
            return True
        return step in self.steps or operation in self.operations


def _rule(codes, text: str, field: str = "", steps=(), operations=()) -> Rule:
    codes = frozenset({codes} if isinstance(codes, str) else codes)
    return Rule(codes, text, field, frozenset(steps), frozenset(operations))


DENIED = aws.ACCESS_DENIED_CODES
_CREDENTIAL_CALLS = {
    "steps": {CREDENTIALS},
    "operations": {RESOLVE_CREDENTIALS, ASSUME_ROLE_WITH_WEB_IDENTITY},
}
_ASSUMING = {"operations": {ASSUME_ROLE}}
_ORGANIZATIONS = {"steps": ORGANIZATION_STEPS, "operations": ORGANIZATIONS_OPERATIONS}
_STACKS = {"steps": STACK_STEPS, "operations": CLOUDFORMATION_OPERATIONS}

# In order: the first rule that applies gives the advice.
RULES: tuple[Rule, ...] = (
    _rule(aws.UNREACHABLE_CODES,
          "meshaws cannot reach {endpoint}; check the platform's endpoint URL and network",
          "endpointUrl"),
    # Where meshaws' own credentials come from (the check's first check; a run's connect step).
    _rule("NoCredentials",
          "give the platform meshfedServiceUser keys or webIdentity, or run meshaws where "
          "boto3's default chain finds credentials (instance or pod role, AWS_* environment, "
          "profile)", "meshfedServiceUser", **_CREDENTIAL_CALLS),
    _rule("InvalidWebIdentityTokenFile",
          "fix webIdentity.tokenFile: it must name a readable file holding the OIDC token",
          "webIdentity.tokenFile", **_CREDENTIAL_CALLS),
    _rule(DENIED | {"InvalidIdentityToken", "IDPRejectedClaim"},
          "check the web identity role's trust policy: it must allow "
          "sts:AssumeRoleWithWebIdentity for the token's issuer, audience and subject",
          "webIdentity.roleArn", **_CREDENTIAL_CALLS),
    _rule({"ExpiredTokenException", "ExpiredToken"},
          "the web identity token has expired; check that it is refreshed in its file",
          "webIdentity.tokenFile", **_CREDENTIAL_CALLS),
    _rule("IDPCommunicationError",
          "STS could not reach the token's identity provider; check the issuer's OIDC "
          "discovery endpoint is reachable from AWS", "webIdentity.roleArn", **_CREDENTIAL_CALLS),
    # AssumeRole: the management, automation, Identity Center or an account's access role.
    _rule(DENIED,
          "the new account's access role {role_arn} refuses the management role: check that "
          "its trust policy allows it and that privilegedExternalId matches",
          "privilegedExternalId", steps={"access"}),
    _rule(DENIED,
          "check the role's trust policy allows {principal} and that the external id matches",
          "{role_field}", **_ASSUMING),
    _rule(aws.INVALID_KEY_CODES,
          "the service user's access key or secret key is wrong or inactive; store the "
          "current keys of the meshfed-service user", "meshfedServiceUser"),
    _rule("ExpiredToken",
          "the service user's keys are expired; store current keys of meshfed-service",
          "meshfedServiceUser", **_ASSUMING),
    _rule({"ValidationError", "InvalidParameterValue"},
          "the {what} role ARN {role_arn} is malformed; fix it", "{role_field}", **_ASSUMING),
    _rule("RegionDisabledException",
          "STS is not enabled in the platform's region; activate it or change the region",
          "region"),
    # Organizations, with the management role.
    _rule(DENIED,
          "allow the management role organizations:{operation} (see the AWS setup guide)",
          "organizationRootAccountRole", **_ORGANIZATIONS),
    _rule("AWSOrganizationsNotInUseException",
          "the management role's account is not in an organization: use the role in the "
          "organization's management account", "organizationRootAccountRole"),
    _rule({"ACCOUNT_NUMBER_LIMIT_EXCEEDED", "ACCOUNT_LIMIT_EXCEEDED"},
          "the organization has reached its account quota (closed accounts count for 90 "
          "days); ask AWS Support to raise it"),
    _rule("ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED",
          "the organization's daily account creation quota is used up; meshaws tries again, "
          "or ask AWS Support to raise the quota"),
    _rule({"CLOSE_ACCOUNT_QUOTA_EXCEEDED", "CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED"},
          "AWS allows only a few account closures per month; the retirement waits and tries "
          "again"),
    _rule("CANNOT_CLOSE_MANAGEMENT_ACCOUNT",
          "the account is the organization's management account: detach the project account "
          "instead of retiring it"),
    _rule("ConstraintViolationException",
          "an organization limit refused the call (the message names it); raise the limit "
          "with AWS Support or free what counts towards it"),
    _rule({"EMAIL_ALREADY_EXISTS", "INVALID_EMAIL"},
          "AWS refuses the account's e-mail address; change the platform's e-mail template "
          "or free the address", "meshProvisioning.accountEmailTemplate"),
    _rule("INVALID_ADDRESS",
          "check the contact information of the organization's management account"),
    _rule("AccountNotFoundException",
          "the AWS account is not in this organization (any more): invite it back, or detach "
          "the project account and release its id"),
    _rule({"SUSPENDED", "PENDING_CLOSURE", "CLOSED"},
          "the AWS account is closed or suspended: reopen it with AWS Support, or detach the "
          "project account and release its id"),
    _rule("DuplicateAccountException",
          "the account is already where the run was moving it (someone moved it meanwhile); "
          "re-sync"),
    _rule({"DestinationParentNotFoundException", "ParentNotFoundException",
           "OrganizationalUnitNotFoundException"},
          "the landing zone's OU {target} does not exist in the organization; fix the landing "
          "zone", "landingZones[].targetOrganizationalUnit"),
    _rule("SourceParentNotFoundException",
          "the account moved while the run read where it was; re-sync"),
    _rule("FinalizingOrganizationException",
          "the organization is finishing the switch to all features; re-sync once it is done"),
    # IAM in the account, with its access role.
    _rule("EntityAlreadyExists",
          "the alias is taken by another AWS account (aliases are unique across AWS); change "
          "the platform's alias pattern", "accountAliasPattern",
          steps={"alias"}, operations={"CreateAccountAlias"}),
    _rule("NoSuchEntity",
          "a mapped policy ARN does not exist in the account; fix the role mappings",
          "roleMappings", steps={"roles"}),
    _rule({"InvalidInput", "MalformedPolicyDocument"},
          "IAM refused the SAML provider's metadata; fix identityProvider.metadataDocument",
          "identityProvider.metadataDocument", steps={"identity-provider"}),
    _rule("LimitExceeded",
          "the account reached an IAM quota (roles, aliases or policies per role); remove "
          "what is unused there or ask AWS for a higher quota", steps=MEMBER_STEPS),
    _rule(DENIED,
          "allow the account's access role iam:{operation}: accountAccessRole must name a role "
          "with the permissions of the AWS setup guide", "accountAccessRole", steps=MEMBER_STEPS),
    # CloudFormation StackSets, with the automation role.
    _rule(DENIED,
          "allow the automation role cloudformation:{operation} (and the StackSet operations "
          "meshaws uses)", "automationAccountRole", **_STACKS),
    _rule({"StackSetNotFoundException", "StackSetNotFound"},
          "create the StackSet {stack_set} in {region} in the automation account, or fix the "
          "landing zone", "landingZones[].stackSetName", **_STACKS),
    _rule("INOPERABLE",
          "delete the stack instance with RetainStacks, then its stack in the account, and "
          "re-sync", steps=STACK_STEPS),
    _rule("SKIPPED_SUSPENDED_ACCOUNT",
          "the account is suspended, so CloudFormation skips it: reopen it, or detach the "
          "project account", steps=STACK_STEPS),
    _rule({"FAILED", "CANCELLED", "STOPPED", "OUTDATED", "FAILED_IMPORT"},
          "see why in the StackSet's operations in the automation account (often the template "
          "or the account's AWSCloudFormationStackSetExecutionRole); fix the cause, delete the "
          "stack instance from the StackSet and re-sync", steps=STACK_STEPS),
    _rule("LimitExceededException",
          "the automation account reached a CloudFormation quota (StackSets or stack "
          "instances); remove unused ones or ask AWS for more", **_STACKS),
    # IAM Identity Center and its identity store.
    _rule("ConflictException",
          "another group of the identity store has the group's name; rename or delete that "
          "group, or change the group name pattern, then re-sync",
          "identityCenter.groupNamePattern", steps={"groups"}),
    _rule("ConflictException",
          "IAM Identity Center was still applying an earlier change; re-sync (meshaws retries "
          "it on its own when AWS says so)", steps=ASSIGNMENT_STEPS | {"memberships"}),
    _rule("ResourceNotFoundException",
          "a mapped permission set, or the group, is not in the instance: fix the role mappings "
          "or identityCenter.instanceArn", "roleMappings", steps=ASSIGNMENT_STEPS),
    _rule("ResourceNotFoundException",
          "the identity store has no such group or user: check identityCenter.identityStoreId "
          "and that bound users exist in Identity Center", "identityCenter.identityStoreId",
          steps=IDENTITY_STORE_STEPS),
    _rule("ServiceQuotaExceededException",
          "IAM Identity Center's quota is reached (groups, or assignments per account); ask "
          "AWS for a higher quota"),
    _rule(DENIED,
          "allow the Identity Center role identitystore:{operation} (identityCenter.roleArn; "
          "without it, the management role)", "identityCenter.roleArn",
          steps=IDENTITY_STORE_STEPS),
    _rule(DENIED,
          "allow the Identity Center role sso:{operation} (identityCenter.roleArn; without it, "
          "the management role)", "identityCenter.roleArn", steps=ASSIGNMENT_STEPS),
    # The connection check's Identity Center calls: {what} names whose role makes them.
    _rule(DENIED,
          "allow {what} sso:{operation} (see the AWS setup guide, section 7)",
          "identityCenter.roleArn", operations=IDENTITY_CENTER_CHECK_OPERATIONS["sso"]),
    _rule(DENIED,
          "allow {what} identitystore:{operation} (see the AWS setup guide, section 7)",
          "identityCenter.roleArn", operations=IDENTITY_CENTER_CHECK_OPERATIONS["identitystore"]),
    # Anywhere.
    _rule(aws.TRANSIENT_ERROR_CODES,
          "nothing, unless it lasts: AWS reported a temporary failure or throttled meshaws "
          "({code}); a run retries on its own with back-off, a check can be run again; if it "
          "persists, lower accountCreationConcurrency or ask AWS for a higher request rate",
          "accountCreationConcurrency"),
    _rule({"ExpiredToken", "ExpiredTokenException"},
          "the credentials meshaws signed with had expired; re-sync, and check the server's "
          "clock if it happens again"),
    _rule(DENIED,
          "allow {operation} to the role this step uses (see the AWS setup guide); the "
          "connection check shows which call is refused", "{role_field}"),
)  # fmt: skip

# When no rule answers the code: what the operation's configuration is, else the step's.
OPERATION_FALLBACKS = {
    ASSUME_ROLE: Advice("check the {what} role ARN and its external id", "{role_field}"),
    "ListRoots": Advice(
        "check the management role ARN: it must be in the organization's management account",
        "organizationRootAccountRole",
    ),
    "ListInstances": Advice(
        "check identityCenter.region: it must be the instance's region", "identityCenter.region"
    ),
    "ListGroups": Advice(
        "check identityCenter.identityStoreId and region", "identityCenter.identityStoreId"
    ),
    "DescribePermissionSet": Advice(
        "create the permission set in the instance, or fix the role mappings", "roleMappings"
    ),
}
STEP_FALLBACKS = {
    CREDENTIALS: Advice(
        "check the platform's credentials (see the AWS setup guide)", "meshfedServiceUser"
    ),
    "validate": Advice("fix the platform or project value the message names"),
    "connect": Advice(
        "check the platform's credentials and management role with the connection check",
        "organizationRootAccountRole",
    ),
    "account": Advice(
        "check the management role may create and describe accounts (the connection check "
        "shows it), and the account's e-mail template",
        "organizationRootAccountRole",
    ),
    "external-avm": Advice(
        "check the external vending machine: it must tag the account with the customer and "
        "project tag keys",
        "externalProvisioning",
    ),
    "tags": Advice("check the project's tags and the platform's tag prefix", "tagPrefix"),
    "organizational-unit": Advice(
        "check the landing zone's target OU", "landingZones[].targetOrganizationalUnit"
    ),
    "access": Advice(
        "check accountAccessRole and privilegedExternalId: the management role must be able to "
        "assume the account's access role",
        "accountAccessRole",
    ),
    "alias": Advice("check the alias pattern and enforceAccountAlias", "accountAliasPattern"),
    "identity-provider": Advice(
        "check the SAML provider's name and metadata", "identityProvider.metadataDocument"
    ),
    "roles": Advice("check the role mappings and their policy ARNs", "roleMappings"),
    "groups": Advice(
        "check identityCenter (instance, identity store, region, role) with the connection check",
        "identityCenter.identityStoreId",
    ),
    "memberships": Advice(
        "check the bound users exist in the identity store", "identityCenter.identityStoreId"
    ),
    "assignments": Advice(
        "check the role mappings' permission sets exist in the instance", "roleMappings"
    ),
    "bootstrap-stack": Advice(
        "check the landing zone's StackSet name and region", "landingZones[].stackSetName"
    ),
    "retire-ou": Advice(
        "check the landing zone's retired OU", "landingZones[].retiredOrganizationalUnit"
    ),
    "close": Advice("check the management role may close accounts (organizations:CloseAccount)"),
}
GENERIC = Advice(
    "run the platform's connection check: it names what AWS refuses; then re-sync the account"
)


class _Context(dict):
    """format_map's values: the caller's context, else a default, else the placeholder's name."""

    def __missing__(self, key: str) -> str:
        return DEFAULTS.get(key, key)


def what_to_fix(
    code: str, *, step: str = "", operation: str = "", reason: str = "", default: str = "",
    **context: str,
) -> Advice:  # fmt: skip
    """The advice for AWS's `code` (or Organizations' `reason`) met in `step` or `operation`.

    `context` fills the advice's placeholders (role_arn, principal, what, endpoint, ...);
    `default` is the text when no rule answers the code (else the operation's or the step's
    own advice).
    """
    role = context.get("what") or STEP_ROLES.get(step, "")
    values = _Context(
        {"what": role} if role else {}, code=code, operation=operation or DEFAULTS["operation"],
        role_field=ROLE_FIELDS.get(role, ""),
    )  # fmt: skip
    values.update((key, value) for key, value in context.items() if value)
    for candidate in (reason, code):
        if not candidate:
            continue
        rule = next((r for r in RULES if r.applies(candidate, step, operation)), None)
        if rule is not None:
            return Advice(rule.text.format_map(values), rule.field.format_map(values))
    if default:
        return Advice(default)
    fallback = OPERATION_FALLBACKS.get(operation) or STEP_FALLBACKS.get(step, GENERIC)
    return Advice(fallback.text.format_map(values), fallback.field.format_map(values))
