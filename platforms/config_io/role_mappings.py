"""`roleMappings` entries, on the platform or a landing zone: what each project role gets.

The value depends on the platform's access mode. SAML (`identityProvider`, or no single
sign-on): an IAM role name with zero or more policies. Identity Center (`identityCenter`):
`{"permissionSetArns": [...]}`. A record that mixes the two is refused at the key that does
not belong, e.g. `roleMappings[0].mapValue.permissionSetArns`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from rest_framework import serializers

from platforms import patterns

from .fields import PolicyArn, PolicyArns, Reading, RecordField, RecordObject, Text, join
from .record import MAX_PERMISSION_SETS_PER_ROLE, MAX_POLICIES_PER_ROLE, RoleMappingRecord

SAML_KEYS = ("roleName", "policyArn", "policyArns")


class PermissionSetArns(RecordField, serializers.ListField):
    """`permissionSetArns`: the permission sets of a role mapping in Identity Center mode."""

    read_by_parent = True
    absent = ()

    def __init__(self, **kwargs):
        super().__init__(child=serializers.CharField(), required=False, allow_null=True, **kwargs)


def _given(value: Any) -> bool:
    """Whether a key is given: null, "" and [] are not (the form sends them for empty boxes)."""
    return value not in (None, "", [])


def _identity_center_instance(reading: Reading) -> str:
    """The instance ARN the record's identityCenter gives, or "" when it gives none."""
    given = reading.identity_center
    arn = given.get("instanceArn") if isinstance(given, Mapping) else None
    return arn if isinstance(arn, str) else ""


class RoleMappingValue(RecordObject):
    """`mapValue`: the IAM role name and its policies, or the permission sets."""

    roleName = Text(source="role_name", check=patterns.validate_role_name)
    policyArn = PolicyArn(source="policy_arns")
    policyArns = PolicyArns(source="policy_arns")
    permissionSetArns = PermissionSetArns(source="permission_set_arns")

    def present(self, record: Any) -> bool:
        """Always there: a mapping has a value in either mode."""
        return True

    def check(self, values, data, path, reading):
        """The keys of the platform's access mode, and no others."""
        values["policy_arns"] = values["permission_set_arns"] = ()
        if reading.identity_center is not None:
            for key in SAML_KEYS:
                if _given(data.get(key)):
                    reading.error(
                        join(path, key),
                        "belongs to SAML mode (identityProvider); with identityCenter a role "
                        "mapping gives permissionSetArns only",
                    )
            values["role_name"] = ""
            values["permission_set_arns"] = self._permission_sets(data, path, reading)
            return
        if _given(data.get("permissionSetArns")):
            reading.error(
                join(path, "permissionSetArns"),
                "belongs to Identity Center mode: give the platform identityCenter, or map the "
                "role to a roleName (and policies) for SAML",
            )
        if not _given(data.get("roleName")):
            reading.error(join(path, "roleName"), "is required")
        values["policy_arns"] = self._policies(data, path, reading)

    @staticmethod
    def _arns(
        given: Any, path: str, reading: Reading, *, noun: str, most: int, too_many: str
    ) -> list[tuple[str, str]]:
        """(ARN, its path) for each text of the list at `path`; what is wrong reported."""
        if not isinstance(given, list):
            reading.error(path, f"must be a list of {noun} ARNs")
            return []
        if len(given) > most:
            reading.error(path, too_many.format(len(given)))
        texts = [arn for arn in given if isinstance(arn, str)]  # the others are reported below
        if len(set(texts)) != len(texts):
            reading.error(path, f"names a {noun} twice")
        arns = []
        for index, arn in enumerate(given):
            if isinstance(arn, str):
                arns.append((arn, join(path, index)))
            else:
                reading.error(join(path, index), "must be a text")
        return arns

    def _permission_sets(self, data, path: str, reading: Reading) -> tuple[str, ...]:
        """1 to 10 permission set ARNs of the identityCenter instance."""
        arns_path = join(path, "permissionSetArns")
        given = data.get("permissionSetArns")
        if not _given(given):
            reading.error(
                arns_path,
                f"is required with identityCenter: 1 to {MAX_PERMISSION_SETS_PER_ROLE} "
                "permission set ARNs",
            )
            return ()
        arns = self._arns(
            given, arns_path, reading, noun="permission set", most=MAX_PERMISSION_SETS_PER_ROLE,
            too_many="has {} permission sets; a role mapping names at most "
            f"{MAX_PERMISSION_SETS_PER_ROLE}",
        )  # fmt: skip
        instance = _identity_center_instance(reading)
        for arn, arn_path in arns:
            reading.check(
                arn_path, patterns.validate_permission_set_arn, arn, instance_arn=instance
            )
        return tuple(arn for arn, _ in arns)

    def _policies(self, data, path: str, reading: Reading) -> tuple[str, ...]:
        """policyArn (zero or one, as on the integration page) or policyArns, not both."""
        single, many = data.get("policyArn"), data.get("policyArns")
        if single is not None and many is not None:
            reading.error(path, "give policyArn or policyArns, not both")
            return ()
        if many is None:
            arns = [(single, join(path, "policyArn"))] if single is not None else []
            if single is not None and not isinstance(single, str):
                reading.error(join(path, "policyArn"), "must be a text")
                arns = []
        else:
            arns = self._arns(
                many, join(path, "policyArns"), reading, noun="policy", most=MAX_POLICIES_PER_ROLE,
                too_many="has {} policies; AWS attaches at most "
                f"{MAX_POLICIES_PER_ROLE} to a role",
            )  # fmt: skip
        for arn, arn_path in arns:
            reading.check(arn_path, patterns.validate_policy_arn, arn)
        return tuple(arn for arn, _ in arns)

    def to_representation(self, mapping: RoleMappingRecord) -> dict[str, Any]:
        """The permission sets; or the role name with policyArn (zero or one) or policyArns."""
        if mapping.permission_set_arns:
            return {"permissionSetArns": list(mapping.permission_set_arns)}
        value: dict[str, Any] = {"roleName": mapping.role_name}
        # As on the integration page for zero or one policy; a list beyond.
        if len(mapping.policy_arns) <= 1:
            value["policyArn"] = mapping.policy_arns[0] if mapping.policy_arns else None
        else:
            value["policyArns"] = list(mapping.policy_arns)
        return value


class RoleMapping(RecordObject):
    """One `roleMappings` entry: project role → what it gets in the account."""

    record_class = RoleMappingRecord

    mapKey = Text(
        required=True, source="project_role",
        check=partial(
            patterns.validate_identifier, max_length=patterns.MAX_PROJECT_ROLE_IDENTIFIER_LENGTH,
            kind="project role",
        ),
    )  # fmt: skip
    mapValue = RoleMappingValue(source="*", required=True)
