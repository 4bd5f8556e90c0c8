"""Writing platforms: upserts, secrets at rest, audit events, deletion, key rotation."""

import pytest
from django.db import connection
from django.test import override_settings

from audit.models import AuditEvent
from platforms import config_io, secrets
from platforms.config_io import parse_record
from platforms.models import LandingZone, PlatformInstance, RoleMapping
from platforms.services import platform_apply, platform_delete, platforms_rotate_secrets
from tests.helpers import ACCESS_KEY, SECRET_KEY, SECRETS


def test_it_stores_every_part_of_the_record(platform):
    assert platform.full_identifier == "aws-prod.eu"
    assert RoleMapping.objects.filter(platform=platform).count() == 3
    sandbox = LandingZone.objects.get(platform=platform, identifier="sandbox")
    assert sandbox.bootstrap_template.startswith("AWSTemplateFormatVersion")
    assert platform.tag_prefix == "meshstack_" and platform.enforce_account_alias


def test_it_encrypts_secrets_at_rest(platform):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM platforms_platforminstance")
        raw = repr(cursor.fetchall())
    for secret in SECRETS:
        assert secret not in raw
    assert secrets.decrypt(platform.access_key_ciphertext) == ACCESS_KEY


def test_it_changes_nothing_when_the_same_record_is_applied_again(
    platform, location, example_record
):
    events = AuditEvent.objects.count()
    applied = platform_apply(location=location, record=parse_record(example_record), actor=None)
    assert not applied.created and not applied.changed
    assert AuditEvent.objects.count() == events


def test_it_audits_an_update_with_before_and_after_but_no_secret(
    platform, location, example_record, alice
):
    example_record["region"] = "eu-west-1"
    example_record["meshfedServiceUser"]["secretKey"] = "a-brand-new-secret-value-123"
    stored = config_io.record_of(platform)
    platform_apply(
        location=location, record=parse_record(example_record, stored=stored), actor=alice,
        reason="move to Ireland",
    )  # fmt: skip
    event = AuditEvent.objects.filter(action="platform.update").get()
    assert (event.actor, event.remark) == (alice, "move to Ireland")
    assert event.before["region"] == "eu-central-1" and event.after["region"] == "eu-west-1"
    before_fp = event.before["meshfedServiceUser"]["secretKey"]["fingerprint"]
    assert before_fp != event.after["meshfedServiceUser"]["secretKey"]["fingerprint"]
    text = repr((event.before, event.after, event.remark))
    for secret in (*SECRETS, "a-brand-new-secret-value-123"):
        assert secret not in text


def test_it_keeps_landing_zone_rows_when_updating(platform, location, example_record):
    before = dict(LandingZone.objects.values_list("identifier", "pk"))
    example_record["landingZones"][0]["displayName"] = "Default zone"
    platform_apply(location=location, record=parse_record(example_record), actor=None)
    assert dict(LandingZone.objects.values_list("identifier", "pk")) == before


def test_it_removes_landing_zones_left_out(platform, location, example_record):
    example_record["landingZones"] = example_record["landingZones"][:1]
    platform_apply(location=location, record=parse_record(example_record), actor=None)
    assert list(LandingZone.objects.values_list("identifier", flat=True)) == ["default"]


def test_it_deletes_a_platform_with_an_audit_event(platform):
    platform_delete(platform=platform, actor=None, reason="decommissioned")
    assert not PlatformInstance.objects.exists() and not RoleMapping.objects.exists()
    event = AuditEvent.objects.get(action="platform.delete")
    assert event.before["platform"] == "aws-prod" and event.remark == "decommissioned"


def test_it_rotates_secrets_to_a_new_key(platform, settings):
    from cryptography.fernet import Fernet

    new_key = Fernet.generate_key().decode()
    old_keys = list(settings.MESHAWS_ENCRYPTION_KEYS)
    with override_settings(MESHAWS_ENCRYPTION_KEYS=[new_key, *old_keys]):
        assert platforms_rotate_secrets(actor=None) == 3
    platform.refresh_from_db()
    with override_settings(MESHAWS_ENCRYPTION_KEYS=[new_key]):
        assert secrets.decrypt(platform.secret_key_ciphertext) == SECRET_KEY
    with pytest.raises(secrets.SecretUnreadable):
        secrets.decrypt(platform.secret_key_ciphertext)
