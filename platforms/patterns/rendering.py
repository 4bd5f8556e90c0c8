"""Rendering e-mail templates and alias patterns, their worst cases, and checking that every
rendering is one AWS accepts and tells the accounts apart."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from ._messages import _characters, _describe
from .account_names import (
    _MAX_ALIAS_LENGTH,
    _MAX_EMAIL_LENGTH,
    _MIN_ALIAS_LENGTH,
    sanitize_alias,
    validate_account_alias,
    validate_account_email,
)
from .identifiers import _MAX_PLATFORM_IDENTIFIER_LENGTH, MAX_TENANT_PLATFORM_NUMBER
from .placeholders import (
    _ACCOUNT_NAME,
    _CUSTOMER,
    _NUMBER,
    _PLATFORM,
    _PROJECT,
    NameContext,
    _parse,
    _Part,
    _placeholders,
    _render,
)

_ALIAS_LITERAL_CHAR = re.compile(r"[A-Za-z0-9._-]")


def _keeps_accounts_apart(parts: list[_Part], customer_length: int, project_length: int) -> bool:
    """Whether the placeholders include the whole customer and project, or the tenant number."""
    found = _placeholders(parts)
    return any(part.value in (_NUMBER, _ACCOUNT_NAME) for part in found) or (
        any(part.value == _CUSTOMER and part.is_complete(customer_length) for part in found)
        and any(part.value == _PROJECT and part.is_complete(project_length) for part in found)
    )


def _check_lengths(customer_length: int, project_length: int) -> None:
    if customer_length < 1 or project_length < 1:
        raise ValueError("identifier length limits must be at least 1")


# The renderings that bound every other one: the values of each placeholder at their longest,
# at their shortest, and made of digits only (see validate_alias_pattern).
def _longest(
    customer_length: int, project_length: int, platform: str, fill: str = "a"
) -> NameContext:
    return NameContext(
        customer=fill * customer_length,
        project=fill * project_length,
        platform=platform or "a" * _MAX_PLATFORM_IDENTIFIER_LENGTH,
        tenant_platform_number=MAX_TENANT_PLATFORM_NUMBER,
    )


def _shortest(platform: str, fill: str = "a") -> NameContext:
    return NameContext(
        customer=fill, project=fill, platform=platform or "a", tenant_platform_number=1
    )


def _typical(customer_length: int, project_length: int, platform: str) -> NameContext:
    return NameContext(
        customer="acme"[:customer_length],
        project="web"[:project_length],
        platform=platform or "aws",
        tenant_platform_number=1,
    )


def _limits_text(
    parts: list[_Part], customer_length: int, project_length: int, platform: str
) -> str:
    values = {part.value for part in _placeholders(parts)}
    limits = [
        f"customer identifiers up to {customer_length}",
        f"project identifiers up to {project_length}",
    ]
    if _NUMBER in values:
        limits.append(f"tenant platform numbers up to {MAX_TENANT_PLATFORM_NUMBER}")
    if _PLATFORM in values and not platform:
        limits.append(f"platform identifiers up to {_MAX_PLATFORM_IDENTIFIER_LENGTH}")
    return ", ".join(limits)


def render_account_email(template: str, context: NameContext) -> str:
    """The e-mail address a template gives one project account."""
    return _render(_parse(template, alias=False), context)


def render_account_alias(pattern: str, context: NameContext) -> str:
    """The alias a pattern gives one project account, sanitised into AWS's alphabet."""
    return sanitize_alias(_render(_parse(pattern, alias=True), context))


def email_worst_case(
    template: str, *, customer_length: int, project_length: int, platform: str = ""
) -> str:
    """The longest address a template can render, with every placeholder at its longest."""
    _check_lengths(customer_length, project_length)
    parts = _parse(template, alias=False)
    return _render(parts, _longest(customer_length, project_length, platform))


def alias_worst_case(
    pattern: str, *, customer_length: int, project_length: int, platform: str = ""
) -> str:
    """The longest alias a pattern can render (after sanitising)."""
    _check_lengths(customer_length, project_length)
    parts = _parse(pattern, alias=True)
    return sanitize_alias(_render(parts, _longest(customer_length, project_length, platform)))


