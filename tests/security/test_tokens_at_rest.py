"""API tokens at rest: the database holds the SHA-256 of each key, never the key; tokens made
before (DRF's authtoken, keys in clear) keep working after the migration, which deletes the
clear rows; no admin page shows a key."""

import hashlib
import secrets

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import api_token_create
from meshaws_site.models import ApiToken

LEGACY = "authtoken_token"


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_it_stores_the_digest_of_a_new_token_and_not_the_key(alice):
    key = api_token_create(user=alice, actor=None)
    stored = ApiToken.objects.values_list("user__username", "digest").get()
    assert stored == ("alice", hashlib.sha256(key.encode()).hexdigest())
    assert _client(key).get("/api/v1/customers/").status_code == 200


def test_a_new_token_replaces_the_old_one(alice):
    old = api_token_create(user=alice, actor=None)
    new = api_token_create(user=alice, actor=None)
    assert ApiToken.objects.count() == 1
    assert _client(old).get("/api/v1/customers/").status_code == 401
    assert _client(new).get("/api/v1/customers/").status_code == 200


@pytest.mark.parametrize("key", ["", "x", "0" * 40, "a" * 500])
def test_an_unknown_token_is_refused(alice, key):
    api_token_create(user=alice, actor=None)
    assert _client(key).get("/api/v1/customers/").status_code == 401


def test_an_inactive_users_token_is_refused(alice):
    key = api_token_create(user=alice, actor=None)
    alice.is_active = False
    alice.save()
    assert _client(key).get("/api/v1/customers/").status_code == 401


def test_no_clear_key_token_app_is_installed():
    assert not apps.is_installed("rest_framework.authtoken")


def test_the_admin_never_shows_a_key(admin_client, alice):
    key = api_token_create(user=alice, actor=None)
    digest = ApiToken.objects.get().digest
    for url in (
        "/admin/",
        "/admin/meshaws_site/apitoken/",
        f"/admin/meshaws_site/apitoken/{ApiToken.objects.get().pk}/change/",
    ):
        page = admin_client.get(url)
        assert page.status_code == 200, url
        assert key not in page.content.decode() and digest not in page.content.decode()
    assert "alice" in admin_client.get("/admin/meshaws_site/apitoken/").content.decode()
    assert admin_client.get("/admin/authtoken/").status_code == 404


@pytest.fixture
def before_hashed_tokens(transactional_db):
    """The database as the last version left it: meshaws_site's tables absent, DRF's
    authtoken table holding keys in clear."""
    executor = MigrationExecutor(connection)
    executor.migrate([("meshaws_site", None)])
    q = connection.ops.quote_name
    # As DRF's authtoken migration made it on each database.
    created = "datetime" if connection.vendor == "sqlite" else "timestamp with time zone"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {q(LEGACY)} ({q('key')} varchar(40) NOT NULL PRIMARY KEY, "
            f"{q('created')} {created} NOT NULL, {q('user_id')} integer NOT NULL UNIQUE)"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {q(LEGACY)}")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("meshaws_site"))


def test_the_migration_keeps_clear_tokens_working_and_deletes_them(
    before_hashed_tokens, alice, bob
):
    q = connection.ops.quote_name
    keys = {user: secrets.token_hex(20) for user in (alice, bob)}
    columns = f"{q(LEGACY)} ({q('key')}, {q('created')}, {q('user_id')})"
    insert = f"INSERT INTO {columns} VALUES (%s, %s, %s)"  # noqa: S608
    with connection.cursor() as cursor:
        for user, key in keys.items():
            created = connection.ops.adapt_datetimefield_value(timezone.now())
            cursor.execute(insert, [key, created, user.pk])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("meshaws_site"))

    for key in keys.values():
        assert _client(key).get("/api/v1/customers/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {q(LEGACY)}")  # noqa: S608
        assert cursor.fetchone() == (0,)
    assert set(ApiToken.objects.values_list("digest", flat=True)) == {
        hashlib.sha256(key.encode()).hexdigest() for key in keys.values()
    }
    assert all(timezone.is_aware(token.created_at) for token in ApiToken.objects.all())
