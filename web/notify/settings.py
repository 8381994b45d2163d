"""Notice settings: defaults from the environment, then checked and typed with every problem listed.

`web.config` merges `defaults(env)` into the app configuration and appends `check(cfg)` to its
problems, so a bad SMTP port and a missing SMS URL are reported together at start-up.
"""
from __future__ import annotations

import json
from typing import Any, Mapping
from urllib.parse import urlsplit

from engine.moment.reminders import QuietHoursError, parse_quiet_hours

SMTP_TLS_MODES = ("none", "starttls", "tls")
SMS_GATEWAYS = ("file", "http")
#: the SMTP port each TLS mode normally uses
DEFAULT_SMTP_PORTS = {"none": 25, "starttls": 587, "tls": 465}
#: JSON body posted to an HTTP SMS gateway; {to}, {message}, {sender} and {reference} are filled in
DEFAULT_SMS_BODY = '{"to": "{to}", "message": "{message}", "from": "{sender}", "reference": "{reference}"}'

#: config key → environment variable
ENV = {
    "SMTP_HOST": "STEGVIS_SMTP_HOST",
    "SMTP_PORT": "STEGVIS_SMTP_PORT",
    "SMTP_USER": "STEGVIS_SMTP_USER",
    "SMTP_PASSWORD": "STEGVIS_SMTP_PASSWORD",
    "SMTP_TLS": "STEGVIS_SMTP_TLS",
    "SMTP_CA_FILE": "STEGVIS_SMTP_CA_FILE",
    "MAIL_FROM": "STEGVIS_MAIL_FROM",
    "SMS_GATEWAY": "STEGVIS_SMS_GATEWAY",
    "SMS_URL": "STEGVIS_SMS_URL",
    "SMS_TOKEN": "STEGVIS_SMS_TOKEN",
    "SMS_SENDER": "STEGVIS_SMS_SENDER",
    "SMS_BODY": "STEGVIS_SMS_BODY",
    "BASE_URL": "STEGVIS_BASE_URL",
    "SMS_QUIET_HOURS": "STEGVIS_SMS_QUIET_HOURS",
    "NOTICE_MAX_ATTEMPTS": "STEGVIS_NOTICE_MAX_ATTEMPTS",
    "NOTICE_TIMEOUT": "STEGVIS_NOTICE_TIMEOUT",
    "WORKER_POLL_SECONDS": "STEGVIS_WORKER_POLL_SECONDS",
}

_DEFAULTS: dict[str, Any] = {
    "SMTP_HOST": None,
    "SMTP_PORT": None,
    "SMTP_USER": None,
    "SMTP_PASSWORD": None,
    "SMTP_TLS": "starttls",
    "SMTP_CA_FILE": None,
    "MAIL_FROM": None,
    "SMS_GATEWAY": "file",
    "SMS_URL": None,
    "SMS_TOKEN": None,
    "SMS_SENDER": "Stegvis",
    "SMS_BODY": DEFAULT_SMS_BODY,
    "BASE_URL": "http://localhost:5000",
    "SMS_QUIET_HOURS": "21:00-08:00",
    #: after this many failed attempts a notice is marked failed (shown under Administration)
    "NOTICE_MAX_ATTEMPTS": 8,
    #: seconds to wait for an SMTP server or SMS gateway
    "NOTICE_TIMEOUT": 10,
    "WORKER_POLL_SECONDS": 30,
}


def defaults(env: Mapping[str, str]) -> dict[str, Any]:
    """Notice settings from the environment (raw strings), defaults for the rest."""
    cfg = dict(_DEFAULTS)
    for key, var in ENV.items():
        if env.get(var) not in (None, ""):
            cfg[key] = env[var]
    return cfg


def _int(cfg: dict, key: str, low: int, high: int, what: str, problems: list[str]) -> None:
    value = cfg.get(key)
    try:
        number = int(value)
        if isinstance(value, bool) or str(number) != str(value).strip() or not low <= number <= high:
            raise ValueError
    except (TypeError, ValueError):
        problems.append(f"{ENV[key]}: expected {what} ({low}–{high}), received {value!r}")
        return
    cfg[key] = number


def _choice(cfg: dict, key: str, options: tuple[str, ...], problems: list[str]) -> str | None:
    value = str(cfg.get(key) or "").strip().lower()
    if value not in options:
        problems.append(f"{ENV[key]}: expected one of {', '.join(options)}, received {cfg.get(key)!r}")
        return None
    cfg[key] = value
    return value


def check(cfg: dict[str, Any]) -> list[str]:
    """Validate and type the notice settings in place; returns one `OPTION: expected …` line per problem."""
    problems: list[str] = []
    tls = _choice(cfg, "SMTP_TLS", SMTP_TLS_MODES, problems)
    if tls is not None and cfg.get("SMTP_PORT") in (None, ""):
        cfg["SMTP_PORT"] = DEFAULT_SMTP_PORTS[tls]
    if cfg.get("SMTP_PORT") not in (None, ""):
        _int(cfg, "SMTP_PORT", 1, 65535, "a port number", problems)
    if cfg.get("SMTP_HOST") and not cfg.get("MAIL_FROM"):
        problems.append("STEGVIS_MAIL_FROM: expected the sender address for e-mail notices "
                        "(e.g. Stegvis <no-reply@example.se>), received nothing")
    if bool(cfg.get("SMTP_USER")) != bool(cfg.get("SMTP_PASSWORD")):
        problems.append("STEGVIS_SMTP_PASSWORD: expected STEGVIS_SMTP_USER and STEGVIS_SMTP_PASSWORD together, "
                        "received only one of them")
    if _choice(cfg, "SMS_GATEWAY", SMS_GATEWAYS, problems) == "http" and not _is_http_url(cfg.get("SMS_URL")):
        problems.append(f"STEGVIS_SMS_URL: expected the gateway's http(s) URL when STEGVIS_SMS_GATEWAY=http, "
                        f"received {cfg.get('SMS_URL')!r}")
    try:
        body = json.loads(cfg.get("SMS_BODY") or "")
        if not isinstance(body, dict):
            raise ValueError
    except ValueError:
        problems.append(f"STEGVIS_SMS_BODY: expected a JSON object such as {DEFAULT_SMS_BODY}, "
                        f"received {cfg.get('SMS_BODY')!r}")
    if not _is_http_url(cfg.get("BASE_URL")):
        problems.append(f"STEGVIS_BASE_URL: expected the site's address such as https://stegvis.example.se, "
                        f"received {cfg.get('BASE_URL')!r}")
    else:
        cfg["BASE_URL"] = str(cfg["BASE_URL"]).rstrip("/")
    try:
        parse_quiet_hours(cfg.get("SMS_QUIET_HOURS"))
    except QuietHoursError as exc:
        problems.append(f"STEGVIS_SMS_QUIET_HOURS: {exc} (or off)")
    _int(cfg, "NOTICE_MAX_ATTEMPTS", 1, 100, "a number of attempts", problems)
    _int(cfg, "NOTICE_TIMEOUT", 1, 300, "seconds", problems)
    _int(cfg, "WORKER_POLL_SECONDS", 1, 3600, "seconds", problems)
    return problems


def _is_http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
