"""Django settings for Vicinato, read from environment variables only."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# The local data folder holds the embedded SQLite database, uploads and caches.
DATA_DIR = Path(os.environ.get("VICINATO_DATA_DIR", PROJECT_DIR / "var"))
DATA_DIR.mkdir(parents=True, exist_ok=True)
# Shipped source data (boundaries, stations, the OSM extract) for the demo city.
SOURCE_DATA_DIR = Path(os.environ.get("VICINATO_SOURCE_DATA_DIR", PROJECT_DIR / "data"))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or "insecure-development-key-set-SECRET_KEY-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "vicinato.geo",
    "vicinato.register",
    "vicinato.booking",
    "vicinato.agreements",
    "vicinato.web",
    "vicinato.api",
]

# Requests under /api/ go through API_MIDDLEWARE instead (vicinato.api.middleware.ApiStackMiddleware).
MIDDLEWARE = [
    "vicinato.api.middleware.ApiStackMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# MIDDLEWARE without static files, messages and the pages' language: the API negotiates its own.
API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "vicinato.api.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "vicinato.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vicinato.web.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "vicinato.wsgi.application"

# Connections are kept open between requests (opening one costs more than a search); CONN_MAX_AGE=0 closes
# them after each request.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'vicinato.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, with a health check of kept connections that needs no query (vicinato.postgres.base).
    DATABASES["default"]["ENGINE"] = "vicinato.postgres"
    # The server keeps the plan of a statement run this often on a connection: only the booking engine's
    # hot queries (vicinato.booking.prepared) use it. 0 turns it off, e.g. behind a pooler in transaction mode.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        int(os.environ.get("DATABASE_PREPARE_THRESHOLD", "5")) or None
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and an immediate transaction mode let concurrent writers queue instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "web:home"

LANGUAGE_CODE = "it"
LANGUAGES = [("it", _("Italian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

EMAIL_URL = os.environ.get("EMAIL_URL", "console://")
if EMAIL_URL.startswith("console"):
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
elif EMAIL_URL.startswith("smtp"):
    from urllib.parse import urlparse

    _mail = urlparse(EMAIL_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _mail.hostname or "localhost"
    EMAIL_PORT = _mail.port or 25
    EMAIL_HOST_USER = _mail.username or ""
    EMAIL_HOST_PASSWORD = _mail.password or ""
    EMAIL_USE_TLS = EMAIL_URL.startswith("smtp+tls")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Vicinato <noreply@vicinato.example>")

# Background tasks (the e-mails): `database` stores them for the worker (`vicinato db_worker`) to send;
# `immediate` runs them at once in the process that enqueues them, with no worker.
_task_backends = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
_tasks_backend = os.environ.get("TASKS_BACKEND", "database")
if _tasks_backend not in _task_backends:
    raise ImproperlyConfigured(
        f"Set TASKS_BACKEND to one of {', '.join(_task_backends)}, not '{_tasks_backend}'."
    )
TASKS = {"default": {"BACKEND": _task_backends[_tasks_backend]}}
# Reminders of confirmed bookings go out this many hours before the start (`vicinato booking-jobs`).
BOOKING_REMINDER_HOURS = int(os.environ.get("BOOKING_REMINDER_HOURS", "24"))

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# The map's tile server; when tiles cannot load the pages fall back to shipped vector layers.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = os.environ.get(
    "MAP_TILE_ATTRIBUTION", '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
)
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Routing: the OSM extract of the city (replaced by `vicinato import-osm FILE`), the graph cache shared by
# all databases, and the per-database index of places reachable from any point.
ROUTING_OSM_FILE = Path(
    os.environ.get("VICINATO_OSM_FILE", SOURCE_DATA_DIR / "milano" / "milan_italy_small.osm.pbf")
)
ROUTING_CACHE_DIR = Path(os.environ.get("VICINATO_ROUTING_CACHE_DIR", DATA_DIR / "routing"))
ROUTING_INDEX_DIR = Path(os.environ.get("VICINATO_ROUTING_INDEX_DIR", DATA_DIR / "routing" / "index"))
ROUTING_WALK_SPEED_KMH = float(os.environ.get("VICINATO_WALK_SPEED_KMH", "4.8"))
ROUTING_BIKE_SPEED_KMH = float(os.environ.get("VICINATO_BIKE_SPEED_KMH", "15"))
# The longest trip the index answers for (minutes); searches ask for at most this.
ROUTING_MAX_MINUTES = int(os.environ.get("VICINATO_ROUTING_MAX_MINUTES", "30"))
