"""Django settings for Vicinato, read from environment variables only."""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
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


def development_secret_key(data_dir: Path) -> str:
    """A random key made once into the data folder (readable by its owner only) and reused, as pretix does."""
    path = data_dir / "secret_key"
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    key = secrets.token_urlsafe(50)
    with os.fdopen(descriptor, "w") as file:
        file.write(key)
    return key


# The key that signs sessions and links: from the environment; in development (DEBUG=1) a random one kept in the
# data folder; never a fixed one, so without it a server that is not in development does not start.
SECRET_KEY = os.environ.get("SECRET_KEY", "").strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set SECRET_KEY to a long random string (e.g. python3 -c 'import secrets; "
            "print(secrets.token_urlsafe(50))'), or DEBUG=1 for development."
        )
    SECRET_KEY = development_secret_key(DATA_DIR)
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
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "vicinato.lib",
    "vicinato.geo",
    "vicinato.register",
    "vicinato.booking",
    "vicinato.agreements",
    "vicinato.activities",
    "vicinato.impact",
    "vicinato.planning",
    "vicinato.web",
    "vicinato.api",
    "vicinato.demo",
]

# The reverse proxies in front of the site, each adding to X-Forwarded-For (vicinato.lib.clientaddress): 0 (the
# default) ignores that header.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0") or 0)
# Requests under /api/ go through API_MIDDLEWARE instead (vicinato.api.middleware.ApiStackMiddleware).
MIDDLEWARE = [
    "vicinato.api.middleware.ApiStackMiddleware",
    # Before the rest, in both stacks: the client's address behind the proxies (TRUSTED_PROXY_COUNT).
    "vicinato.lib.clientaddress.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the person and the language are known (its 400 page is in the site's frame), before any view.
    "vicinato.web.site.input.PageInputMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "vicinato.web.site.second_factor.RequireSecondFactor",
]
# MIDDLEWARE without static files, messages and the pages' language: the API negotiates its own.
API_MIDDLEWARE = [
    "vicinato.lib.clientaddress.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "vicinato.api.middleware.ApiLanguageMiddleware",
    "vicinato.api.middleware.ApiInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
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
    # hot queries (vicinato.lib.prepared) use it. 0 turns it off, e.g. behind a pooler in transaction mode.
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


def cache_from_url(url: str) -> dict:
    """The cache of CACHE_URL: locmem:// (the default, this process only), db:// (a table of the database, shared
    by every server; made by `vicinato createcachetable`), redis://host:port/db or memcached://host:port."""
    if url in ("", "locmem://"):
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if url.startswith("db://"):
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": url[5:] or "vicinato_cache",
        }
    if url.startswith(("redis://", "rediss://")):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if url.startswith("memcached://"):
        return {"BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache", "LOCATION": url[12:]}
    raise ImproperlyConfigured(
        f"Set CACHE_URL to locmem://, db://, redis://host:port/db or memcached://host:port, not {url!r}."
    )


# The cache holds the rate limits (vicinato.lib.ratelimit): shared between servers unless it is locmem://.
CACHES = {"default": cache_from_url(os.environ.get("CACHE_URL", "locmem://"))}

# Django's password validators, all of them.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Repeated wrong passwords (django-axes): after LOGIN_FAILURE_LIMIT failures for one username from one address,
# signing in is refused for LOGIN_LOCKOUT_MINUTES, with a message; the attempts are kept in the database, so every
# server counts together. A right password before the limit resets the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "vicinato.web.site.views.locked_out"
AXES_VERBOSE = False
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "web:home"

