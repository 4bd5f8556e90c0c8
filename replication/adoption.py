"""Adopting AWS accounts that exist already: one (`POST /api/v1/accounts/` with an id), many
at once (the Unmanaged accounts page), or a CSV file (the page, `manage.py adopt_accounts`).

Every adoption is checked in this one place first: the account is in the platform's AWS
organization and ACTIVE (DescribeAccount with the management role; ListAccounts once for many
ids). Then accounts.services.project_account_create checks the rest (the id not managed
already, the project's one account per platform, the landing zone), creates the project
account with its audit event and asks for its run. Many adoptions are made all, or none:
the refusal lists every error, by line or by account.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

import aws
from accounts import selectors as account_selectors
from accounts.models import Project, ProjectAccount
from accounts.services import project_account_create
from audit.services import audit_event_create
from platforms import patterns
from platforms.models import LandingZone, PlatformInstance
from platforms.organizations import organization_platforms
from platforms.secrets import SecretUnreadable

from .discovery import organization_client, scan_failure
from .models import UnmanagedAccount

# A person waits for the check: a few attempts, not the replication's patient retries.
CHECK_ATTEMPTS = 2
# Up to this many ids, a DescribeAccount each; more, one paginated ListAccounts.
DESCRIBE_AT_MOST = 20
MAX_ADOPTIONS = 1000
MAX_CSV_BYTES = 256 * 1024
CSV_COLUMNS = "aws_account_id,customer.project[,landing zone]"
ACTIVE = "ACTIVE"


@dataclass(frozen=True)
class Adoption:
    """One AWS account to adopt into a project (`customer.project`), and the file's line that
    asks for it (0: chosen on the page, where the account id says which)."""

    aws_account_id: str
    project: str
    landing_zone: str = ""
    line: int = 0


@dataclass(frozen=True)
class AdoptionError:
    """Why one adoption (or, without line and account id, all of them) was refused."""

    message: str
    line: int = 0
    aws_account_id: str = ""

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class AdoptionRefused(Exception):
    """Nothing was adopted: every error found, by line (the general ones first)."""

    def __init__(self, errors: list[AdoptionError]):
        errors = sorted(errors, key=lambda error: error.line)  # stable: page order kept
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


def shown(value: str, limit: int = 40) -> str:
    """A value from the outside, printable and short enough for a message."""
    text = "".join(char if char.isprintable() else "?" for char in value[: limit + 1])
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def aws_account_states(platform: PlatformInstance, ids: list[str]) -> dict[str, str | None]:
    """Each account's State in the platform's organization; None: not in the organization.

    Raises aws.AwsError or SecretUnreadable when the organization cannot be asked.
    """
    org = organization_client(platform, max_attempts=CHECK_ATTEMPTS)
    if len(ids) > DESCRIBE_AT_MOST:
        listed = {
            account["Id"]: account.get("State", "")
            for account in aws.paginate(org, "list_accounts", "Accounts")
        }
        return {account_id: listed.get(account_id) for account_id in ids}
    states: dict[str, str | None] = {}
    for account_id in ids:
        try:
            found = aws.call(org, "describe_account", AccountId=account_id)["Account"]
        except aws.AwsError as error:
            if error.code != "AccountNotFoundException":
                raise
            states[account_id] = None
        else:
            # `State` only: AWS retired `Status` on 2026-09-09.
            states[account_id] = found.get("State", "")
    return states


def state_refusal(platform: PlatformInstance, aws_account_id: str, state: str | None) -> str:
    """Why an account in this State cannot be adopted; empty when it can."""
    if state is None:
        return (
            f"AWS account {aws_account_id} is not in the organization of platform "
            f"{platform.full_identifier}"
        )
    if state != ACTIVE:
        return (
            f"AWS account {aws_account_id} is {state or 'in no known state'}, only ACTIVE "
            "accounts can be adopted"
        )
    return ""


def _unchecked(platform: PlatformInstance, error: Exception) -> str:
    return (
        f"the accounts could not be checked in the organization of platform "
        f"{platform.full_identifier}: {scan_failure(error)}"
    )


def adoption_check(platform: PlatformInstance, aws_account_id: str) -> None:
    """An account may be adopted on the platform as far as AWS says: in its organization and
    ACTIVE. ValidationError naming `aws_account_id` otherwise."""
    try:
        patterns.validate_aws_account_id(aws_account_id)
    except ValidationError as error:
        raise ValidationError({"aws_account_id": error.messages}) from None
    try:
        state = aws_account_states(platform, [aws_account_id])[aws_account_id]
    except (aws.AwsError, SecretUnreadable) as error:
        raise ValidationError({"aws_account_id": _unchecked(platform, error)}) from None
    refusal = state_refusal(platform, aws_account_id, state)
    if refusal:
        raise ValidationError({"aws_account_id": refusal})


def _forget_unmanaged(platform: PlatformInstance, ids: list[str]) -> None:
    """Adopted accounts leave the unmanaged list at once, not at the next scan."""
    UnmanagedAccount.objects.filter(
        platform__in=organization_platforms(platform), aws_account_id__in=ids
    ).delete()


def account_adopt(
    *,
    project: Project,
    platform: PlatformInstance,
    aws_account_id: str,
    landing_zone: str | None = None,
    actor: AbstractBaseUser | None,
) -> ProjectAccount:
    """Adopt one AWS account into `project` on `platform`, checked first; audited."""
    aws_account_id = str(aws_account_id).strip()
    adoption_check(platform, aws_account_id)
    with transaction.atomic():
        account = project_account_create(
            project=project, platform=platform, landing_zone=landing_zone,
            aws_account_id=aws_account_id, actor=actor,
        )  # fmt: skip
        _forget_unmanaged(platform, [aws_account_id])
    return account


def _messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def _error(adoption: Adoption, message: str) -> AdoptionError:
    return AdoptionError(message, adoption.line, adoption.aws_account_id)


def _first_look(adoptions: list[Adoption]) -> tuple[dict[int, AdoptionError], dict[int, Project]]:
    """Errors that need no AWS call (the id's shape, twice the same id, the project), by index,
    and the project of each adoption without one."""
    errors, projects, first_seen, known = {}, {}, {}, {}
    zone_limit = LandingZone._meta.get_field("identifier").max_length
    for index, adoption in enumerate(adoptions):
        account_id = adoption.aws_account_id

        def refuse(message: str, index=index, adoption=adoption) -> None:
            errors[index] = _error(adoption, message)

        try:
            patterns.validate_aws_account_id(account_id)
        except ValidationError as error:
            refuse(f"aws_account_id {shown(account_id) or '(empty)'}: {_messages(error)}")
            continue
        if account_id in first_seen:
            earlier = adoptions[first_seen[account_id]].line
            refuse(
                f"AWS account {account_id} is on line {earlier} already"
                if earlier
                else f"AWS account {account_id} is chosen twice"
            )
            continue
        first_seen[account_id] = index
        if not adoption.project:
            refuse("no project given (write it as customer.project)")
            continue
        if adoption.project not in known:
            known[adoption.project] = account_selectors.project_by_full_identifier(adoption.project)
        if known[adoption.project] is None:
            refuse(f"project {shown(adoption.project)} does not exist")
            continue
        if len(adoption.landing_zone) > zone_limit:
            refuse(f"landing zone {shown(adoption.landing_zone)}: at most {zone_limit} characters")
            continue
        projects[index] = known[adoption.project]
    return errors, projects


def accounts_adopt(
    *,
    platform: PlatformInstance,
    adoptions: list[Adoption],
    actor: AbstractBaseUser | None,
    source: str,
    refused: list[AdoptionError] = (),
) -> list[ProjectAccount]:
    """Adopt every account of `adoptions` on `platform`, or none (AdoptionRefused, with every
    error found); audited, each account and the whole (`source`: page, csv or command).

    `refused`: errors found earlier (a file's unreadable lines): nothing is adopted then, but
    the adoptions are still checked, so that every error shows at once.
    """
    if not adoptions and not refused:
        raise AdoptionRefused([AdoptionError("no accounts chosen to adopt")])
    if len(adoptions) > MAX_ADOPTIONS:
        raise AdoptionRefused(
            [AdoptionError(f"{len(adoptions)} accounts; at most {MAX_ADOPTIONS} at once")]
        )
    errors, projects = _first_look(adoptions)
    general: list[AdoptionError] = list(refused)
    ids = [adoptions[index].aws_account_id for index in projects]
    try:
        states = aws_account_states(platform, ids) if ids else {}
    except (aws.AwsError, SecretUnreadable) as error:
        general.append(AdoptionError(_unchecked(platform, error)))
        states = {account_id: ACTIVE for account_id in ids}  # the checks below still run
    for index in list(projects):
        adoption = adoptions[index]
        refusal = state_refusal(platform, adoption.aws_account_id, states[adoption.aws_account_id])
        if refusal:
            errors[index] = _error(adoption, refusal)
            del projects[index]
    with transaction.atomic():
        created = []
        for index, project in projects.items():
            adoption = adoptions[index]
            try:
                with transaction.atomic():
                    created.append(
                        project_account_create(
                            project=project,
                            platform=platform,
                            landing_zone=adoption.landing_zone or None,
                            aws_account_id=adoption.aws_account_id,
                            actor=actor,
                        )
                    )
            except ValidationError as error:
                errors[index] = _error(adoption, _messages(error))
        if errors or general:
            # Leaving the block by this exception rolls back every account made above (and
            # drops the runs they asked for: those are queued on commit only).
            raise AdoptionRefused(general + [errors[index] for index in sorted(errors)])
        adopted = [account.aws_account_id for account in created]
        _forget_unmanaged(platform, adopted)
        audit_event_create(
            actor=actor, action="platform.adopt", object_type="platform",
            object_id=platform.pk, object_repr=platform.full_identifier,
            after={"source": source, "accounts": adopted},
        )  # fmt: skip
    return created


def adoptions_from_csv(data: bytes) -> tuple[list[Adoption], list[AdoptionError]]:
    """The adoptions of a CSV file (`aws_account_id,customer.project[,landing zone]` a line,
    an optional header line), and its lines that could not be read, by line number.

    AdoptionRefused when the file as a whole is refused (too big, not text, no account).
    """
    if len(data) > MAX_CSV_BYTES:
        raise AdoptionRefused(
            [AdoptionError(f"the file has {len(data)} bytes; at most {MAX_CSV_BYTES} bytes "
                           f"({MAX_CSV_BYTES // 1024} KiB) at once")]
        )  # fmt: skip
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark is dropped
    except UnicodeDecodeError as error:
        raise AdoptionRefused(
            [AdoptionError(f"the file is not UTF-8 text (byte {error.start + 1})")]
        ) from None
    if "\x00" in text:
        raise AdoptionRefused([AdoptionError("the file holds a NUL character: not a CSV file")])
    adoptions, errors, end, started = [], [], 0, False
    # newline="": the reader itself takes CRLF, LF and CR line ends, and quoted line breaks.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            # After a broken quote the reader cannot tell where the next line starts.
            errors.append(AdoptionError(f"{error}; nothing after it was read", reader.line_num))
            break
        line, end = end + 1, reader.line_num
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        header, started = not started and cells[0].lower() == "aws_account_id", True
        if header:
            continue
        if len(cells) not in (2, 3):
            errors.append(AdoptionError(f"{len(cells)} fields; expected {CSV_COLUMNS}", line))
            continue
        adoptions.append(Adoption(*cells, line=line))
        if len(adoptions) + len(errors) > MAX_ADOPTIONS:
            raise AdoptionRefused(
                [AdoptionError(f"the file has more than {MAX_ADOPTIONS} lines of accounts; at "
                               f"most {MAX_ADOPTIONS} at once")]
            )  # fmt: skip
    if not adoptions and not errors:
        raise AdoptionRefused([AdoptionError(f"the file has no accounts ({CSV_COLUMNS})")])
    return adoptions, errors
