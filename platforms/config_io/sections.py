"""Readers for the record's nested parts: role mappings, landing zones, provisioning."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from platforms import patterns

from .reader import _join, _Reader
from .record import (
    DEFAULT_CUSTOMER_TAG_KEY,
    DEFAULT_PROJECT_TAG_KEY,
    LANDING_ZONE_KEYS,
    MAX_POLICIES_PER_ROLE,
    MAX_TIMEOUT_MINUTES,
    LandingZoneRecord,
    RoleMappingRecord,
)


def _read_role_mappings(reader: _Reader, data: Any, path: str) -> tuple[RoleMappingRecord, ...]:
    """`roleMappings`: a list of {mapKey, mapValue}, or the mapping Dhall turns it into."""
    if data is None:
        return ()
    if isinstance(data, Mapping):
        entries = [
            ({"mapKey": key, "mapValue": value}, _join(path, key)) for key, value in data.items()
        ]
    elif isinstance(data, list):
        entries = [(entry, _join(path, index)) for index, entry in enumerate(data)]
    else:
        reader.error(path, "must be a list of {mapKey, mapValue}")
        return ()
    mappings, seen = [], set()
    for entry, entry_path in entries:
        entry = reader.mapping(entry, entry_path, ("mapKey", "mapValue"))
        if not entry:
            continue
        project_role = reader.text(entry, entry_path, "mapKey", required=True)
        if project_role:
            reader.check(
                _join(entry_path, "mapKey"),
                patterns.validate_identifier,
                project_role,
                max_length=50,
                kind="project role",
            )
            if project_role in seen:
                reader.error(
                    _join(entry_path, "mapKey"), f"project role {project_role!r} is mapped twice"
                )
            seen.add(project_role)
        value_path = _join(entry_path, "mapValue")
        value = reader.mapping(
            entry.get("mapValue"), value_path, ("roleName", "policyArn", "policyArns")
        )
        role_name = reader.text(value, value_path, "roleName", required=True)
        if role_name:
            reader.check(_join(value_path, "roleName"), patterns.validate_role_name, role_name)
        policy_arns = _read_policy_arns(reader, value, value_path)
        mappings.append(RoleMappingRecord(project_role, role_name, policy_arns))
    return tuple(mappings)


def _read_policy_arns(reader: _Reader, value: Mapping, path: str) -> tuple[str, ...]:
    single, many = value.get("policyArn"), value.get("policyArns")
    if single is not None and many is not None:
        reader.error(path, "give policyArn or policyArns, not both")
        return ()
    if many is None:
        arns, arn_paths = ([single], [_join(path, "policyArn")]) if single is not None else ([], [])
    elif isinstance(many, list):
        arns = many
        arn_paths = [_join(_join(path, "policyArns"), index) for index in range(len(many))]
    else:
        reader.error(_join(path, "policyArns"), "must be a list of policy ARNs")
        return ()
    if len(arns) > MAX_POLICIES_PER_ROLE:
        reader.error(
            _join(path, "policyArns"),
            f"has {len(arns)} policies; AWS attaches at most {MAX_POLICIES_PER_ROLE} to a role",
        )
    texts = [arn for arn in arns if isinstance(arn, str)]  # the others are reported below
    if len(set(texts)) != len(texts):
        reader.error(_join(path, "policyArns"), "names a policy twice")
    for arn, arn_path in zip(arns, arn_paths, strict=True):
        if not isinstance(arn, str):
            reader.error(arn_path, "must be a text")
        else:
            reader.check(arn_path, patterns.validate_policy_arn, arn)
    return tuple(arn for arn in arns if isinstance(arn, str))


def _read_landing_zones(reader: _Reader, data: Any, region: str) -> tuple[LandingZoneRecord, ...]:
    if data is None:
        return ()
    if not isinstance(data, list):
        reader.error("landingZones", "must be a list")
        return ()
    zones, seen = [], set()
    for index, entry in enumerate(data):
        path = _join("landingZones", index)
        entry = reader.mapping(entry, path, LANDING_ZONE_KEYS)
        if not entry:
            continue
        identifier = reader.text(entry, path, "identifier", required=True)
        if identifier:
            reader.check(
                _join(path, "identifier"),
                patterns.validate_identifier,
                identifier,
                max_length=63,
                kind="landing zone identifier",
            )
            if identifier in seen:
                reader.error(
                    _join(path, "identifier"), f"landing zone {identifier!r} appears twice"
                )
            seen.add(identifier)
        display_name = reader.text(entry, path, "displayName", required=False, max_length=100)
        if display_name:
            reader.check(_join(path, "displayName"), patterns.validate_display_name, display_name)
        target = reader.text(entry, path, "targetOrganizationalUnit", required=True)
        if target:
            reader.check(
                _join(path, "targetOrganizationalUnit"), patterns.validate_target_ou, target
            )
        stack_set_name = reader.text(entry, path, "stackSetName", required=False)
        if stack_set_name:
            reader.check(
                _join(path, "stackSetName"), patterns.validate_stack_set_name, stack_set_name
            )
        template = reader.text(
            entry, path, "bootstrapTemplate", required=False, max_length=1_000_000
        )
        if template:
            reader.check(
                _join(path, "bootstrapTemplate"),
                patterns.validate_cloudformation_template,
                template,
            )
        if stack_set_name and template:
            reader.error(
                path, "give stackSetName (an existing StackSet) or bootstrapTemplate, not both"
            )
        stack_set_region = reader.text(entry, path, "stackSetRegion", required=False)
        if stack_set_region:
            reader.check(_join(path, "stackSetRegion"), patterns.validate_region, stack_set_region)
        elif stack_set_name or template:
            stack_set_region = region
        own_mappings = entry.get("roleMappings")
        role_mappings = (
            None
            if own_mappings is None
            else _read_role_mappings(reader, own_mappings, _join(path, "roleMappings"))
        )
        zones.append(
            LandingZoneRecord(
                identifier=identifier,
                display_name=display_name or identifier,
                target_organizational_unit=target,
                stack_set_name=stack_set_name,
                stack_set_region=stack_set_region,
                bootstrap_template=template,
                role_mappings=role_mappings,
                disabled=reader.boolean(entry, path, "disabled", False),
            )
        )
    return tuple(zones)


def _read_provisioning(
    reader: _Reader, data: Mapping, limits: dict[str, int], platform: str
) -> tuple[str | None, dict[str, Any] | None]:
    """Exactly one of meshProvisioning / externalProvisioning."""
    mesh, external = data.get("meshProvisioning"), data.get("externalProvisioning")
    if (mesh is None) == (external is None):
        reader.error(
            "meshProvisioning",
            "give exactly one of meshProvisioning (meshaws creates accounts) and "
            "externalProvisioning (an external vending machine does)",
        )
        return None, None
    if mesh is not None:
        mesh = reader.mapping(mesh, "meshProvisioning", ("accountEmailTemplate",))
        template = reader.text(
            mesh, "meshProvisioning", "accountEmailTemplate", required=True, max_length=64
        )
        if template:
            reader.check(
                "meshProvisioning.accountEmailTemplate", patterns.validate_email_template,
                template, platform=platform, **limits,
            )  # fmt: skip
        return template, None
    external = reader.mapping(
        external, "externalProvisioning", ("timeoutMinutes", "customerTagKey", "projectTagKey")
    )
    result = {
        "timeoutMinutes": reader.integer(
            external, "externalProvisioning", "timeoutMinutes", 60, 1, MAX_TIMEOUT_MINUTES
        ),
        "customerTagKey": reader.text(
            external, "externalProvisioning", "customerTagKey", required=False
        )
        or DEFAULT_CUSTOMER_TAG_KEY,
        "projectTagKey": reader.text(
            external, "externalProvisioning", "projectTagKey", required=False
        )
        or DEFAULT_PROJECT_TAG_KEY,
    }
    for key in ("customerTagKey", "projectTagKey"):
        reader.check(f"externalProvisioning.{key}", patterns.validate_tag_key_name, result[key])
    if result["customerTagKey"] == result["projectTagKey"]:
        reader.error("externalProvisioning.projectTagKey", "must differ from customerTagKey")
    return None, result
