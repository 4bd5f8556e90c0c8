"""The connection check's parts: one Check per thing checked, and the Checker that runs them.

See the package's docstring for what the check is for.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws
from platforms import advice
from platforms.access import PlatformAccess, credential_source, service_credentials

SESSION_NAME = "meshaws-connection-check"
# An operator is waiting on the answer: do not retry a refused or unreachable call for minutes.
MAX_ATTEMPTS = 2

CREDENTIALS = "service credentials"
ASSUME_MANAGEMENT = "assume management role"
LIST_ROOTS = "list organization roots"
ASSUME_AUTOMATION = "assume automation role"


@dataclass(frozen=True)
class Check:
    """One check's outcome: what was checked, whether it passed, AWS's code and what to fix."""

    name: str
    passed: bool
    detail: str
    aws_error_code: str = ""
    fix: str = ""


def skipped(name: str, needs: str) -> Check:
    """A check not made because the check `needs` failed."""
    return Check(name, False, f"skipped: needs {needs}", fix=f"fix '{needs}' first")


class Checker:
    """Runs the checks of one platform with its decrypted access configuration."""

    def __init__(self, platform, access: PlatformAccess) -> None:
        self.platform = platform
        self.access = access
        self.endpoint_url = access.endpoint_url or None
        self.secret_values = tuple(
            value
            for value in (
                access.service_user_access_key,
                access.service_user_secret_key,
                access.privileged_external_id,
            )
            if value
        )

    def scrub(self, text: str) -> str:
        """`text` without any secret value (AWS messages should not carry them; be sure)."""
        for value in self.secret_values:
            text = text.replace(value, "[secret]")
        return text

    def failed(self, name: str, error: aws.AwsError, fix: str) -> Check:
        if error.code in aws.UNREACHABLE_CODES | aws.TRANSIENT_ERROR_CODES:
            fix = advice.what_to_fix(error.code, endpoint=self.endpoint_url or "AWS").text
        elif error.transient:  # a 5xx under a code of its own
            fix = f"{fix} (AWS reported a temporary failure: try again)"
        detail = f"{error.operation} failed: {self.scrub(error.message)}"
        return Check(name, False, detail, aws_error_code=error.code, fix=fix)

    def client(self, service: str, credentials: aws.Credentials, region: str):
        return aws.client(
            service, region=region, credentials=credentials, endpoint_url=self.endpoint_url,
            max_attempts=MAX_ATTEMPTS,
        )  # fmt: skip

    # -- the credentials and the roles -----------------------------------------------------

    def credentials(self) -> tuple[Check, aws.Credentials | None]:
        """The credentials meshaws starts from, and which source gave them."""
        source = credential_source(self.access)
        try:
            found = service_credentials(self.access, fresh=True, max_attempts=MAX_ATTEMPTS)
        except aws.AwsError as error:
            fix = advice.what_to_fix(
                error.code, step=advice.CREDENTIALS, operation=error.operation
            ).text
            return self.failed(CREDENTIALS, error, fix), None
        except ValueError as error:  # botocore refuses a malformed endpoint URL
            return Check(
                CREDENTIALS, False, self.scrub(str(error)),
                fix="the platform's endpoint URL is not a valid URL; fix it or leave it empty",
            ), None  # fmt: skip
        detail = f"using {source}"
        if not self.access.service_user_access_key and not self.access.web_identity_role_arn:
            detail += f" (found by boto3: {aws.default_chain_method() or 'unknown'})"
        return Check(CREDENTIALS, True, detail), found

    def principal(self) -> str:
        """Who assumes the roles, as their trust policies must name it."""
        if self.access.service_user_access_key:
            return "the meshfed-service user"
        if self.access.web_identity_role_arn:
            return f"the web identity role {self.access.web_identity_role_arn}"
        return "the role or user of the default credential chain"

    def assume(
        self,
        name: str,
        what: str,
        role_arn: str,
        external_id: str,
        service_user: aws.Credentials | None,
    ) -> tuple[Check, aws.Credentials | None]:
        if service_user is None:
            return skipped(name, CREDENTIALS), None
        try:
            credentials = aws.assume_role(
                credentials=service_user, role_arn=role_arn, session_name=SESSION_NAME,
                region=self.access.region, external_id=external_id or None,
                endpoint_url=self.endpoint_url, max_attempts=MAX_ATTEMPTS,
            )  # fmt: skip
        except aws.AwsError as error:
            fix = advice.what_to_fix(
                error.code, operation=advice.ASSUME_ROLE, what=what, role_arn=role_arn,
                principal=self.principal(),
            ).text  # fmt: skip
            return self.failed(name, error, fix), None
        except ValueError as error:  # botocore refuses a malformed endpoint URL
            return Check(
                name, False, self.scrub(str(error)),
                fix="the platform's endpoint URL is not a valid URL; fix it or leave it empty",
            ), None  # fmt: skip
        with_id = " with its external id" if external_id else " (no external id)"
        return Check(name, True, f"assumed {role_arn}{with_id}"), credentials

    # -- the organization ------------------------------------------------------------------

    def list_roots(self, management: aws.Credentials) -> tuple[Check, list[str] | None]:
        org = self.client("organizations", management, aws.ORGANIZATIONS_REGION)
        try:
            roots = [root["Id"] for root in aws.paginate(org, "list_roots", "Roots")]
        except aws.AwsError as error:
            fix = advice.what_to_fix(error.code, operation=error.operation).text
            return self.failed(LIST_ROOTS, error, fix), None
        if not roots:
            return Check(
                LIST_ROOTS, False, "the organization has no root",
                fix="the management role must be in the organization's management account",
            ), None  # fmt: skip
        return Check(LIST_ROOTS, True, f"root {', '.join(roots)}"), roots

    def target(
        self,
        zone,
        management: aws.Credentials | None,
        roots: list[str] | None,
    ) -> Check:
        target = zone.target_organizational_unit
        name = f"landing zone {zone.identifier}: target {target}"
        fix = (
            f"the landing zone's target OU {target} does not exist in the organization; "
            "fix the landing zone"
        )
        if target.startswith("r-"):
            if roots is None:
                return skipped(name, LIST_ROOTS)
            if target in roots:
                return Check(name, True, f"{target} is the organization's root")
            return Check(
                name, False, f"{target} is not among the organization's roots ({', '.join(roots)})",
                fix=f"the landing zone's target root {target} is not this organization's root; "
                "fix the landing zone",
            )  # fmt: skip
        if not target.startswith("ou-"):
            return Check(name, False, f"{target!r} is neither an OU id (ou-…) nor a root (r-…)",
                         fix="fix the landing zone's target organizational unit")  # fmt: skip
        if management is None:
            return skipped(name, ASSUME_MANAGEMENT)
        org = self.client("organizations", management, aws.ORGANIZATIONS_REGION)
        try:
            found = aws.call(org, "describe_organizational_unit", OrganizationalUnitId=target)
        except aws.AwsError as error:
            fix = advice.what_to_fix(
                error.code, operation=error.operation, target=target, default=fix
            ).text
            return self.failed(name, error, fix)
        ou_name = found["OrganizationalUnit"].get("Name", "")
        return Check(name, True, f"OU {target} exists" + (f" ({ou_name})" if ou_name else ""))

    # -- the landing zones' StackSets ------------------------------------------------------

    def stack_set(self, zone, automation: aws.Credentials | None) -> Check | None:
        region = zone.stack_set_region or self.platform.region
        if zone.bootstrap_template:
            stack_set = f"meshaws-{self.platform.identifier}-{zone.identifier}"
            return Check(
                f"landing zone {zone.identifier}: StackSet {stack_set}", True,
                f"meshaws will create StackSet {stack_set} in {region} from the landing zone's "
                "bootstrap template",
            )  # fmt: skip
        if not zone.stack_set_name:
            return None
        name = f"landing zone {zone.identifier}: StackSet {zone.stack_set_name}"
        if automation is None:
            return skipped(name, ASSUME_AUTOMATION)
        cloudformation = self.client("cloudformation", automation, region)
        try:
            aws.call(cloudformation, "describe_stack_set", StackSetName=zone.stack_set_name)
        except aws.AwsError as error:
            fix = advice.what_to_fix(
                error.code, step="bootstrap-stack", operation=error.operation,
                stack_set=zone.stack_set_name, region=region,
            ).text  # fmt: skip
            return self.failed(name, error, fix)
        return Check(name, True, f"StackSet {zone.stack_set_name} exists in {region}")