LANGUAGE_CODE = "it"
LANGUAGES = [("it", _("Italian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Rome"
# Our own date formats where Django's differ from how the language writes dates (vicinato/formats/it).
FORMAT_MODULE_PATH = ["vicinato.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
# Uploaded files (places' photos, voucher documents): in a folder (VICINATO_MEDIA_DIR, default the data folder's
# media/; several servers share it over NFS or similar), or in an S3-compatible bucket (MEDIA_STORAGE=s3).
MEDIA_ROOT = Path(os.environ.get("VICINATO_MEDIA_DIR", DATA_DIR / "media"))


def media_storage(environ) -> dict:
    """STORAGES["default"] from the environment: MEDIA_STORAGE=local (the default) or s3 (django-storages), with
    S3_BUCKET, S3_ENDPOINT_URL (any S3-compatible service, e.g. MinIO or a provider's), S3_REGION, S3_ACCESS_KEY_ID,
    S3_SECRET_ACCESS_KEY and S3_PREFIX (a folder inside the bucket). The bucket stays private: the site reads the
    files and serves them itself (photos) or to those allowed (documents)."""
    kind = environ.get("MEDIA_STORAGE", "local").strip().lower()
    if kind == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ImproperlyConfigured(f"Set MEDIA_STORAGE to local or s3, not {kind!r}.")
    if not environ.get("S3_BUCKET", "").strip():
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs S3_BUCKET, the name of the bucket.")
    options = {
        "bucket_name": environ["S3_BUCKET"].strip(),
        "endpoint_url": environ.get("S3_ENDPOINT_URL") or None,
        "region_name": environ.get("S3_REGION") or None,
        "access_key": environ.get("S3_ACCESS_KEY_ID") or None,
        "secret_key": environ.get("S3_SECRET_ACCESS_KEY") or None,
        "location": environ.get("S3_PREFIX", "").strip("/"),
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": media_storage(os.environ),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploaded identity documents and the like: apart from the public media, with no address of their own; they are
# served only through views that check who asks (e.g. a voucher application's documents).
STORAGES["private"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": os.environ.get("VICINATO_PRIVATE_ROOT", DATA_DIR / "private"), "base_url": None},
}
# Site administrators, reviewers and funders' people sign in with a second factor (an authenticator app's code,
# django-otp): on unless DEBUG (development with the demo's people), or VICINATO_STAFF_SECOND_FACTOR=0.
STAFF_SECOND_FACTOR = env_bool("VICINATO_STAFF_SECOND_FACTOR", not DEBUG)
OTP_TOTP_ISSUER = "Vicinato"
# Documents of a voucher application are deleted this many days after it was decided (`agreements-jobs`).
VOUCHER_DOCUMENT_RETENTION_DAYS = int(os.environ.get("VICINATO_DOCUMENT_RETENTION_DAYS", "90"))
WHITENOISE_USE_FINDERS = True

EMAIL_URL = os.environ.get("EMAIL_URL", "console://")
if EMAIL_URL.startswith("console"):
    EMAIL_BACKEND = "vicinato.lib.mail.LogBackend"
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

# HTTPS: HTTPS=1 says the site is served over HTTPS (usually behind a reverse proxy) and turns on, unless each is
# set otherwise: the redirect of http:// to https://, cookies sent over HTTPS only, and HSTS for a year
# (with subdomains and preload). SECURE_PROXY_SSL_HEADER names the header by which the proxy says the request came
# over HTTPS, e.g. "X-Forwarded-Proto: https" (set it only behind a proxy that always sets that header).
HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", HTTPS)
LANGUAGE_COOKIE_SECURE = env_bool("LANGUAGE_COOKIE_SECURE", HTTPS)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
SECURE_REDIRECT_EXEMPT = env_list("SECURE_REDIRECT_EXEMPT", "")


def proxy_ssl_header(value: str) -> tuple[str, str] | None:
    """'X-Forwarded-Proto: https' -> ('HTTP_X_FORWARDED_PROTO', 'https'), as Django's setting wants it."""
    if not value.strip():
        return None
    name, separator, expected = value.partition(":")
    if not separator or not name.strip() or not expected.strip():
        raise ImproperlyConfigured(
            f"Set SECURE_PROXY_SSL_HEADER as 'Header-Name: value', e.g. 'X-Forwarded-Proto: https', not {value!r}."
        )
    return "HTTP_" + name.strip().upper().replace("-", "_"), expected.strip()


SECURE_PROXY_SSL_HEADER = proxy_ssl_header(os.environ.get("SECURE_PROXY_SSL_HEADER", ""))

# The development server's request log (`django.server`, as Django sets it up) without query values: search
# addresses stay out of logs, as in gunicorn's access log (vicinato.lib.accesslog).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_queries": {"()": "vicinato.lib.accesslog.RedactQueries"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {"level": "INFO", "class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "loggers": {
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["redact_queries"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# The map's tile server; when tiles cannot load the pages fall back to shipped vector layers. OpenStreetMap's in
# development; in production (DEBUG=0) none unless configured, so that no visitor's address goes to a third party
# by default: the shipped vector layers (municipalities, neighbourhoods, places) are the map.
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", OSM_TILES if DEBUG else "").strip()
MAP_TILE_ATTRIBUTION = os.environ.get(
    "MAP_TILE_ATTRIBUTION", '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
)


def tile_source(url: str) -> list[str]:
    """The origin of the map's tiles for the Content-Security-Policy ('{s}.' subdomains as a wildcard)."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return []  # tiles from this site
    return [f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"]


# Content-Security-Policy (django-csp) on every page and the API's docs: scripts, styles, fonts and requests from
# this site only: the pages have no inline script and no inline style (no style attribute, no <style> element;
# htmx's own indicator styles are turned off in base.html). Scripts that place things (Leaflet, Bootstrap
# Italia's menus) set element.style through the CSSOM, which the policy does not govern. Images also from the
# map's tile server.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *tile_source(MAP_TILE_URL)],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")


def identity_providers(environ) -> dict[str, dict]:
    """SPID and CIE identity providers (OpenID Connect), by key: SPID_PROVIDERS is a comma-separated list of
    `Name=https://issuer` (one for each SPID provider the site has agreed with, shown in the SPID button's
    list), CIE_PROVIDER the issuer of CIE's provider. None configured: no SPID or CIE buttons."""
    providers = {}
    for item in environ.get("SPID_PROVIDERS", "").split(","):
        name, _sep, issuer = item.partition("=")
        if name.strip() and issuer.strip():
            key = "spid-" + "".join(c for c in name.lower() if c.isalnum())
            providers[key] = {"kind": "spid", "name": name.strip(), "issuer": issuer.strip().rstrip("/")}
    if environ.get("CIE_PROVIDER", "").strip():
        providers["cie"] = {
            "kind": "cie",
            "name": "CIE",
            "issuer": environ["CIE_PROVIDER"].strip().rstrip("/"),
        }
    return providers


# Signing in with SPID or CIE (OpenID Connect, web/site/identity.py): the providers above; this site's client id
# (by default SITE_URL); its private key (a JWK, RSA) that signs its requests, whose public half is served at
# /oidc/jwks.json; the authentication level asked (SPID level 2 by default).
IDENTITY_PROVIDERS = identity_providers(os.environ)
IDENTITY_CLIENT_ID = os.environ.get("IDENTITY_CLIENT_ID", "") or SITE_URL
IDENTITY_KEY_FILE = os.environ.get("IDENTITY_KEY_FILE", "")
IDENTITY_LEVEL = os.environ.get("IDENTITY_LEVEL", "https://www.spid.gov.it/SpidL2")
# The OpenID Federation of SPID and CIE (web/site/federation.py): the trust anchor's entity id and its public JWKS
# (JSON, or the path of a file holding it; never fetched), this site's superiors (by default the trust anchor),
# its federation key (signs /.well-known/openid-federation) and its encryption key (userinfo is encrypted to it),
# RSA JWK or PEM files apart from IDENTITY_KEY_FILE. No trust anchor: providers are read from their
# /.well-known/openid-configuration (a test provider; with DEBUG=0 `vicinato check` refuses it).
IDENTITY_TRUST_ANCHOR = os.environ.get("IDENTITY_TRUST_ANCHOR", "").strip().rstrip("/")
IDENTITY_TRUST_ANCHOR_JWKS = os.environ.get("IDENTITY_TRUST_ANCHOR_JWKS", "")
IDENTITY_AUTHORITY_HINTS = [
    hint.strip().rstrip("/")
    for hint in os.environ.get("IDENTITY_AUTHORITY_HINTS", "").split(",")
    if hint.strip()
]
IDENTITY_FEDERATION_KEY_FILE = os.environ.get("IDENTITY_FEDERATION_KEY_FILE", "")
IDENTITY_ENCRYPTION_KEY_FILE = os.environ.get("IDENTITY_ENCRYPTION_KEY_FILE", "")
# A provider's resolved trust chain is kept until its earliest expiry, but at most this many seconds; the
# addresses a chain leads to are fetched over https only, plain http being allowed only with DEBUG (tests).
IDENTITY_TRUST_CHAIN_CACHE_SECONDS = int(os.environ.get("IDENTITY_TRUST_CHAIN_CACHE_SECONDS", "3600"))
IDENTITY_FEDERATION_ALLOW_HTTP = DEBUG
IDENTITY_CLIENT_NAME = os.environ.get("IDENTITY_CLIENT_NAME", "") or os.environ.get(
    "VICINATO_SITE_OWNER", "Vicinato"
)
IDENTITY_CONTACTS = [
    address.strip()
    for address in (
        os.environ.get("IDENTITY_CONTACTS", "") or os.environ.get("VICINATO_CONTACT_EMAIL", "")
    ).split(",")
    if address.strip()
]

# Who runs the site, for the footer, the privacy notice, the accessibility statement and the legal notes.
SITE_OWNER = os.environ.get("VICINATO_SITE_OWNER", "Vicinato (demo)")
CONTACT_EMAIL = os.environ.get("VICINATO_CONTACT_EMAIL", "info@vicinato.example")
# The data protection officer (GDPR art. 37) and where accessibility feedback goes (AgID's guidelines).
DPO_EMAIL = os.environ.get("VICINATO_DPO_EMAIL", "") or CONTACT_EMAIL
ACCESSIBILITY_EMAIL = os.environ.get("VICINATO_ACCESSIBILITY_EMAIL", "") or CONTACT_EMAIL
# The day the accessibility statement was last reviewed (ISO date), as AgID's model asks.
ACCESSIBILITY_REVIEWED = os.environ.get("VICINATO_ACCESSIBILITY_REVIEWED", "2026-12-07")

# The municipality the site is for (its ISTAT code; Milan's by default): geocoding searches its streets unless
# another is chosen, and the configured extract and feeds below serve it until `vicinato import-osm` gives it
# a network of its own.
SITE_MUNICIPALITY = os.environ.get("VICINATO_MUNICIPALITY", "015146")
# Routing: the site municipality's OSM extract (until `vicinato import-osm FILE` imports one into the database),
# the graph cache shared by all databases, and the per-database index of places reachable from any point.
ROUTING_OSM_FILE = Path(
    os.environ.get("VICINATO_OSM_FILE", SOURCE_DATA_DIR / "milano" / "milan_italy_small.osm.pbf")
)
# Public transport: the GTFS feeds of the city (comma-separated; replaced by `vicinato import-gtfs FEED.zip`).
TRANSIT_FEEDS = env_list("VICINATO_GTFS_FILES", str(SOURCE_DATA_DIR / "milano" / "milano_small_gtfs.zip"))
ROUTING_CACHE_DIR = Path(os.environ.get("VICINATO_ROUTING_CACHE_DIR", DATA_DIR / "routing"))
ROUTING_INDEX_DIR = Path(os.environ.get("VICINATO_ROUTING_INDEX_DIR", DATA_DIR / "routing" / "index"))
ROUTING_WALK_SPEED_KMH = float(os.environ.get("VICINATO_WALK_SPEED_KMH", "4.8"))
ROUTING_BIKE_SPEED_KMH = float(os.environ.get("VICINATO_BIKE_SPEED_KMH", "15"))
# The longest trip the index answers for (minutes); searches ask for at most this.
ROUTING_MAX_MINUTES = int(os.environ.get("VICINATO_ROUTING_MAX_MINUTES", "30"))
