"""IAM Identity Center in the strict emulator: as AWS runs it, against a plain moto_server too.

As in test_strict_emulator: each test makes the same calls against plain moto and the strict
emulator, so it fails without the strict layer.
"""

from dataclasses import dataclass

import pytest
from moto.core.utils import get_service_model

from sandbox import setup
from sandbox.strict_emulator.parameters import compiled
from tests.helpers import emulator_client, refusal, reset_sandbox

pytestmark = pytest.mark.sandbox

REGION = "eu-central-1"
ACCOUNT = setup.MANAGEMENT_ACCOUNT_ID
# A group id of Identity Store's shape that no group has.
SOME_GROUP_ID = "0123456789-01234567-89ab-cdef-0123-456789abcdef"


@dataclass
class IdentityCenter:
    """One emulator's Identity Center instance, with the calls the tests make on it."""

    url: str

    def __post_init__(self):
        self.sso = emulator_client(self.url, "sso-admin", region=REGION)
        self.store = emulator_client(self.url, "identitystore", region=REGION)
        instance = self.sso.list_instances()["Instances"][0]
        self.instance_arn, self.store_id = instance["InstanceArn"], instance["IdentityStoreId"]

    def permission_set(self, name: str = "AdministratorAccess") -> str:
        created = self.sso.create_permission_set(Name=name, InstanceArn=self.instance_arn)
        return created["PermissionSet"]["PermissionSetArn"]

    def group(self, name: str) -> str:
        return self.store.create_group(IdentityStoreId=self.store_id, DisplayName=name)["GroupId"]

    def user(self, name: str) -> str:
        return self.store.create_user(
            IdentityStoreId=self.store_id, UserName=name, DisplayName=name,
            Name={"GivenName": name, "FamilyName": "Sandbox"},
        )["UserId"]  # fmt: skip

    def assignment(self, permission_set: str, group: str) -> dict:
        return {
            "InstanceArn": self.instance_arn, "TargetId": ACCOUNT, "TargetType": "AWS_ACCOUNT",
            "PermissionSetArn": permission_set, "PrincipalType": "GROUP", "PrincipalId": group,
        }  # fmt: skip

    def assign(self, permission_set: str, group: str) -> dict:
        answer = self.sso.create_account_assignment(**self.assignment(permission_set, group))
        return answer["AccountAssignmentCreationStatus"]

    def unassign(self, permission_set: str, group: str) -> dict:
        answer = self.sso.delete_account_assignment(**self.assignment(permission_set, group))
        return answer["AccountAssignmentDeletionStatus"]

    def creation(self, request_id: str) -> dict:
        return self.sso.describe_account_assignment_creation_status(
            InstanceArn=self.instance_arn, AccountAssignmentCreationRequestId=request_id
        )["AccountAssignmentCreationStatus"]

    def deletion(self, request_id: str) -> dict:
        return self.sso.describe_account_assignment_deletion_status(
            InstanceArn=self.instance_arn, AccountAssignmentDeletionRequestId=request_id
        )["AccountAssignmentDeletionStatus"]

    def assigned(self, permission_set: str) -> list[str]:
        listed = self.sso.list_account_assignments(
            InstanceArn=self.instance_arn, AccountId=ACCOUNT, PermissionSetArn=permission_set
        )["AccountAssignments"]
        return [assignment["PrincipalId"] for assignment in listed]

    def rename(self, group: str, name: str):
        return self.store.update_group(
            IdentityStoreId=self.store_id, GroupId=group,
            Operations=[{"AttributePath": "displayName", "AttributeValue": name}],
        )  # fmt: skip

    def group_named(self, name: str) -> str:
        return self.store.get_group_id(
            IdentityStoreId=self.store_id,
            AlternateIdentifier={"UniqueAttribute": {"AttributePath": "displayName",
                                                     "AttributeValue": name}},
        )["GroupId"]  # fmt: skip


@pytest.fixture
def centers(plain_moto_server, sandbox_url, strictness):
    """(plain, strict): each emptied emulator's Identity Center instance."""
    reset_sandbox(plain_moto_server)
    return IdentityCenter(plain_moto_server), IdentityCenter(sandbox_url)


