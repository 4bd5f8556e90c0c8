"""Steps inside the member account: access, alias, identity provider, roles."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import unquote

from django.utils import timezone

import aws
from replication.desired import SAML_TRUST_SID
from replication.models import ReplicationStep

from .base import Deadline, RunContext, StepFailed, StepResult, StepWaiting

# A new account may refuse AssumeRole for minutes while AWS sets it up: refusals are waited
# out for ACCESS_GRACE from when its creation succeeded (adopted accounts get no grace), the
# first retry after ACCESS_RETRY, then after as long as the wait has lasted (twice as long
# each time), at most ACCESS_RETRY_MAX.
ACCESS_RETRY = timedelta(seconds=20)
ACCESS_RETRY_MAX = timedelta(minutes=2)
ACCESS_GRACE = timedelta(minutes=15)
# SAML mode's resources are left as they are in Identity Center mode (never deleted silently).
IDENTITY_CENTER_MODE = "the platform uses IAM Identity Center, not a SAML provider"
# A retired account's mapped roles end with this statement in their trust, and without
# meshaws' own: nobody signs in through the SAML provider any more (letters and digits only).
RETIRED_TRUST_SID = "MeshawsRetiredNoSamlSignIn"


def _access_retry(since) -> timedelta:
    """The wait before the next AssumeRole of a new account refusing it since `since`."""
    waited = timezone.now() - since if since else timedelta(0)
    return min(max(ACCESS_RETRY, waited), ACCESS_RETRY_MAX)


def access(ctx: RunContext) -> StepResult:
    """Assume the account's access role from the management account, with the privileged id."""
    role_arn = f"arn:aws:iam::{ctx.account_id}:role/{ctx.desired.access_role}"
    try:
        ctx.member = aws.assumed_role(
            credentials=ctx.management,
            role_arn=role_arn,
            external_id=ctx.access.privileged_external_id or None,
            session_name="meshaws-replication",
            region=ctx.access.region,
            endpoint_url=ctx.access.endpoint_url or None,
        )
    except aws.AwsError as error:
        created = ctx.account.creation_succeeded_at
        now = timezone.now()
        if error.code in aws.ACCESS_DENIED_CODES and created and now < created + ACCESS_GRACE:
            began = ctx.wait_began("access")
            raise StepWaiting(
                f"the new account does not accept {role_arn} yet; AWS is still setting it up",
                _access_retry(began),
                deadline=Deadline(
                    "access", created + ACCESS_GRACE - (began or now),
                    f"the new account refused {role_arn} for {ACCESS_GRACE.seconds // 60} "
                    "minutes after its creation; check the access role's trust policy and "
                    "the privileged external id",
                ),
            ) from None  # fmt: skip
        raise
    return StepResult(ReplicationStep.Status.OK, f"assumed {role_arn}")


def _iam(ctx: RunContext):
    return ctx.client("iam", ctx.member)


def alias(ctx: RunContext) -> StepResult:
    """The account alias is set; replaced only with enforceAccountAlias."""
    wanted = ctx.desired.alias
    if not wanted:
        return StepResult(ReplicationStep.Status.SKIPPED, "the platform has no alias pattern")
    iam = _iam(ctx)
    current = aws.call(iam, "list_account_aliases")["AccountAliases"]
    if wanted in current:
        ctx.observe("alias", wanted, wanted)
        return StepResult(ReplicationStep.Status.OK, f"alias {wanted}")
    if current and not ctx.desired.enforce_alias:
        ctx.observe("alias", current[0], wanted)
        return StepResult(
            ReplicationStep.Status.WARNING,
            f"the account has alias {current[0]}; enforceAccountAlias is off, kept",
        )
    for old in current:
        aws.call(iam, "delete_account_alias", AccountAlias=old)
    try:
        aws.call(iam, "create_account_alias", AccountAlias=wanted)
    except aws.AwsError as error:
        if error.code == "EntityAlreadyExists":
            raise StepFailed(
                f"alias {wanted} is taken by another AWS account; change the platform's alias "
                "pattern", operation=error.operation, code=error.code,
            ) from None  # fmt: skip
        raise
    ctx.observe("alias", wanted, wanted)
    replaced = f" (replaced {', '.join(current)})" if current else ""
    return StepResult(ReplicationStep.Status.CHANGED, f"set alias {wanted}{replaced}")


