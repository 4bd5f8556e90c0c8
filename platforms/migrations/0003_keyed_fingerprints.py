"""Recompute every stored fingerprint as an HMAC under the server's key (they were bare SHA-256).

A secret that none of MESHAWS_ENCRYPTION_KEYS can decrypt cannot be re-fingerprinted: its old,
guessable fingerprint is dropped, and the operator types that secret again.
"""

from django.db import migrations

from platforms import secrets

SECRET_NAMES = ("access_key", "secret_key", "privileged_external_id")


def keyed_fingerprint(ciphertext: str) -> str:
    """The keyed fingerprint of a stored secret, or "" when it cannot be decrypted."""
    if not ciphertext:
        return ""
    try:
        return secrets.fingerprint(secrets.decrypt(ciphertext))
    except secrets.SecretUnreadable:
        return ""


def rekey_fingerprints(apps, schema_editor):
    """Replace each platform's fingerprints with keyed ones."""
    platforms = apps.get_model("platforms", "PlatformInstance")
    for platform in platforms.objects.all():
        for name in SECRET_NAMES:
            fingerprint = keyed_fingerprint(getattr(platform, f"{name}_ciphertext"))
            setattr(platform, f"{name}_fingerprint", fingerprint)
        platform.save(update_fields=[f"{name}_fingerprint" for name in SECRET_NAMES])


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0002_console_sign_in_url"),
    ]

    operations = [
        # Going back keeps the keyed fingerprints: bare hashes are what this removes.
        migrations.RunPython(rekey_fingerprints, migrations.RunPython.noop),
    ]
