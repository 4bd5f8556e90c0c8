"""sts:AssumeRole as AWS decides it: the role's trust policy and the caller's own policies.

The caller is known from the request's access key: an IAM user's key or an assumed-role
session's key. A key the emulator never issued acts as the root user of moto's default account
(123456789012, the sandbox's management account), whose own policies are not checked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from moto.iam import models as iam_models
from moto.iam.exceptions import NotFoundException
from moto.sts.models import sts_backends

from .accounts import account_ready

PARTITION = "aws"
ASSUME_ROLE = "sts:AssumeRole"
_ROLE_ARN = re.compile(r"arn:aws:iam::(\d{12}):role/.+")


@dataclass(frozen=True)
class Caller:
    """The principal behind an access key: its ARNs, its account and its identity policies."""

    arn: str
    account_id: str
    principal_arn: str
    names: frozenset[str]
    policies: tuple[str, ...] | None  # None: the account's root, whose policies are not checked


def _documents(entity) -> list[str]:
    """The inline and attached (default version) policy documents of a user, group or role."""
    documents = list(entity.policies.values())
    for policy in entity.managed_policies.values():
        documents += [version.document for version in policy.versions if version.is_default]
    return documents


def caller_of(access_key: str) -> Caller:
    """The principal moto ties `access_key` to."""
    account_id = iam_models.get_account_id_from(access_key)
    iam = iam_models.iam_backends[account_id][PARTITION]
    key = iam.access_keys.get(access_key)
    root = f"arn:aws:iam::{account_id}:root"
    if key is None:
        return Caller(root, account_id, root, frozenset({root}), None)
    if key.user_name and key.user_name in iam.users:
        user = iam.users[key.user_name]
        documents = _documents(user)
        for group in iam.get_groups_for_user(key.user_name):
            documents += _documents(group)
        return Caller(user.arn, account_id, user.arn, frozenset({user.arn}), tuple(documents))
    role_arn = key.role_arn or ""
    session = sts_backends[account_id][PARTITION].get_assumed_role_from_access_key(access_key)
    arn = session.arn if session else role_arn
    try:
        documents = tuple(_documents(iam.get_role_by_arn(role_arn)))
    except NotFoundException:
        documents = ()
    return Caller(arn, account_id, role_arn, frozenset({arn, role_arn}), documents)


def _as_list(value: Any) -> list:
    """A policy element as a list (it may be one value or a list)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _statements(document: Any) -> list[dict]:
    """The statements of a policy document (JSON text or parsed); none when unreadable."""
    try:
        policy = json.loads(document) if isinstance(document, str) else document
    except ValueError:
        return []
    found = policy.get("Statement", []) if isinstance(policy, dict) else []
    return [statement for statement in _as_list(found) if isinstance(statement, dict)]


def _wildcard(pattern: Any, value: str, ignore_case: bool = False) -> bool:
    """IAM's `*` and `?` matching of the whole value."""
    expression = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in str(pattern)
    )
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.fullmatch(expression, value, flags) is not None


def _matches(statement: dict, element: str, value: str, ignore_case: bool = False) -> bool:
    """Whether `Action`/`Resource` (or their `Not…`) of the statement covers `value`."""
    if f"Not{element}" in statement:
        patterns = _as_list(statement[f"Not{element}"])
        return not any(_wildcard(p, value, ignore_case) for p in patterns)
    return any(_wildcard(p, value, ignore_case) for p in _as_list(statement.get(element)))


_STRING_TESTS = {
    "StringEquals": lambda expected, actual: actual == expected,
    "StringEqualsIgnoreCase": lambda expected, actual: actual.lower() == expected.lower(),
    "StringLike": _wildcard,
}


def _condition_holds(condition: Any, context: dict[str, str]) -> bool | None:
    """Whether `condition` holds in `context`; None when it uses an operator not emulated."""
    for operator, entries in (condition or {}).items():
        name, if_exists = operator.removesuffix("IfExists"), operator.endswith("IfExists")
        negated = name.startswith("StringNot")
        test = _STRING_TESTS.get(name.replace("StringNot", "String"))
        if (name != "Null" and test is None) or not isinstance(entries, dict):
            return None
        for key, expected in entries.items():
            actual = context.get(key.lower())
            values = [str(value) for value in _as_list(expected)]
            if name == "Null":
                holds = (actual is None) == ("true" in [value.lower() for value in values])
            elif actual is None:  # a key the request lacks matches only negated operators
                holds = if_exists or negated
            else:
                holds = any(test(value, actual) for value in values) != negated
            if not holds:
                return False
    return True


def _names_caller(statement: dict, caller: Caller) -> str | None:
    """'caller' when the statement's Principal names the caller, 'account' for its account."""
    principal = statement.get("Principal")
    if principal == "*":
        return "caller"
    named = None
    for entry in _as_list(principal.get("AWS") if isinstance(principal, dict) else None):
        if entry == "*" or entry in caller.names:
            return "caller"
        if entry in (caller.account_id, f"arn:aws:iam::{caller.account_id}:root"):
            named = "account"
    return named


def _trust(role, caller: Caller, context: dict[str, str]) -> str | None:
    """'deny', or whom the role's trust policy allows: 'caller', 'account'; or None."""
    allowed = None
    for statement in _statements(role.assume_role_policy_document):
        named = _names_caller(statement, caller)
        if named is None or not _matches(statement, "Action", ASSUME_ROLE, ignore_case=True):
            continue
        holds = _condition_holds(statement.get("Condition"), context)
        if statement.get("Effect") == "Deny" and holds is not False:
            return "deny"
        if statement.get("Effect") == "Allow" and holds:
            allowed = "caller" if "caller" in (allowed, named) else named
    return allowed


def _identity(caller: Caller, role_arn: str, context: dict[str, str]) -> str | None:
    """'deny' or 'allow': what the caller's own policies say about assuming the role; or None."""
    allowed = None
    for document in caller.policies or ():
        for statement in _statements(document):
            if not (
                _matches(statement, "Action", ASSUME_ROLE, ignore_case=True)
                and _matches(statement, "Resource", role_arn)
            ):
                continue
            holds = _condition_holds(statement.get("Condition"), context)
            if statement.get("Effect") == "Deny" and holds is not False:
                return "deny"
            if statement.get("Effect") == "Allow" and holds:
                allowed = "allow"
    return allowed


def _role(role_arn: str):
    """The role `role_arn` names, or None when there is none."""
    found = _ROLE_ARN.fullmatch(role_arn or "")
    if found is None or found[1] not in iam_models.iam_backends:
        return None
    try:
        return iam_models.iam_backends[found[1]][PARTITION].get_role_by_arn(role_arn)
    except NotFoundException:
        return None


def may_assume(caller: Caller, role_arn: str, external_id: str | None, session: str) -> bool:
    """Whether AWS would let `caller` assume `role_arn` now, with this external id."""
    role = _role(role_arn)
    if role is None or not account_ready(role.account_id):
        return False
    context = {
        "sts:externalid": external_id,
        "sts:rolesessionname": session,
        "aws:principalarn": caller.principal_arn,
        "aws:principalaccount": caller.account_id,
    }
    context = {key: value for key, value in context.items() if value is not None}
    trust = _trust(role, caller, context)
    if trust in (None, "deny"):
        return False
    if caller.policies is None:
        return True
    identity = _identity(caller, role_arn, context)
    if identity == "deny":
        return False
    # In its own account, a trust policy that names the caller itself needs no identity policy.
    return identity == "allow" or (trust == "caller" and caller.account_id == role.account_id)