def identity_provider(ctx: RunContext) -> StepResult:
    """The platform's SAML provider exists with the current metadata."""
    if ctx.desired.identity_center is not None:
        return StepResult(ReplicationStep.Status.SKIPPED, IDENTITY_CENTER_MODE)
    name = ctx.desired.saml_provider_name
    if not name:
        return StepResult(ReplicationStep.Status.SKIPPED, "the platform has no identity provider")
    iam = _iam(ctx)
    arn = ctx.desired.saml_provider_arn(ctx.account_id)
    providers = aws.call(iam, "list_saml_providers")["SAMLProviderList"]
    if not any(provider["Arn"] == arn for provider in providers):
        aws.call(
            iam, "create_saml_provider", Name=name,
            SAMLMetadataDocument=ctx.desired.saml_metadata,
        )  # fmt: skip
        return StepResult(ReplicationStep.Status.CHANGED, f"created SAML provider {name}")
    current = aws.call(iam, "get_saml_provider", SAMLProviderArn=arn)["SAMLMetadataDocument"]
    if current.strip() == ctx.desired.saml_metadata.strip():
        return StepResult(ReplicationStep.Status.OK, f"SAML provider {name} up to date")
    aws.call(
        iam, "update_saml_provider", SAMLProviderArn=arn,
        SAMLMetadataDocument=ctx.desired.saml_metadata,
    )  # fmt: skip
    return StepResult(
        ReplicationStep.Status.CHANGED, f"updated the metadata of SAML provider {name}"
    )


def _policy(document) -> dict:
    """A policy document as IAM returns it (dict, JSON, or URL-encoded JSON) as a dict."""
    if isinstance(document, dict):
        return document
    text = unquote(document)
    return json.loads(text)


def _canonical(policy: dict) -> str:
    return json.dumps(policy, sort_keys=True, separators=(",", ":"))


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _is_own_statement(statement: dict, provider_arn: str) -> bool:
    """Whether a trust statement is meshaws' SAML statement, to repair rather than keep.

    By its Sid, which survives a renamed provider; or, for roles trusted before meshaws wrote
    a Sid, by allowing only sts:AssumeRoleWithSAML to only the platform's provider. Other
    statements naming the provider (sts:TagSession, a Deny) are the operator's and are kept.
    """
    if statement.get("Sid") == SAML_TRUST_SID:
        return True
    principal = statement.get("Principal")
    return (
        statement.get("Effect") == "Allow"
        and isinstance(principal, dict)
        and list(principal) == ["Federated"]
        and _as_list(principal["Federated"]) == [provider_arn]
        and _as_list(statement.get("Action")) == ["sts:AssumeRoleWithSAML"]
    )


def _trust_with_own_statement(current: dict, own: dict, provider_arn: str) -> dict | None:
    """`current` with meshaws' statement added or repaired, every other kept; None if as wanted."""
    statements = _as_list(current.get("Statement", []))
    ours = [s for s in statements if _is_own_statement(s, provider_arn)]
    if len(ours) == 1 and _canonical(ours[0]) == _canonical(own):
        return None
    kept = [s for s in statements if not _is_own_statement(s, provider_arn)]
    return {**current, "Statement": [*kept, own]}


