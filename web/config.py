"""Application configuration: read from the environment, overridden by `test_config`, validated at start.

Every problem is collected and reported at once as `OPTION: expected X, received Y`, so an operator
fixes the whole configuration in one pass instead of one restart per mistake.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Mapping

from . import limits
from .auth.core import settings as identity_settings
from .notify import settings as notify_settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]
#: a session key shorter than this is guessable
MIN_SECRET_KEY_LENGTH = 24
SQLITE_PREFIX = "sqlite:///"
POSTGRES_PREFIX = "postgresql+psycopg://"


class ConfigError(Exception):
    """The configuration is unusable; the message lists every problem, one per line."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems

    def lines(self) -> list[str]:
        """The lines to print, one per problem (`error: …`)."""
        return [f"error: {problem}" for problem in self.problems]


def normalise_database_url(url: str) -> str:
    """Accept the common `postgres://` and `postgresql://` spellings and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return POSTGRES_PREFIX + url[len(prefix):]
    return url


def _int(env: Mapping[str, str], name: str, default: int) -> int | str:
    """An integer variable; a malformed value is kept as text so `build_config` can report it."""
    raw = env.get(name)
    if raw in (None, ""):
        return default
    return int(raw) if raw.strip().isdigit() else raw


def defaults(env: Mapping[str, str]) -> dict[str, Any]:
    """The configuration before overrides: environment variables with sensible defaults."""
    data_dir = Path(env.get("STEGVIS_DATA_DIR") or "instance").resolve()
    database_url = env.get("DATABASE_URL") or f"{SQLITE_PREFIX}{data_dir / 'stegvis.db'}"
    return {
        "SECRET_KEY": env.get("SECRET_KEY"),
        "DATA_DIR": str(data_dir),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        #: test each pooled connection before use, so a restarted PostgreSQL costs no failed request
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "PROGRAMS_DIR": env.get("STEGVIS_PROGRAMS_DIR") or str(PROJECT_ROOT / "programs"),
        #: the statistics definitions the Statistik page shows (a checkout's docs/, as PROGRAMS_DIR)
        "STATISTICS_DEFINITIONS": env.get("STEGVIS_STATISTICS_DEFINITIONS")
        or str(PROJECT_ROOT / "docs" / "statistics.md"),
        "DEMO": False,
        "TESTING": False,
        #: failed logins allowed per user name (and per client address) inside the window
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_WINDOW_SECONDS": 15 * 60,
        "PAGE_SIZE": 25,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        #: server-side sessions (web.auth.core.sessions): idle minutes per audience and the absolute limit
        "SESSION_IDLE_MINUTES_STAFF": _int(env, "STEGVIS_IDLE_MINUTES_STAFF", 30),
        "SESSION_IDLE_MINUTES_PATIENT": _int(env, "STEGVIS_IDLE_MINUTES_PATIENT", 15),
        "SESSION_ABSOLUTE_HOURS": 12,
        #: the largest request body accepted (413 above it)
        "MAX_CONTENT_LENGTH": limits.MAX_REQUEST_BYTES,
        #: how many reverse proxies in front of the app set X-Forwarded-For (0 = none: use the peer address)
        "TRUSTED_PROXIES": _int(env, "STEGVIS_TRUSTED_PROXIES", 0),
        #: at most one flag notice per staff member and channel per this many minutes (0 = one per flag)
        "STAFF_NOTICE_MINUTES": _int(env, "STEGVIS_STAFF_NOTICE_MINUTES", 15),
        #: working days an urgent flag may stay unhandled before the unit's Behörighetsadmin is told
        #: (a unit's Inställningar may say otherwise)
        "URGENT_ESCALATION_WORKING_DAYS": _int(env, "STEGVIS_URGENT_ESCALATION_WORKING_DAYS", 1),
        #: programs preloaded by the caller (tests share one load); None = load PROGRAMS_DIR
        "PROGRAMS": None,
        #: an invalid program in PROGRAMS_DIR stops the app (True: `stegvis serve`, operators' commands)
        #: or is left out with its errors logged (False: the demo and the preview); None = False in the demo and tests
        "PROGRAMS_STRICT": None,
        #: callable returning an aware datetime; tests freeze time with it
        "CLOCK": None,
        #: key of the export pseudonyms (HMAC of the personnummer); None = SECRET_KEY
        "EXPORT_KEY": env.get("STEGVIS_EXPORT_KEY") or None,
        #: gallring: ended moments are purged this many months after their end (`stegvis gallra`)
        "RETENTION_MONTHS": env.get("STEGVIS_RETENTION_MONTHS") or "24",
        #: SMTP, SMS gateway, base URL, quiet hours, retries (web.notify.settings)
        **notify_settings.defaults(env),
        #: OpenID Connect per audience, TOTP, the minimum staff level of assurance (web.auth.core.settings)
        **identity_settings.defaults(env),
    }


def postgres_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """The engine options for PostgreSQL: JIT compilation off for every connection of the app, and the
    app's cursor class (web.ops.pg_cursor: psycopg's column descriptions built only when read).

    JIT: a page's statements are short, but at a region's size the planner's cost estimate of a count over
    a unit passes `jit_above_cost`, and compiling took 8 ms of the overview's 42–73 ms at 100 000 moments
    (docs/performance.md); the tick, Statistik and the exports had already turned it off per transaction.
    An operator's own `jit=` option and `cursor_factory` win."""
    from .ops.pg_cursor import LazyDescriptionCursor

    connect_args = dict(options.get("connect_args") or {})
    extra = connect_args.get("options") or ""
    if "jit=" not in extra:
        connect_args["options"] = f"{extra} -c jit=off".strip()
    connect_args.setdefault("cursor_factory", LazyDescriptionCursor)
    return {**options, "connect_args": connect_args}


