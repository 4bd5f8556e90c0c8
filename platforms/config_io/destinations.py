"""Secrets follow their destination: a change of where a secret is presented must bring it again.

Secrets are write-only, so whoever may edit a platform cannot read them. If a change could
send a stored secret somewhere new (another endpoint, region, role or organization) while
keeping it, that person could collect it there. So such a change must carry the secret typed
again in the same change, which only someone who knows it can do.
"""

from __future__ import annotations

from .declaration import SECRET_PATHS, attribute_at, field_at
from .record import PlatformRecord

_PRIVILEGED = ("privilegedExternalId",)

# Each destination (a record path) and the stored secrets presented there.
SECRETS_CARRIED: dict[str, tuple[str, ...]] = {
    # Every call goes to the endpoint: the access key id and signatures, every external id.
    "endpointUrl": SECRET_PATHS,
    # The region picks the STS endpoint that gets the keys' signatures and every external id.
    "region": SECRET_PATHS,
    # The management role's session presents the privileged external id to member accounts,
    # and the role's organization decides which accounts those are.
    "organizationRootAccountRole": _PRIVILEGED,
    # The role in member accounts that the privileged external id is presented to.
    "accountAccessRole": _PRIVILEGED,
    # The identity every session (and so the one presenting the privileged id) derives from.
    "webIdentity.roleArn": _PRIVILEGED,
}
# The service user's keys sign the STS calls (AssumeRole of every role), so they go where the
# endpoint and region send them. organizationRootAccountExternalId and
# automationAccountExternalId go with their roles, but they are plain fields of the record,
# always given with the role, never kept unseen.


def _value_at(record: PlatformRecord, path: str):
    """The record's value at a path: a destination or a secret."""
    return getattr(record, attribute_at(path))


def _kept(record: PlatformRecord, stored: PlatformRecord, path: str) -> bool:
    """Whether the change keeps the stored secret at `path` without giving it again."""
    flag = field_at(path).stored_when
    if flag and not (getattr(record, flag) and getattr(stored, flag)):
        return False  # no keys now (or before): nothing stored goes anywhere
    given, old = _value_at(record, path), _value_at(stored, path)
    return given.value is None and bool(old.fingerprint)


def secrets_to_type_again(record: PlatformRecord, stored: PlatformRecord) -> dict[str, list[str]]:
    """`path: messages` for every stored secret the change keeps but would send somewhere new."""
    changed = [
        path for path in SECRETS_CARRIED if _value_at(record, path) != _value_at(stored, path)
    ]
    errors: dict[str, list[str]] = {}
    for secret in SECRET_PATHS:
        reasons = [path for path in changed if secret in SECRETS_CARRIED[path]]
        if reasons and _kept(record, stored, secret):
            errors[secret] = [
                f"{' and '.join(reasons)} changed; type this secret again (it would be sent "
                "to the new destination)"
            ]
    return errors