def roles(ctx: RunContext) -> StepResult:
    """Each mapped role exists, trusts the SAML provider (other trust kept), has its policies."""
    if ctx.desired.identity_center is not None:
        return StepResult(ReplicationStep.Status.SKIPPED, IDENTITY_CENTER_MODE)
    if not ctx.desired.roles:
        return StepResult(ReplicationStep.Status.SKIPPED, "no role mappings")
    if not ctx.desired.saml_provider_name:
        return StepResult(
            ReplicationStep.Status.SKIPPED, "no identity provider for the roles to trust"
        )
    iam = _iam(ctx)
    trust = ctx.desired.trust_policy(ctx.account_id)
    own = ctx.desired.saml_trust_statement(ctx.account_id)
    provider_arn = ctx.desired.saml_provider_arn(ctx.account_id)
    changes: list[str] = []
    for role in ctx.desired.roles:
        try:
            found = aws.call(iam, "get_role", RoleName=role.name)["Role"]
        except aws.AwsError as error:
            if error.code != "NoSuchEntity":
                raise
            aws.call(
                iam, "create_role", RoleName=role.name, AssumeRolePolicyDocument=json.dumps(trust),
                Description=f"meshaws: project role {role.project_role}",
            )  # fmt: skip
            changes.append(f"created {role.name}")
        else:
            # UpdateAssumeRolePolicy replaces the whole trust: send every other statement too.
            current = _policy(found["AssumeRolePolicyDocument"])
            repaired = _trust_with_own_statement(current, own, provider_arn)
            if repaired is not None:
                aws.call(
                    iam, "update_assume_role_policy", RoleName=role.name,
                    PolicyDocument=json.dumps(repaired),
                )  # fmt: skip
                changes.append(f"repaired the trust of {role.name}")
        attached = {
            policy["PolicyArn"]
            for policy in aws.paginate(
                iam, "list_attached_role_policies", "AttachedPolicies", RoleName=role.name
            )
        }
        for arn in role.policy_arns:
            if arn not in attached:
                aws.call(iam, "attach_role_policy", RoleName=role.name, PolicyArn=arn)
                changes.append(f"attached {arn.rsplit('/', 1)[-1]} to {role.name}")
    if not changes:
        return StepResult(ReplicationStep.Status.OK, f"{len(ctx.desired.roles)} roles as wanted")
    return StepResult(ReplicationStep.Status.CHANGED, "; ".join(changes))


def _trust_without_sign_in(current: dict, provider_arn: str) -> dict | None:
    """`current` without meshaws' SAML statement and with a Deny of sign-in through the
    provider (every other statement kept); None if it is so already."""
    statements = _as_list(current.get("Statement", []))
    deny = {
        "Sid": RETIRED_TRUST_SID, "Effect": "Deny", "Principal": {"Federated": provider_arn},
        "Action": "sts:AssumeRoleWithSAML",
    }  # fmt: skip
    kept = [
        s
        for s in statements
        if not _is_own_statement(s, provider_arn) and s.get("Sid") != RETIRED_TRUST_SID
    ]
    wanted = [*kept, deny]
    if _canonical({"Statement": statements}) == _canonical({"Statement": wanted}):
        return None
    return {**current, "Statement": wanted}


def revoke_roles(ctx: RunContext) -> StepResult:
    """Retirement, SAML mode: each mapped role's trust denies sign-in through the provider.

    meshaws' statement goes and an explicit Deny comes (a trust policy cannot be empty, and a
    Deny also outweighs any Allow of the provider someone else added); the roles and their
    policies stay, for the account's owners to inspect.
    """
    access(ctx)
    iam = _iam(ctx)
    provider_arn = ctx.desired.saml_provider_arn(ctx.account_id)
    changes: list[str] = []
    for role in ctx.desired.roles:
        try:
            found = aws.call(iam, "get_role", RoleName=role.name)["Role"]
        except aws.AwsError as error:
            if error.code != "NoSuchEntity":
                raise
            continue
        current = _policy(found["AssumeRolePolicyDocument"])
        revoked = _trust_without_sign_in(current, provider_arn)
        if revoked is not None:
            aws.call(
                iam, "update_assume_role_policy", RoleName=role.name,
                PolicyDocument=json.dumps(revoked),
            )  # fmt: skip
            changes.append(role.name)
    if not changes:
        return StepResult(
            ReplicationStep.Status.OK,
            f"{len(ctx.desired.roles)} roles trust {ctx.desired.saml_provider_name} no more",
        )
    return StepResult(
        ReplicationStep.Status.CHANGED,
        f"{ctx.desired.saml_provider_name} can no longer sign in to {', '.join(changes)}",
    )