def validate_email_template(
    template: str, *, customer_length: int, project_length: int, platform: str = ""
) -> str:
    """Check that a template renders a valid, distinct address per account; return the longest."""
    _check_lengths(customer_length, project_length)
    parts = _parse(template, alias=False)
    found = _placeholders(parts)

    percents = sum(part.value == _ACCOUNT_NAME for part in found)
    if percents > 1:
        raise ValidationError(
            f"has {percents} %s; it needs exactly one (replaced by <customer>.<project>)",
            code="placeholder_count",
        )
    if not _keeps_accounts_apart(parts, customer_length, project_length):
        raise ValidationError(
            "needs exactly one %s (replaced by <customer>.<project>), or both "
            "#{customerIdentifier} and #{projectIdentifier} (not truncated), or "
            "#{tenantPlatformNumber}; otherwise several accounts would get the same address",
            code="placeholder_count",
        )

    at_signs = sum(part.count("@") for part in parts if isinstance(part, str))
    if at_signs != 1:
        raise ValidationError(
            f"has {at_signs} @ signs; an address template needs exactly one", code="at_count"
        )
    at_index = next(i for i, part in enumerate(parts) if isinstance(part, str) and "@" in part)
    # A placeholder in the domain would need a mail domain per account; it is always a mistake.
    misplaced = next(iter(_placeholders(parts[at_index:])), None)
    if misplaced is not None:
        raise ValidationError(
            f"has {misplaced.source} after the @; placeholders belong before the @, the domain "
            "must stay the same for every account",
            code="placeholder_in_domain",
        )
    for part in parts:
        if isinstance(part, str) and not part.isascii():
            bad = next(char for char in part if not char.isascii())
            raise ValidationError(
                f"contains {_describe(bad)}; AWS accepts only 7-bit ASCII addresses",
                code="not_ascii",
            )

    worst = _render(parts, _longest(customer_length, project_length, platform))
    if len(worst) > _MAX_EMAIL_LENGTH:
        raise ValidationError(
            f"the longest address it can produce has {len(worst)} characters "
            f"({_limits_text(parts, customer_length, project_length, platform)}); "
            f"AWS allows {_MAX_EMAIL_LENGTH}",
            code="too_long",
        )
    # Placeholders render non-empty runs of [a-z0-9.-] before the @, so the longest, shortest
    # and a typical rendering decide the validity of every other one.
    for context in (
        _longest(customer_length, project_length, platform),
        _shortest(platform),
        _typical(customer_length, project_length, platform),
    ):
        address = _render(parts, context)
        try:
            validate_account_email(address)
        except ValidationError as error:
            raise ValidationError(
                f"renders '{address}', which AWS rejects: it {error.messages[0]}",
                code="invalid_rendering",
            ) from None
    return worst


def validate_alias_pattern(
    pattern: str, *, customer_length: int, project_length: int, platform: str = ""
) -> list[str]:
    """Check that a pattern renders a valid, distinct alias for every account; return warnings."""
    _check_lengths(customer_length, project_length)
    parts = _parse(pattern, alias=True)

    bad_chars: list[str] = []
    for part in parts:
        if isinstance(part, str):
            for char in part:
                if not _ALIAS_LITERAL_CHAR.fullmatch(char) and char not in bad_chars:
                    bad_chars.append(char)
    if bad_chars:
        raise ValidationError(
            [
                ValidationError(
                    f"contains {_describe(char)}, which can render an invalid alias even after "
                    "sanitising; use letters, digits, '.', '_' and '-'",
                    code="invalid_character",
                )
                for char in bad_chars
            ]
        )

    errors: list[ValidationError] = []
    if not _keeps_accounts_apart(parts, customer_length, project_length):
        errors.append(
            ValidationError(
                "would give several accounts the same alias; include <customer> and <project> "
                "(not truncated), or #{tenantPlatformNumber}",
                code="not_unique",
            )
        )

    # After sanitising only three things can go wrong: too long, too short, all digits. Each
    # placeholder renders at least one letter or digit, so the longest values give the longest
    # alias, one-character values the shortest, and digit-only values the only all-digit ones.
    longest = sanitize_alias(_render(parts, _longest(customer_length, project_length, platform)))
    if len(longest) > _MAX_ALIAS_LENGTH:
        errors.append(
            ValidationError(
                f"the longest alias it can produce has {len(longest)} characters "
                f"({_limits_text(parts, customer_length, project_length, platform)}); "
                f"AWS allows {_MAX_ALIAS_LENGTH}",
                code="too_long",
            )
        )
    shortest = sanitize_alias(_render(parts, _shortest(platform)))
    if len(shortest) < _MIN_ALIAS_LENGTH:
        errors.append(
            ValidationError(
                f"with one-character identifiers it renders '{shortest}' "
                f"({_characters(len(shortest))}); AWS needs at least {_MIN_ALIAS_LENGTH}",
                code="too_short",
            )
        )
    for context in (
        _shortest(platform, fill="1"),
        _longest(customer_length, project_length, platform, fill="1"),
    ):
        digits = sanitize_alias(_render(parts, context))
        if digits.isdigit():
            errors.append(
                ValidationError(
                    f"with digit-only values (identifiers '{context.customer}' and "
                    f"'{context.project}', tenant platform number "
                    f"{context.tenant_platform_number}) it renders '{digits}'; AWS rejects an "
                    "alias made of digits only",
                    code="digits",
                )
            )
            break
    if not errors:
        # A last guard, in case the reasoning above ever misses a rule of validate_account_alias.
        for context in (
            _longest(customer_length, project_length, platform),
            _shortest(platform),
            _typical(customer_length, project_length, platform),
        ):
            alias = sanitize_alias(_render(parts, context))
            try:
                validate_account_alias(alias)
            except ValidationError as error:
                errors.append(
                    ValidationError(
                        f"renders '{alias}', which AWS rejects: it {error.messages[0]}",
                        code="invalid_rendering",
                    )
                )
                break
    if errors:
        raise ValidationError(errors)

    typical = _render(parts, _typical(customer_length, project_length, platform))
    return _sanitising_warnings(typical)


def _sanitising_warnings(rendered: str) -> list[str]:
    clean = sanitize_alias(rendered)
    if clean == rendered:
        return []
    reasons = []
    if rendered != rendered.lower():
        reasons.append("uppercase letters become lowercase")
    if "." in rendered:
        reasons.append("dots become hyphens")
    if "_" in rendered:
        reasons.append("underscores become hyphens")
    hyphens = rendered.lower().replace(".", "-").replace("_", "-")
    if "--" in hyphens:
        reasons.append("repeated hyphens become one")
    if hyphens.startswith("-") or hyphens.endswith("-"):
        reasons.append("hyphens at the start and end are dropped")
    return [f"sanitising changes the alias: '{rendered}' becomes '{clean}' ({', '.join(reasons)})"]