def build_config(test_config: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> dict:
    """Merge defaults, environment and overrides, then validate; raises ConfigError listing every problem."""
    cfg = defaults(os.environ if env is None else env)
    cfg.update(test_config or {})
    cfg["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(cfg["SQLALCHEMY_DATABASE_URI"])
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith(POSTGRES_PREFIX):
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = postgres_options(cfg.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    problems: list[str] = []
    relaxed = cfg["TESTING"] or cfg["DEMO"]
    if cfg["PROGRAMS_STRICT"] is None:
        cfg["PROGRAMS_STRICT"] = not relaxed
    key = cfg.get("SECRET_KEY")
    if not key:
        if relaxed:
            cfg["SECRET_KEY"] = secrets.token_hex(32)
        else:
            problems.append(
                "SECRET_KEY: expected a random string of at least "
                f"{MIN_SECRET_KEY_LENGTH} characters, received nothing "
                "(set it with e.g. `export SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')`)"
            )
    elif len(key) < MIN_SECRET_KEY_LENGTH and not relaxed:
        problems.append(
            f"SECRET_KEY: expected at least {MIN_SECRET_KEY_LENGTH} characters, received {len(key)}"
        )
    url = cfg["SQLALCHEMY_DATABASE_URI"]
    if not (url.startswith(SQLITE_PREFIX) or url.startswith(POSTGRES_PREFIX)):
        scheme = url.split("://", 1)[0] + "://" if "://" in url else url
        problems.append(
            f"DATABASE_URL: expected {SQLITE_PREFIX}<path> or {POSTGRES_PREFIX}<user>@<host>/<db>, "
            f"received {scheme}"
        )
    if cfg["PROGRAMS"] is None and not Path(cfg["PROGRAMS_DIR"]).is_dir():
        problems.append(f"STEGVIS_PROGRAMS_DIR: expected a folder of program YAML files, received {cfg['PROGRAMS_DIR']}")
    retention = str(cfg["RETENTION_MONTHS"]).strip()
    if not retention.isdigit() or int(retention) < 1:
        problems.append(f"STEGVIS_RETENTION_MONTHS: expected a whole number of months (1 or more), received {retention!r}")
    else:
        cfg["RETENTION_MONTHS"] = int(retention)
    problems += notify_settings.check(cfg)
    problems += identity_settings.check(cfg)
    for key, var in (("SESSION_IDLE_MINUTES_STAFF", "STEGVIS_IDLE_MINUTES_STAFF"),
                     ("SESSION_IDLE_MINUTES_PATIENT", "STEGVIS_IDLE_MINUTES_PATIENT"),
                     ("TRUSTED_PROXIES", "STEGVIS_TRUSTED_PROXIES"),
                     ("STAFF_NOTICE_MINUTES", "STEGVIS_STAFF_NOTICE_MINUTES"),
                     ("URGENT_ESCALATION_WORKING_DAYS", "STEGVIS_URGENT_ESCALATION_WORKING_DAYS")):
        if not isinstance(cfg[key], int) or cfg[key] < 0:
            problems.append(f"{var}: expected a whole number, received {cfg[key]!r}")
    #: https deployments get Secure cookies (and the __Host- prefix, web.auth.core.sessions) and HSTS
    cfg.setdefault("SESSION_COOKIE_SECURE", str(cfg.get("BASE_URL") or "").startswith("https://"))
    if problems:
        raise ConfigError(problems)
    return cfg
