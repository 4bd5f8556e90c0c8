"""meshaws' production settings for the benchmarks, with one difference: static files are
collected without compressing them (brotli at its best level makes collectstatic take a
minute; pages only look names up in the manifest, which is the same)."""

from meshaws_site.settings import *  # noqa: F403

STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
)