def _pattern(service: str, shape: str):
    """The model's compiled pattern of `shape`."""
    return compiled(get_service_model(service).shape_for(shape).metadata["pattern"])


# -- ids ------------------------------------------------------------------------------------------


def test_instances_stores_and_permission_sets_have_ids_of_awss_shape(centers):
    plain, strict = centers
    plain_set, strict_set = plain.permission_set(), strict.permission_set()

    assert _pattern("sso-admin", "PermissionSetArn").fullmatch(plain_set) is None
    assert _pattern("sso-admin", "InstanceArn").fullmatch(strict.instance_arn)
    assert _pattern("sso-admin", "PermissionSetArn").fullmatch(strict_set)
    assert strict_set.startswith("arn:aws:sso:::permissionSet/ssoins-")
    assert compiled(r"d-[0-9a-f]{10}").fullmatch(strict.store_id)
    described = strict.sso.describe_permission_set(
        InstanceArn=strict.instance_arn, PermissionSetArn=strict_set
    )["PermissionSet"]
    assert described["Name"] == "AdministratorAccess"


# -- parameters against the service models ----------------------------------------------------

INVALID_PARAMETERS = [
    pytest.param(
        lambda center: center.sso.describe_permission_set(
            InstanceArn="arn:aws:sso:::instance/ins-short", PermissionSetArn=center.ps
        ),
        "instanceArn",
        id="instance-arn",
    ),
    pytest.param(
        lambda center: center.sso.describe_permission_set(
            InstanceArn=center.instance_arn,
            PermissionSetArn=center.ps.replace(":permissionSet/", ":instance/"),
        ),
        "permissionSetArn",
        id="permission-set-arn-in-mots-shape",
    ),
    pytest.param(
        lambda center: center.sso.create_account_assignment(
            **{**center.assignment(center.ps, SOME_GROUP_ID), "TargetId": "12345678901a"}
        ),
        "targetId",
        id="target-id",
    ),
    pytest.param(
        lambda center: center.sso.create_account_assignment(
            **center.assignment(center.ps, "not-a-group-id")
        ),
        "principalId",
        id="principal-id",
    ),
    pytest.param(
        lambda center: center.store.list_groups(IdentityStoreId="d-NOTHEX0000"),
        "identityStoreId",
        id="identity-store-id",
    ),
    pytest.param(
        lambda center: center.store.create_group(
            IdentityStoreId=center.store_id, DisplayName="x" * 1025
        ),
        "displayName",
        id="group-display-name-max",
    ),
]


@pytest.mark.parametrize(("call", "parameter"), INVALID_PARAMETERS)
def test_it_refuses_malformed_identity_center_parameters_naming_them(centers, call, parameter):
    plain, strict = centers
    for center in centers:
        center.ps = center.permission_set()

    plain_answer = refusal(call, plain)
    assert plain_answer is None or plain_answer["code"] != "ValidationException"

    refused = refusal(call, strict)
    assert (refused["status"], refused["code"]) == (400, "ValidationException")
    assert refused["message"].startswith("1 validation error detected: ")
    assert f"Value at '{parameter}' failed to satisfy constraint" in refused["message"]


def test_an_identity_store_that_no_instance_has_is_not_found(centers):
    plain, strict = centers
    unknown = "d-0123456789"

    assert plain.store.list_groups(IdentityStoreId=unknown)["Groups"] == []
    try:
        strict.store.list_groups(IdentityStoreId=unknown)
    except strict.store.exceptions.ResourceNotFoundException as error:
        assert error.response["ResourceType"] == "IDENTITY_STORE"
    else:
        pytest.fail("the strict emulator listed the groups of an unknown identity store")


# -- UpdateGroup, unique names and memberships ------------------------------------------------


