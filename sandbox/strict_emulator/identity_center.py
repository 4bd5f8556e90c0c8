"""IAM Identity Center (sso-admin) as AWS runs it: ids of AWS's shape, asynchronous assignments.

moto names a permission set `arn:aws:sso:::instance/ssoins-…/ps-…` and an identity store
`d-` and ten letters or digits; AWS's patterns want `arn:aws:sso:::permissionSet/ssoins-…/ps-…`
and `d-` and ten hex digits, so the parameter checks would refuse moto's own ids.

CreateAccountAssignment and DeleteAccountAssignment answer IN_PROGRESS with a RequestId (AWS:
"After a successful response, call DescribeAccountAssignmentCreationStatus"). A request keeps
IN_PROGRESS for `settings.assignment_polls_in_progress` status reads (as in force when it was
made), then ends SUCCEEDED, or FAILED with the reason `settings.assignment_failures` gives for
its permission set. Only then does the assignment appear in (or leave) ListAccountAssignments:
a creation in progress, or a failed one, is not listed; a deletion in progress still is.
AWS does not refuse an assignment that exists already (it makes no duplicate): its request
succeeds and the assignment is listed once. Deleting an assignment that is not listed is
ResourceNotFoundException, as in moto.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from moto.core.utils import unix_time
from moto.moto_api._internal import mock_random
from moto.ssoadmin import models as sso_models
from moto.ssoadmin.exceptions import ResourceNotFoundException
from moto.ssoadmin.responses import SSOAdminResponse

from .settings import lock, settings

CREATION, DELETION = "creation", "deletion"
# In the order of moto's AccountAssignment arguments, after the instance.
ASSIGNMENT_KEYS = ("TargetId", "TargetType", "PermissionSetArn", "PrincipalType", "PrincipalId")


def _patch_ids() -> None:
    """Instances, identity stores and permission sets get ids of AWS's shape."""
    instance_init = sso_models.Instance.__init__

    def init_instance(self, account_id: str, region: str) -> None:
        instance_init(self, account_id, region)
        partition = self.instance_arn.split(":")[1]
        self.instance_arn = (
            f"arn:{partition}:sso:::instance/ssoins-{mock_random.get_random_hex(16)}"
        )
        self.identity_store_id = f"d-{mock_random.get_random_hex(10)}"

    def permission_set_arn(instance_arn: str) -> str:
        partition, instance_id = instance_arn.split(":")[1], instance_arn.rsplit("/", 1)[1]
        ps_id = f"ps-{mock_random.get_random_hex(16)}"
        return f"arn:{partition}:sso:::permissionSet/{instance_id}/{ps_id}"

    sso_models.Instance.__init__ = init_instance
    sso_models.PermissionSet.generate_id = staticmethod(permission_set_arn)


@dataclass
class _Request:
    """One CreateAccountAssignment or DeleteAccountAssignment request, as AWS tracks it."""

    kind: str
    instance_arn: str
    assignment: dict
    request_id: str
    created_date: float
    polls_left: int
    failure: str | None
    state: str = "IN_PROGRESS"

    def status(self) -> dict:
        """The request's AccountAssignmentOperationStatus."""
        status = {"Status": self.state, "RequestId": self.request_id, **self.assignment}
        status["CreatedDate"] = self.created_date
        if self.state == "FAILED":
            status["FailureReason"] = self.failure
        return status


def _requests(backend) -> dict[str, _Request]:
    """The assignment requests kept on `backend` (so that a reset clears them)."""
    if not hasattr(backend, "strict_assignment_requests"):
        backend.strict_assignment_requests = {}
    return backend.strict_assignment_requests


def _listed(backend, instance_arn: str, assignment: dict):
    """moto's listed assignment that `assignment` names, or None."""
    for listed in backend.account_assignments:
        if listed.instance_arn == instance_arn and all(
            value == listed.to_json()[key] for key, value in assignment.items()
        ):
            return listed
    return None


