"""The sandbox's IAM policies, as docs/aws-setup.md and the integration page write them."""

from __future__ import annotations

import json


def trust_service_user(service_user_arn: str, external_id: str) -> str:
    """docs/aws-setup.md's trust: the service user, with the role's external id."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": service_user_arn},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
                }
            ],
        }
    )


def service_user_policy(*role_arns: str) -> str:
    """docs/aws-setup.md's policy of the service user: assume the two roles, nothing else.

    The roles live in other accounts, so AWS wants the user's own policy to allow it too.
    """
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AssumeMeshawsRoles",
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Resource": list(role_arns),
                }
            ],
        }
    )


def service_role_policy(
    privileged_external_id: str, management_account_id: str, account_access_role: str
) -> str:
    """The integration page's inline policy for MeshfedServiceRole."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "StsAccessMemberAccount",
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Resource": f"arn:aws:iam::*:role/{account_access_role}",
                    "Condition": {"StringEquals": {"sts:ExternalId": privileged_external_id}},
                },
                {
                    "Sid": "OrgManagementAccess1",
                    "Effect": "Allow",
                    "Action": [
                        "organizations:DescribeOrganizationalUnit",
                        "organizations:DescribeAccount",
                        "organizations:ListParents",
                        "organizations:ListOrganizationalUnitsForParent",
                        "organizations:CreateOrganizationalUnit",
                        "organizations:MoveAccount",
                    ],
                    "Resource": [
                        "arn:aws:organizations::*:account/o-*/*",
                        f"arn:aws:organizations::{management_account_id}:root/o-*/r-*",
                        "arn:aws:organizations::*:ou/o-*/ou-*",
                    ],
                },
                {
                    "Sid": "OrgManagementAccess2",
                    "Effect": "Allow",
                    "Action": [
                        "organizations:ListRoots",
                        "organizations:ListAccounts",
                        "organizations:CreateAccount",
                        "organizations:DescribeCreateAccountStatus",
                    ],
                    "Resource": "*",
                },
                *identity_center_statements(management_account_id),
            ],
        }
    )


def identity_center_statements(management_account_id: str) -> list[dict]:
    """The Identity Center calls of the replication steps, for the organization root role.

    The emulator checks no policy but AssumeRole's: these keep the sandbox's role honest.
    """
    return [
        {
            "Sid": "IdentityCenterInstances",
            "Effect": "Allow",
            "Action": "sso:ListInstances",
            "Resource": "*",
        },
        {
            "Sid": "IdentityCenterAssignments",
            "Effect": "Allow",
            "Action": [
                "sso:DescribePermissionSet",
                "sso:CreateAccountAssignment",
                "sso:DeleteAccountAssignment",
                "sso:ListAccountAssignments",
                "sso:DescribeAccountAssignmentCreationStatus",
                "sso:DescribeAccountAssignmentDeletionStatus",
            ],
            "Resource": [
                "arn:aws:sso:::instance/*",
                "arn:aws:sso:::permissionSet/*/*",
                "arn:aws:sso:::account/*",
            ],
        },
        {
            "Sid": "IdentityStoreGroups",
            "Effect": "Allow",
            "Action": [
                "identitystore:GetGroupId",
                "identitystore:CreateGroup",
                "identitystore:UpdateGroup",
                "identitystore:DescribeGroup",
                "identitystore:ListGroups",
                "identitystore:ListGroupMemberships",
                "identitystore:CreateGroupMembership",
                "identitystore:DeleteGroupMembership",
                "identitystore:GetGroupMembershipId",
                "identitystore:GetUserId",
            ],
            "Resource": [
                f"arn:aws:identitystore::{management_account_id}:identitystore/*",
                "arn:aws:identitystore:::group/*",
                "arn:aws:identitystore:::user/*",
                "arn:aws:identitystore:::membership/*",
            ],
        },
    ]


AUTOMATION_ROLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "VisualEditor0",
                "Effect": "Allow",
                "Action": [
                    "cloudformation:CreateUploadBucket",
                    "cloudformation:EstimateTemplateCost",
                    "cloudformation:DescribeStackDriftDetectionStatus",
                    "cloudformation:ListExports",
                    "cloudformation:ListStacks",
                    "cloudformation:ListImports",
                    "cloudformation:DescribeAccountLimits",
                    "cloudformation:CreateStackSet",
                    "cloudformation:ValidateTemplate",
                ],
                "Resource": "*",
            },
            {
                "Sid": "VisualEditor1",
                "Effect": "Allow",
                "Action": "cloudformation:*",
                "Resource": [
                    "arn:aws:cloudformation:*:*:stack/*/*",
                    "arn:aws:cloudformation:*:*:stackset/*:*",
                ],
            },
        ],
    }
)
