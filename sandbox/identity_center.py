"""The sandbox's IAM Identity Center: the instance, three permission sets, the users of the sample
bindings, and the platform `sandbox-sso.local` that gives access through them.

In moto an instance exists in every account and region from the first sso-admin call (AWS's
comes with enabling Identity Center in the management account): the sandbox uses the
management account's instance in the sandbox region. Idempotent, like the rest of the bootstrap.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws

# Permission set name -> the AWS-managed policy attached to it (the emulator loads these).
PERMISSION_SETS = {
    "AdministratorAccess": "arn:aws:iam::aws:policy/AdministratorAccess",
    "PowerUserAccess": "arn:aws:iam::aws:policy/PowerUserAccess",
    "ReadOnlyAccess": "arn:aws:iam::aws:policy/ReadOnlyAccess",
}
# The users of the sample bindings: (userName, given name, family name).
SAMPLE_USERS = (
    ("ada@sandbox.io", "Ada", "Lovelace"),
    ("grace@sandbox.io", "Grace", "Hopper"),
    ("linus@sandbox.io", "Linus", "Torvalds"),
)
# Project role -> permission set, as `sandbox.local` maps them to IAM roles.
ROLE_PERMISSION_SETS = {
    "admin": "AdministratorAccess",
    "user": "PowerUserAccess",
    "reader": "ReadOnlyAccess",
}
GROUP_NAME_PATTERN = "mst-#{customerIdentifier}.#{projectIdentifier}-#{projectRoleIdentifier}"
SSO_PLATFORM = "sandbox-sso"


@dataclass(frozen=True)
class IdentityCenterState:
    """The instance, its identity store, the permission sets and the users the bootstrap made."""

    instance_arn: str
    identity_store_id: str
    permission_set_arns: dict[str, str]
    users: dict[str, str]


def _instance(sso) -> tuple[str, str]:
    """The instance's ARN and identity store id (moto has one in every account and region)."""
    instance = aws.call(sso, "list_instances")["Instances"][0]
    return instance["InstanceArn"], instance["IdentityStoreId"]


def ensure_permission_set(sso, instance_arn: str, name: str, policy_arn: str) -> str:
    """The permission set `name` with `policy_arn` attached, created if missing; its ARN."""
    arn = None
    for candidate in aws.paginate(sso, "list_permission_sets", "PermissionSets",
                                  InstanceArn=instance_arn):  # fmt: skip
        described = aws.call(
            sso, "describe_permission_set", InstanceArn=instance_arn, PermissionSetArn=candidate
        )
        if described["PermissionSet"]["Name"] == name:
            arn = candidate
            break
    if arn is None:
        created = aws.call(
            sso, "create_permission_set", InstanceArn=instance_arn, Name=name,
            Description=f"Sandbox: {name}", SessionDuration="PT8H",
        )  # fmt: skip
        arn = created["PermissionSet"]["PermissionSetArn"]
    attached = aws.paginate(
        sso, "list_managed_policies_in_permission_set", "AttachedManagedPolicies",
        InstanceArn=instance_arn, PermissionSetArn=arn,
    )  # fmt: skip
    if policy_arn not in {policy["Arn"] for policy in attached}:
        aws.call(
            sso, "attach_managed_policy_to_permission_set", InstanceArn=instance_arn,
            PermissionSetArn=arn, ManagedPolicyArn=policy_arn,
        )  # fmt: skip
    return arn


def ensure_user(store, identity_store_id: str, user_name: str, given: str, family: str) -> str:
    """The Identity Store user `user_name`, created if missing; its id."""
    try:
        return aws.call(
            store, "get_user_id", IdentityStoreId=identity_store_id,
            AlternateIdentifier={"UniqueAttribute": {"AttributePath": "userName",
                                                     "AttributeValue": user_name}},
        )["UserId"]  # fmt: skip
    except aws.AwsError as error:
        if error.code != "ResourceNotFoundException":
            raise
    return aws.call(
        store, "create_user", IdentityStoreId=identity_store_id, UserName=user_name,
        DisplayName=f"{given} {family}", Name={"GivenName": given, "FamilyName": family},
        Emails=[{"Value": user_name, "Type": "work", "Primary": True}],
    )["UserId"]  # fmt: skip


def ensure_identity_center(sso, store) -> IdentityCenterState:
    """Set up (or confirm) the permission sets and the sample users on the instance."""
    instance_arn, identity_store_id = _instance(sso)
    permission_set_arns = {
        name: ensure_permission_set(sso, instance_arn, name, policy_arn)
        for name, policy_arn in PERMISSION_SETS.items()
    }
    users = {
        user_name: ensure_user(store, identity_store_id, user_name, given, family)
        for user_name, given, family in SAMPLE_USERS
    }
    return IdentityCenterState(instance_arn, identity_store_id, permission_set_arns, users)


def sign_in_url(identity_store_id: str) -> str:
    """The AWS access portal's URL of an identity store, as AWS makes it (not served locally)."""
    return f"https://{identity_store_id}.awsapps.com/start"


def sso_platform_record(state, saml_record: dict) -> dict:
    """`sandbox-sso`'s record: the sandbox's, with Identity Center instead of SAML."""
    role_mappings = [
        {"mapKey": role, "mapValue": {"permissionSetArns": [state.permission_set_arns[name]]}}
        for role, name in ROLE_PERMISSION_SETS.items()
    ]
    return {
        **saml_record,
        "platform": SSO_PLATFORM,
        "roleMappings": role_mappings,
        # E-mails and aliases are unique across the organization: the two platforms' differ.
        "meshProvisioning": {"accountEmailTemplate": "sso+%s@sandbox.io"},
        "accountAliasPattern": "sandbox-sso-<customer>-<project>",
        "identityProvider": None,
        "identityCenter": {
            "instanceArn": state.instance_arn,
            "identityStoreId": state.identity_store_id,
            "region": state.region,
            "roleArn": None,
            "externalId": None,
            "groupNamePattern": GROUP_NAME_PATTERN,
            "signInUrl": sign_in_url(state.identity_store_id),
        },
    }