def _finish(backend, request: _Request) -> None:
    """End `request`: FAILED with its reason, or SUCCEEDED and the listing changed."""
    if request.failure:
        request.state = "FAILED"
        return
    request.state = "SUCCEEDED"
    listed = _listed(backend, request.instance_arn, request.assignment)
    if request.kind == CREATION and listed is None:
        values = (request.assignment[key] for key in ASSIGNMENT_KEYS)
        backend.account_assignments.append(
            sso_models.AccountAssignment(request.instance_arn, *values)
        )
    elif request.kind == DELETION and listed is not None:
        backend.account_assignments.remove(listed)


def request_assignment(backend, kind: str, params: dict) -> dict:
    """Record a creation or deletion request, IN_PROGRESS; its status."""
    instance_arn = params.get("InstanceArn")
    assignment = {key: params.get(key) for key in ASSIGNMENT_KEYS}
    with lock:
        if kind == DELETION and _listed(backend, instance_arn, assignment) is None:
            raise ResourceNotFoundException
        request = _Request(
            kind=kind, instance_arn=instance_arn, assignment=assignment,
            request_id=str(mock_random.uuid4()), created_date=unix_time(),
            polls_left=settings.assignment_polls_in_progress,
            failure=settings.assignment_failures.get(assignment["PermissionSetArn"]),
        )  # fmt: skip
        _requests(backend)[request.request_id] = request
        return request.status()


def describe_request(backend, kind: str, request_id: str, instance_arn: str) -> dict:
    """A request's status, read once more: counts down its IN_PROGRESS reads, then ends it."""
    with lock:
        request = _requests(backend).get(request_id)
        if request is None or request.kind != kind or request.instance_arn != instance_arn:
            raise ResourceNotFoundException(f"Could not find the {kind} request {request_id}")
        if request.state == "IN_PROGRESS":
            if request.polls_left > 0:
                request.polls_left -= 1
            else:
                _finish(backend, request)
        return request.status()


def _patch_assignments() -> None:
    """moto's four assignment operations answer through the requests above."""

    def create_account_assignment(self) -> str:
        status = request_assignment(self.ssoadmin_backend, CREATION, json.loads(self.body))
        return json.dumps({"AccountAssignmentCreationStatus": status})

    def delete_account_assignment(self) -> str:
        status = request_assignment(self.ssoadmin_backend, DELETION, json.loads(self.body))
        return json.dumps({"AccountAssignmentDeletionStatus": status})

    def describe_account_assignment_creation_status(self) -> str:
        status = describe_request(
            self.ssoadmin_backend, CREATION,
            self._get_param("AccountAssignmentCreationRequestId"), self._get_param("InstanceArn"),
        )  # fmt: skip
        return json.dumps({"AccountAssignmentCreationStatus": status})

    def describe_account_assignment_deletion_status(self) -> str:
        status = describe_request(
            self.ssoadmin_backend, DELETION,
            self._get_param("AccountAssignmentDeletionRequestId"), self._get_param("InstanceArn"),
        )  # fmt: skip
        return json.dumps({"AccountAssignmentDeletionStatus": status})

    SSOAdminResponse.create_account_assignment = create_account_assignment
    SSOAdminResponse.delete_account_assignment = delete_account_assignment
    SSOAdminResponse.describe_account_assignment_creation_status = (
        describe_account_assignment_creation_status
    )
    SSOAdminResponse.describe_account_assignment_deletion_status = (
        describe_account_assignment_deletion_status
    )


def identity_store_known(account_id: str, region: str, identity_store_id: str) -> bool:
    """Whether an Identity Center instance of this account and region has this identity store."""
    backend = sso_models.ssoadmin_backends[account_id][region]
    return any(instance.identity_store_id == identity_store_id for instance in backend.instances)


def patch() -> None:
    """Patch moto's sso-admin (once, from `install()`)."""
    _patch_ids()
    _patch_assignments()
