"""Fingerprints are keyed with the server's key: reading one does not confirm a guess."""

import hashlib
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

from platforms import config_io, secrets
from platforms.config_io import RecordInvalid, parse_record
from platforms.services import platforms_rotate_secrets
from tests.helpers import ACCESS_KEY, PRIVILEGED_EXTERNAL_ID, SECRET_KEY

BEFORE = ("platforms", "0002_console_sign_in_url")
REKEYED = ("platforms", "0003_keyed_fingerprints")


def bare_sha256(value: str) -> str:
    """The fingerprint as it was: a truncated SHA-256 of the secret alone."""
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()[:16]


def test_a_fingerprint_is_not_the_bare_hash_of_the_secret():
    keyed = secrets.fingerprint(SECRET_KEY)
    assert keyed.startswith("hmac-sha256:")
    assert keyed != bare_sha256(SECRET_KEY)
    assert hashlib.sha256(SECRET_KEY.encode()).hexdigest()[:16] not in keyed


def test_the_same_secret_gives_the_same_fingerprint():
    first = secrets.fingerprint(SECRET_KEY)
    secrets._fernet.cache_clear()
    assert secrets.fingerprint(SECRET_KEY) == first
    assert secrets.fingerprint("another-secret") != first


def test_it_stays_the_same_across_a_restart():
    code = "import django; django.setup(); from platforms.secrets import fingerprint; "
    code += f"print(fingerprint({SECRET_KEY!r}))"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "meshaws_site.settings",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "MESHAWS_ENCRYPTION_KEYS": ",".join(settings.MESHAWS_ENCRYPTION_KEYS),
        "DJANGO_DEBUG": "false",
    }
    fresh = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env,
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert fresh.stdout.strip() == secrets.fingerprint(SECRET_KEY)


def test_another_server_key_gives_another_fingerprint():
    ours = secrets.fingerprint(SECRET_KEY)
    with override_settings(SECRET_KEY="someone-elses-server-key"):
        theirs = secrets.fingerprint(SECRET_KEY)
    assert theirs != ours and theirs.startswith("hmac-sha256:")


def test_it_refuses_an_unkeyed_fingerprint_from_an_older_export(platform):
    stored = config_io.record_of(platform)
    old_export = stored.as_dict()
    old_export["meshfedServiceUser"]["secretKey"] = {"fingerprint": bare_sha256(SECRET_KEY)}
    with pytest.raises(RecordInvalid) as invalid:
        parse_record(old_export, stored=stored)
    [message] = invalid.value.errors["meshfedServiceUser.secretKey"]
    assert "unkeyed sha256 fingerprint from an older export" in message
    assert "export the platform again" in message


def test_it_refuses_a_fingerprint_given_as_a_secret_value(example_record):
    example_record["privilegedExternalId"] = bare_sha256(PRIVILEGED_EXTERNAL_ID)
    with pytest.raises(RecordInvalid) as invalid:
        parse_record(example_record)
    assert invalid.value.errors["privilegedExternalId"] == [
        "looks like a fingerprint, not a secret value"
    ]


def test_rotating_the_secrets_recomputes_fingerprints_under_a_new_server_key(platform):
    with override_settings(SECRET_KEY="the-next-server-key"):
        platforms_rotate_secrets(actor=None)
        platform.refresh_from_db()
        assert platform.access_key_fingerprint == secrets.fingerprint(ACCESS_KEY)
        assert platform.privileged_external_id_fingerprint == secrets.fingerprint(
            PRIVILEGED_EXTERNAL_ID
        )
    assert platform.secret_key_fingerprint != secrets.fingerprint(SECRET_KEY)


@pytest.fixture
def migrated_back(transactional_db):
    """The database as it was before keyed fingerprints; migrated forward again afterwards."""
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    yield executor.loader.project_state([BEFORE]).apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _old_platform(apps, identifier: str, **secret_fields):
    location, _ = apps.get_model("platforms", "Location").objects.get_or_create(
        identifier="eu", defaults={"display_name": "Europe"}
    )
    return apps.get_model("platforms", "PlatformInstance").objects.create(
        location=location, identifier=identifier, region="eu-central-1",
        organization_root_account_role="arn:aws:iam::123456789012:role/MeshfedServiceRole",
        automation_account_role="arn:aws:iam::210987654321:role/MeshfedAutomationRole",
        **secret_fields,
    )  # fmt: skip


def test_the_migration_recomputes_every_stored_fingerprint(migrated_back):
    stored = {"access_key": ACCESS_KEY, "secret_key": SECRET_KEY,
              "privileged_external_id": PRIVILEGED_EXTERNAL_ID}  # fmt: skip
    fields = {}
    for name, value in stored.items():
        fields[f"{name}_ciphertext"] = secrets.encrypt(value)
        fields[f"{name}_fingerprint"] = bare_sha256(value)
    readable = _old_platform(migrated_back, "aws-prod", **fields)
    lost = _old_platform(
        migrated_back, "aws-lost", access_key_ciphertext="not-a-fernet-token",
        access_key_fingerprint=bare_sha256("lost-access-key"),
        secret_key_ciphertext=secrets.encrypt("kept-secret"),
        secret_key_fingerprint=bare_sha256("kept-secret"),
    )  # fmt: skip

    executor = MigrationExecutor(connection)
    executor.migrate([REKEYED])
    platforms = executor.loader.project_state([REKEYED]).apps.get_model(
        "platforms", "PlatformInstance"
    )

    rekeyed = platforms.objects.get(pk=readable.pk)
    for name, value in stored.items():
        assert getattr(rekeyed, f"{name}_fingerprint") == secrets.fingerprint(value)
        assert secrets.decrypt(getattr(rekeyed, f"{name}_ciphertext")) == value
    unreadable = platforms.objects.get(pk=lost.pk)
    # Its guessable fingerprint is gone; the operator types that secret again.
    assert unreadable.access_key_fingerprint == ""
    assert unreadable.secret_key_fingerprint == secrets.fingerprint("kept-secret")
    assert unreadable.privileged_external_id_fingerprint == ""
    assert "sha256:" not in json.dumps(
        list(platforms.objects.values_list("access_key_fingerprint", "secret_key_fingerprint"))
    ).replace("hmac-sha256:", "")
