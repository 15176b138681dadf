"""Configuration from ``INNOCORE_*`` environment variables, with safe defaults for one machine."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ENV_PREFIX = "INNOCORE_"

# name -> (default, parser)
_SETTINGS: dict[str, tuple[object, type]] = {
    "DATABASE_URL": (None, str),
    "SECRET_KEY": (None, str),
    "BASE_URL": ("http://127.0.0.1:5000", str),
    "NETWORK_NAME": ("InnoCore network", str),
    # IANA zone of network-wide figures (the network report's periods and charts); facility
    # reports always use their facility's own zone.
    "NETWORK_TIMEZONE": ("UTC", str),
    "MAIL_SERVER": ("127.0.0.1", str),
    "MAIL_PORT": (25, int),
    "MAIL_USERNAME": (None, str),
    "MAIL_PASSWORD": (None, str),
    "MAIL_USE_TLS": (False, bool),
    "MAIL_USE_SSL": (False, bool),
    "MAIL_TIMEOUT": (10, int),
    "MAIL_SENDER": ("InnoCore <no-reply@innocore.invalid>", str),
    "MAIL_MAX_ATTEMPTS": (12, int),
    "REDIS_URL": (None, str),
    "RATELIMIT_PREFIX": ("innocore", str),
    "SECURE_COOKIES": (False, bool),
    "LOGIN_MAX_ATTEMPTS": (5, int),
    "LOGIN_WINDOW_MINUTES": (15, int),
    "LOGIN_MAX_ATTEMPTS_PER_ADDRESS": (30, int),
    "TOKEN_HOURS_VERIFY": (48, int),
    "TOKEN_HOURS_RESET": (2, int),
    "OUTBOX_INTERVAL_SECONDS": (20, int),
    # An e-mail is claimed just before it is sent; the claim must outlast one slow SMTP exchange.
    "MAIL_CLAIM_SECONDS": (120, int),
    # A scheduled job runs under a lease of this length, renewed every third of it while it runs.
    "JOB_LEASE_SECONDS": (300, int),
    "PAGE_SIZE": (25, int),
    # Where issuers' Ed25519 signing keys live (files, 0600); default: <instance>/credential-keys.
    "CREDENTIAL_KEY_DIR": (None, str),
    # The folder of this installation's own files: generated secret key, default SQLite database,
    # signing keys, uploaded photos. Default: ``instance/`` beside the code.
    "INSTANCE_PATH": (None, str),
    # Multiplies every scheduled job's interval (at least 1 s): 0.01 runs an hourly job every 36 s.
    "JOB_INTERVAL_SCALE": (1.0, float),
    # Hosts whose sign-in providers may be reached over plain http (comma-separated, e.g. a
    # provider on this machine during tests). Empty: every provider address must be https.
    "SSO_PLAIN_HTTP_HOSTS": ("", str),
    # What the long-running commands (scheduler, demo) log to stderr: INFO says what jobs did;
    # DEBUG also names every job run, including the ones that found nothing to do.
    "LOG_LEVEL": ("INFO", str),
}


def _parse(raw: str, kind: type):
    if kind is bool:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    return kind(raw)


def settings_from_env(environ: os._Environ | dict | None = None) -> dict:
    """Every ``INNOCORE_X`` variable becomes config key ``X`` (typed); unset ones take defaults."""
    environ = os.environ if environ is None else environ
    out = {}
    for name, (default, kind) in _SETTINGS.items():
        raw = environ.get(ENV_PREFIX + name)
        out[name] = _parse(raw, kind) if raw not in (None, "") else default
    return out


def instance_path_of(overrides: dict | None = None) -> str | None:
    """The absolute instance folder from ``INSTANCE_PATH`` (overrides, then environment), or
    ``None`` for Flask's default (``instance/`` beside the code)."""
    raw = (overrides or {}).get("INSTANCE_PATH") or os.environ.get(ENV_PREFIX + "INSTANCE_PATH")
    return str(Path(raw).resolve()) if raw else None


def instance_secret(instance_path: str) -> str:
    """A secret key generated once into the instance folder (never a hard-coded one); every
    worker that starts at the same time reads the same key."""
    from innocore.files import create_once

    path = Path(instance_path) / "secret_key"
    return create_once(path, secrets.token_urlsafe(48).encode()).decode().strip()


def build_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Flask config: environment, then explicit overrides (tests), then derived values."""
    cfg = settings_from_env()
    cfg.update(overrides or {})
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = instance_secret(instance_path)
    url = cfg.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'innocore.sqlite'}"
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    cfg["SQLALCHEMY_DATABASE_URI"] = url
    try:
        ZoneInfo(cfg["NETWORK_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"INNOCORE_NETWORK_TIMEZONE={cfg['NETWORK_TIMEZONE']!r} is not an IANA time zone"
        ) from exc
    cfg.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    secure = bool(cfg.get("SECURE_COOKIES"))
    cfg.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_DURATION=timedelta(days=14),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        MAX_CONTENT_LENGTH=cfg.get("MAX_CONTENT_LENGTH", 16 * 1024 * 1024),
        MAX_FORM_MEMORY_SIZE=cfg.get("MAX_FORM_MEMORY_SIZE", 2 * 1024 * 1024),
        WTF_CSRF_TIME_LIMIT=None,
        RATELIMIT_STORAGE_URI=cfg.get("RATELIMIT_STORAGE_URI")
        or cfg.get("REDIS_URL")
        or "memory://",
        RATELIMIT_KEY_PREFIX=cfg.get("RATELIMIT_PREFIX") or "innocore",
        RATELIMIT_HEADERS_ENABLED=True,
        JSON_SORT_KEYS=False,
    )
    return cfg