def test_update_group_renames_a_group_in_place(centers):
    plain, strict = centers
    plain_group = plain.group("mst-acme.web-admin")
    assert refusal(plain.rename, plain_group, "mst-acme.web-administrators")["status"] >= 500

    group, user = strict.group("mst-acme.web-admin"), strict.user("ada@sandbox.io")
    strict.store.create_group_membership(
        IdentityStoreId=strict.store_id, GroupId=group, MemberId={"UserId": user}
    )
    strict.rename(group, "mst-acme.web-administrators")

    assert strict.group_named("mst-acme.web-administrators") == group
    described = strict.store.describe_group(IdentityStoreId=strict.store_id, GroupId=group)
    assert described["DisplayName"] == "mst-acme.web-administrators"
    memberships = strict.store.list_group_memberships(
        IdentityStoreId=strict.store_id, GroupId=group
    )["GroupMemberships"]
    assert [membership["MemberId"]["UserId"] for membership in memberships] == [user]
    missing = refusal(strict.group_named, "mst-acme.web-admin")
    assert missing["code"] == "ResourceNotFoundException"


def test_update_group_sets_the_description_and_keeps_its_own_name(centers):
    strict = centers[1]
    group = strict.group("mst-acme.web-admin")

    strict.store.update_group(
        IdentityStoreId=strict.store_id, GroupId=group,
        Operations=[{"AttributePath": "displayName", "AttributeValue": "mst-acme.web-admin"},
                    {"AttributePath": "description", "AttributeValue": "Project acme/web"}],
    )  # fmt: skip

    described = strict.store.describe_group(IdentityStoreId=strict.store_id, GroupId=group)
    assert (described["DisplayName"], described["Description"]) == (
        "mst-acme.web-admin",
        "Project acme/web",
    )


@pytest.mark.parametrize(
    ("operation", "code"),
    [({"AttributePath": "displayName", "AttributeValue": "taken"}, "ConflictException"),
     ({"AttributePath": "displayName", "AttributeValue": "x" * 1025}, "ValidationException"),
     ({"AttributePath": "displayName", "AttributeValue": None}, "ValidationException"),
     ({"AttributePath": "externalIds", "AttributeValue": []}, "ValidationException")],
    ids=["taken-name", "too-long", "no-name", "unknown-attribute"],
)  # fmt: skip
def test_update_group_refuses_what_aws_refuses(centers, operation, code):
    strict = centers[1]
    strict.group("taken")
    group = strict.group("mst-acme.web-admin")

    refused = refusal(
        strict.store.update_group,
        IdentityStoreId=strict.store_id, GroupId=group, Operations=[operation],
    )  # fmt: skip

    assert refused["code"] == code
    if code == "ConflictException":
        assert refused["reason"] == "UNIQUENESS_CONSTRAINT_VIOLATION"
    assert strict.group_named("mst-acme.web-admin") == group


def test_update_group_of_an_unknown_group_is_not_found(centers):
    strict = centers[1]
    refused = refusal(strict.rename, SOME_GROUP_ID, "mst-acme.web-admin")

    assert refused["code"] == "ResourceNotFoundException"


def test_a_user_is_a_member_of_a_group_once(centers):
    answers = {}
    for center in centers:
        group, user = center.group("mst-acme.web-admin"), center.user("ada@sandbox.io")
        membership = {"IdentityStoreId": center.store_id, "GroupId": group,
                      "MemberId": {"UserId": user}}  # fmt: skip
        center.store.create_group_membership(**membership)
        second = refusal(center.store.create_group_membership, **membership)
        listed = center.store.list_group_memberships(IdentityStoreId=center.store_id, GroupId=group)
        answers[center.url] = (second, len(listed["GroupMemberships"]))

    plain, strict = (answers[center.url] for center in centers)
    assert plain == (None, 2)
    refused, listed = strict
    assert (refused["code"], refused["reason"], listed) == (
        "ConflictException",
        "UNIQUENESS_CONSTRAINT_VIOLATION",
        1,
    )


# -- account assignments: asynchronous, listed once created -----------------------------------


def test_an_assignment_is_in_progress_for_one_read_by_default_and_listed_once_created(centers):
    plain, strict = centers
    plain_set = plain.permission_set()
    assert plain.assign(plain_set, plain.group("mst-acme.web-admin"))["Status"] == "SUCCEEDED"

    permission_set, group = strict.permission_set(), strict.group("mst-acme.web-admin")
    requested = strict.assign(permission_set, group)

    assert requested["Status"] == "IN_PROGRESS" and requested["PrincipalId"] == group
    assert strict.assigned(permission_set) == []
    assert strict.creation(requested["RequestId"])["Status"] == "IN_PROGRESS"
    assert strict.assigned(permission_set) == []
    assert strict.creation(requested["RequestId"])["Status"] == "SUCCEEDED"
    assert strict.assigned(permission_set) == [group]
    assert strict.creation(requested["RequestId"])["Status"] == "SUCCEEDED"


