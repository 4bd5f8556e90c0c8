"""What contacts are told, one function per event: a subject, a plain text (a webhook's
Slack-compatible `text`) and structured fields. Nothing here reads a secret."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from .models import Event

# An AWS error message or a check's detail is quoted up to this length.
QUOTE_LENGTH = 500


@dataclass(frozen=True)
class Message:
    """One event as every contact of a platform is told about it."""

    event: str
    subject: str
    text: str
    fields: dict[str, Any] = field(default_factory=dict)


def link(path: str) -> str:
    """`path` on meshaws as people open it (MESHAWS_PUBLIC_URL)."""
    return settings.MESHAWS_PUBLIC_URL.rstrip("/") + path


def _quote(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= QUOTE_LENGTH else text[: QUOTE_LENGTH - 1] + "…"


def _platform_fields(platform, event: str) -> dict[str, Any]:
    return {
        "event": event,
        "platform": platform.full_identifier,
        "occurred_at": timezone.now().isoformat(),
    }


def _account_fields(account) -> dict[str, Any]:
    return {
        "id": account.pk,
        "project": account.project.full_identifier,
        "aws_account_id": account.aws_account_id or None,
        "status": account.status,
        "url": link(reverse("project-account-detail", kwargs={"account": account.pk})),
    }


def account_failed(account, run=None) -> Message:
    """An account's replication failed and needs a person."""
    error = _quote(getattr(run, "error", "") or getattr(account, "status_message", ""))
    step = getattr(run, "error_step", "")
    code = getattr(run, "error_code", "")
    where = f" at step {step}" if step else ""
    fields = {
        **_platform_fields(account.platform, Event.ACCOUNT_FAILED),
        "account": _account_fields(account),
        "run": str(run.pk) if run is not None else None,
        "error": {"message": error, "step": step, "code": code},
    }
    text = (
        f"Account {account.project.full_identifier} on {account.platform.full_identifier} "
        f"failed{where}{f' ({code})' if code else ''}: {error or 'no error recorded'}\n"
        f"{fields['account']['url']}"
    )
    subject = f"{account.project.full_identifier} on {account.platform.full_identifier} failed"
    return Message(Event.ACCOUNT_FAILED, subject, text, fields)


def account_recovered(account, run=None) -> Message:
    """An account that had failed is ready again."""
    fields = {
        **_platform_fields(account.platform, Event.ACCOUNT_RECOVERED),
        "account": _account_fields(account),
        "run": str(run.pk) if run is not None else None,
    }
    state = account.get_status_display() if hasattr(account, "get_status_display") else "ready"
    text = (
        f"Account {account.project.full_identifier} on {account.platform.full_identifier} "
        f"recovered: it is {state} again.\n{fields['account']['url']}"
    )
    subject = f"{account.project.full_identifier} on {account.platform.full_identifier} recovered"
    return Message(Event.ACCOUNT_RECOVERED, subject, text, fields)


def _platform_url(platform) -> str:
    return link(
        reverse(
            "platform-detail",
            kwargs={"location": platform.location.identifier, "platform": platform.identifier},
        )
    )


def connection_check_failed(platform, failures: list[dict[str, str]]) -> Message:
    """Checks of a platform's connection failed (roles, organization, landing zones)."""
    checks = [
        {
            "name": failure["name"],
            "detail": _quote(failure.get("detail", "")),
            "aws_error_code": failure.get("aws_error_code", ""),
            "fix": _quote(failure.get("fix", "")),
        }
        for failure in failures
    ]
    url = _platform_url(platform)
    fields = {
        **_platform_fields(platform, Event.CONNECTION_CHECK_FAILED),
        "failed_checks": checks,
        "url": url,
    }
    lines = [
        f"The connection check of {platform.full_identifier} failed: "
        f"{len(checks)} check{'s' if len(checks) != 1 else ''}."
    ]
    for check in checks:
        code = f" [{check['aws_error_code']}]" if check["aws_error_code"] else ""
        fix = f" Fix: {check['fix']}" if check["fix"] else ""
        lines.append(f"- {check['name']}: {check['detail']}{code}{fix}")
    lines.append(url)
    subject = f"connection check of {platform.full_identifier} failed"
    return Message(Event.CONNECTION_CHECK_FAILED, subject, "\n".join(lines), fields)


def retirement_needs_approval(retirement, account) -> Message:
    """A request to retire an account waits for a second operator."""
    requester = retirement.requested_by.get_username() if retirement.requested_by else "system"
    url = link(reverse("retirement-list"))
    fields = {
        **_platform_fields(account.platform, Event.RETIREMENT_NEEDS_APPROVAL),
        "account": _account_fields(account),
        "retirement": {
            "id": retirement.pk,
            "requested_by": requester,
            "comment": _quote(retirement.comment),
            "url": url,
        },
    }
    text = (
        f"{requester} asks to retire account {account.project.full_identifier} on "
        f'{account.platform.full_identifier}: "{_quote(retirement.comment)}". Another '
        f"operator must approve or decline it.\n{url}"
    )
    subject = f"retirement of {account.project.full_identifier} needs approval"
    return Message(Event.RETIREMENT_NEEDS_APPROVAL, subject, text, fields)


def daily_digest(platform, *, failed, retrying, pending, managed: int) -> Message:
    """The day's summary of a platform: failing and retrying accounts, pending retirements."""
    url = _platform_url(platform)

    def entry(account):
        return {
            "project": account.project.full_identifier,
            "aws_account_id": account.aws_account_id or None,
            "message": _quote(getattr(account, "status_message", "")),
            "url": link(reverse("project-account-detail", kwargs={"account": account.pk})),
        }

    fields = {
        **_platform_fields(platform, Event.DAILY_DIGEST),
        "accounts": managed,
        "failed": [entry(account) for account in failed],
        "retrying": [entry(account) for account in retrying],
        "pending_retirements": [
            {"project": r.account.project.full_identifier, "comment": _quote(r.comment)}
            for r in pending
        ],
        "url": url,
    }
    lines = [
        f"{platform.full_identifier} today: {managed} accounts, {len(failed)} failed, "
        f"{len(retrying)} retrying, {len(pending)} retirement(s) waiting for approval."
    ]
    for title, rows in (("Failed", fields["failed"]), ("Retrying", fields["retrying"])):
        if rows:
            lines.append(f"{title}:")
            lines += [f"- {row['project']}: {row['message'] or 'no message'}" for row in rows]
    if pending:
        lines.append("Waiting for approval:")
        lines += [f"- {row['project']}" for row in fields["pending_retirements"]]
    lines.append(url)
    subject = f"{platform.full_identifier}: daily digest"
    return Message(Event.DAILY_DIGEST, subject, "\n".join(lines), fields)


def test_message(platform, requested_by: str) -> Message:
    """A message an operator asked for, to see that a contact receives what meshaws sends."""
    url = _platform_url(platform)
    fields = {**_platform_fields(platform, Event.TEST), "requested_by": requested_by, "url": url}
    text = (
        f"Test message from meshaws for {platform.full_identifier}, sent because "
        f"{requested_by} asked for one. This contact receives what the platform sends.\n{url}"
    )
    subject = f"{platform.full_identifier}: test message"
    return Message(Event.TEST, subject, text, fields)
