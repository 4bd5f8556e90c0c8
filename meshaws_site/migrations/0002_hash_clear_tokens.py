"""Move the API tokens of DRF's authtoken app (keys stored in clear) to ApiToken, hashed.

The same `Authorization: Token <key>` keeps working; the clear rows are then deleted. The
authtoken app is no longer installed, so its table is read with plain SQL, where it exists.
"""

import hashlib
from datetime import UTC, datetime

from django.db import migrations
from django.utils import timezone
from django.utils.dateparse import parse_datetime

CLEAR_TOKENS = "authtoken_token"


def _aware(created) -> datetime:
    """A row's creation time as an aware datetime (SQLite hands back naive UTC, or text)."""
    if isinstance(created, str):
        created = parse_datetime(created)
    if created is None:
        return timezone.now()
    return created if timezone.is_aware(created) else created.replace(tzinfo=UTC)


def hash_clear_tokens(apps, schema_editor):
    """Store each clear key's SHA-256 as the user's ApiToken, then delete the clear rows."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if CLEAR_TOKENS not in connection.introspection.table_names(cursor):
            return
        table, key, user, created = map(
            connection.ops.quote_name, (CLEAR_TOKENS, "key", "user_id", "created")
        )
        cursor.execute(f"SELECT {key}, {user}, {created} FROM {table}")  # noqa: S608
        rows = cursor.fetchall()
        ApiToken = apps.get_model("meshaws_site", "ApiToken")
        for key, user_id, created in rows:
            ApiToken.objects.update_or_create(
                user_id=user_id,
                defaults={
                    "digest": hashlib.sha256(key.encode()).hexdigest(),
                    "created_at": _aware(created),
                },
            )
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [("meshaws_site", "0001_initial")]

    operations = [
        migrations.RunPython(hash_clear_tokens, migrations.RunPython.noop, elidable=False),
    ]
