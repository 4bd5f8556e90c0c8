"""The Identity Store as AWS runs it: UpdateGroup, known stores only, unique memberships.

- UpdateGroup (moto 5.2.5 lacks it): Operations on `displayName` and `description` (attribute
  paths case-insensitive, as moto reads them in GetGroupId); a value that breaks the model's
  rule for the attribute is ValidationException; a display name another group of the store
  has is ConflictException (UNIQUENESS_CONSTRAINT_VIOLATION), as CreateGroup already answers;
  an unknown group is ResourceNotFoundException (GROUP).
- A store that no Identity Center instance of the caller's account and region has is
  ResourceNotFoundException (IDENTITY_STORE); moto makes one up for any id.
- CreateGroupMembership of a user already in the group is ConflictException; moto adds it twice.
"""

from __future__ import annotations

from moto.core.utils import get_service_model
from moto.identitystore import models as store_models
from moto.identitystore.exceptions import (
    ConflictException,
    ResourceNotFoundException,
    ValidationException,
)
from moto.identitystore.responses import IdentityStoreResponse

from .identity_center import identity_store_known
from .parameters import violations
from .settings import lock

# The group attributes UpdateGroup may set, and the model's shape of each value.
GROUP_ATTRIBUTES = {"displayname": "GroupDisplayName", "description": "SensitiveStringType"}
_STORE = "_IdentityStoreBackend__get_identity_store"  # moto's private, name-mangled getter


def _store_id(identity_store_id: str) -> str:
    """The store's id, also when given as the model's ARN form (`…:identitystore/d-…`)."""
    return identity_store_id.rsplit("/", 1)[-1]


def _patch_known_stores() -> None:
    """Only the identity stores of Identity Center instances exist."""
    backend = store_models.IdentityStoreBackend
    original = getattr(backend, _STORE)

    def identity_store(self, store_id: str):
        store_id = _store_id(store_id or "")
        if store_id and not identity_store_known(self.account_id, self.region_name, store_id):
            raise ResourceNotFoundException(
                message="IDENTITY_STORE not found.", resource_type="IDENTITY_STORE"
            )
        return original(self, store_id)

    setattr(backend, _STORE, identity_store)


def _group_changes(operations: list[dict]) -> dict[str, str | None]:
    """UpdateGroup's operations as the Group fields they set; ValidationException if invalid."""
    model = get_service_model("identitystore")
    changes: dict[str, str | None] = {}
    for operation in operations:
        path = operation.get("AttributePath", "")
        value = operation.get("AttributeValue")
        shape = GROUP_ATTRIBUTES.get(path.lower())
        if shape is None:
            raise ValidationException(message=f"Invalid attribute path: {path}")
        if path.lower() == "displayname" and not isinstance(value, str):
            raise ValidationException(message="displayName: The attribute displayName is required")
        if value is not None and not isinstance(value, str):
            raise ValidationException(message=f"{path}: The attribute value must be a string")
        found = violations(model.shape_for(shape), value, path)
        if found:
            raise ValidationException(message=found[0].sentence())
        changes["DisplayName" if path.lower() == "displayname" else "Description"] = value
    return changes


def _patch_update_group() -> None:
    """UpdateGroup, with the uniqueness of display names in a store."""
    backend = store_models.IdentityStoreBackend

    def update_group(self, identity_store_id: str, group_id: str, operations: list) -> None:
        with lock:
            store = getattr(self, _STORE)(identity_store_id)
            group = store.groups.get(group_id)
            if group is None:
                raise ResourceNotFoundException(message="GROUP not found.", resource_type="GROUP")
            changes = _group_changes(operations or [])
            name = changes.get("DisplayName")
            if name is not None and any(
                other.DisplayName == name and other.GroupId != group_id
                for other in store.groups.values()
            ):
                raise ConflictException(
                    message="Duplicate GroupDisplayName", reason="UNIQUENESS_CONSTRAINT_VIOLATION"
                )
            store.groups[group_id] = group._replace(**changes)

    def respond(self) -> str:
        self.identitystore_backend.update_group(
            identity_store_id=self._get_param("IdentityStoreId"),
            group_id=self._get_param("GroupId"),
            operations=self._get_param("Operations"),
        )
        return "{}"

    backend.update_group = update_group
    IdentityStoreResponse.update_group = respond


def _patch_memberships() -> None:
    """A user is a member of a group once."""
    backend = store_models.IdentityStoreBackend
    original = backend.create_group_membership

    def create_group_membership(self, identity_store_id: str, group_id: str, member_id: dict):
        with lock:
            store = getattr(self, _STORE)(identity_store_id)
            user_id = (member_id or {}).get("UserId")
            if any(
                membership["GroupId"] == group_id and membership["MemberId"]["UserId"] == user_id
                for membership in store.group_memberships.values()
            ):
                raise ConflictException(
                    message="Member and Group relationship already exists",
                    reason="UNIQUENESS_CONSTRAINT_VIOLATION",
                )
            return original(self, identity_store_id, group_id, member_id)

    backend.create_group_membership = create_group_membership


def patch() -> None:
    """Patch moto's identitystore (once, from `install()`)."""
    _patch_known_stores()
    _patch_update_group()
    _patch_memberships()
