"""The sandbox bootstrap creates sandbox.local and sandbox-sso.local once, and never reverts an
operator's edits of them."""

import pytest

from audit.models import AuditEvent
from platforms.config_io import parse_record, record_of
from platforms.services import platform_apply
from sandbox import setup

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db]


def _edit(platform, **changes):
    """Change the platform as an operator does (an import of its record, changed)."""
    record = {**record_of(platform).as_dict(), **changes}
    platform_apply(
        location=platform.location, record=parse_record(record, stored=record_of(platform)),
        actor=None, display_name="Our sandbox",
    )  # fmt: skip
    platform.refresh_from_db()


def test_a_second_bootstrap_keeps_the_operators_edits_of_sandbox_local(sandbox_state):
    platform = setup.configure_platform(sandbox_state).platform
    _edit(platform, accountAliasPattern="team-<customer>-<project>", tagPrefix="ours:")
    events = AuditEvent.objects.count()

    again = setup.configure_platform(sandbox_state)

    assert again.platform == platform and not again.created and not again.changed
    platform.refresh_from_db()
    assert record_of(platform).account_alias_pattern == "team-<customer>-<project>"
    assert record_of(platform).tag_prefix == "ours:" and platform.display_name == "Our sandbox"
    assert AuditEvent.objects.count() == events
    assert setup.differences(again, sandbox_state) == ["accountAliasPattern", "tagPrefix"]


def test_the_sso_platform_is_kept_too_and_an_untouched_one_differs_in_nothing(sandbox_state):
    setup.configure_platform(sandbox_state)
    sso = setup.configure_sso_platform(sandbox_state)
    assert setup.differences(sso, sandbox_state) == []
    _edit(sso.platform, accountAliasPattern="sso-team-<customer>-<project>")

    again = setup.configure_sso_platform(sandbox_state)

    assert not again.changed
    assert record_of(again.platform).account_alias_pattern == "sso-team-<customer>-<project>"
    assert setup.differences(again, sandbox_state) == ["accountAliasPattern"]


def test_reset_points_the_platform_at_the_emulator_again(sandbox_state):
    platform = setup.configure_platform(sandbox_state).platform
    _edit(platform, accountAliasPattern="team-<customer>-<project>")

    reset = setup.configure_platform(sandbox_state, reset=True)

    assert reset.changed
    assert record_of(reset.platform).account_alias_pattern == "sandbox-<customer>-<project>"
    assert setup.differences(reset, sandbox_state) == []