def test_an_assignment_stays_in_progress_for_the_reads_a_test_asks_for(centers, strictness):
    strict = centers[1]
    strictness.assignment_polls_in_progress = 3
    permission_set, group = strict.permission_set(), strict.group("mst-acme.web-admin")
    request_id = strict.assign(permission_set, group)["RequestId"]

    reads = [strict.creation(request_id)["Status"] for _ in range(4)]

    assert reads == ["IN_PROGRESS"] * 3 + ["SUCCEEDED"]
    assert strict.assigned(permission_set) == [group]


def test_an_assignment_fails_with_the_reason_a_test_gives(centers, strictness):
    strict = centers[1]
    permission_set, group = strict.permission_set(), strict.group("mst-acme.web-admin")
    strictness.assignment_failures[permission_set] = "Received a 404 status error: Not found"
    request_id = strict.assign(permission_set, group)["RequestId"]

    assert strict.creation(request_id)["Status"] == "IN_PROGRESS"
    failed = strict.creation(request_id)
    assert (failed["Status"], failed["FailureReason"]) == (
        "FAILED",
        "Received a 404 status error: Not found",
    )
    assert strict.assigned(permission_set) == []


def test_an_assignment_that_exists_is_accepted_again_and_listed_once(centers):
    listed = {}
    for center in centers:
        permission_set, group = center.permission_set(), center.group("mst-acme.web-admin")
        requests = [center.assign(permission_set, group)["RequestId"] for _ in range(2)]
        # The default: the first read says IN_PROGRESS, the second SUCCEEDED.
        ends = [[center.creation(request)["Status"] for _ in range(2)] for request in requests]
        listed[center.url] = (ends[-1][-1], center.assigned(permission_set))

    plain, strict = (listed[center.url] for center in centers)
    assert plain == ("SUCCEEDED", [plain[1][0]] * 2)
    assert strict == ("SUCCEEDED", [strict[1][0]])


def test_a_deletion_is_in_progress_and_still_listed_until_it_succeeds(centers, strictness):
    plain, strict = centers
    plain_set, plain_group = plain.permission_set(), plain.group("mst-acme.web-admin")
    plain.assign(plain_set, plain_group)
    assert plain.unassign(plain_set, plain_group)["Status"] == "SUCCEEDED"

    strictness.assignment_polls_in_progress = 0
    permission_set, group = strict.permission_set(), strict.group("mst-acme.web-admin")
    assert strict.creation(strict.assign(permission_set, group)["RequestId"])["Status"] == (
        "SUCCEEDED"
    )
    strictness.assignment_polls_in_progress = 1
    requested = strict.unassign(permission_set, group)

    assert requested["Status"] == "IN_PROGRESS"
    assert strict.deletion(requested["RequestId"])["Status"] == "IN_PROGRESS"
    assert strict.assigned(permission_set) == [group]
    assert strict.deletion(requested["RequestId"])["Status"] == "SUCCEEDED"
    assert strict.assigned(permission_set) == []
    gone = refusal(strict.unassign, permission_set, group)
    assert gone["code"] == "ResourceNotFoundException"


def test_a_failed_deletion_keeps_the_assignment(centers, strictness):
    strict = centers[1]
    strictness.assignment_polls_in_progress = 0
    permission_set, group = strict.permission_set(), strict.group("mst-acme.web-admin")
    strict.creation(strict.assign(permission_set, group)["RequestId"])
    strictness.assignment_failures = {permission_set: "Internal failure"}

    failed = strict.deletion(strict.unassign(permission_set, group)["RequestId"])

    assert (failed["Status"], failed["FailureReason"]) == ("FAILED", "Internal failure")
    assert strict.assigned(permission_set) == [group]
