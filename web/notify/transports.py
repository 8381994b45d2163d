"""How notices leave the building: SMTP or .eml files for e-mail, an HTTP gateway or a log file for SMS.

Every transport has one method, `send(outgoing)`, and raises DeliveryError when it failed:
`permanent=True` when retrying cannot help (the server refused the address), otherwise the
delivery loop retries later with backoff.
"""
from __future__ import annotations

import json
import os
import re
import smtplib
import ssl
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any, Mapping, Protocol

from .settings import DEFAULT_SMS_BODY


class DeliveryError(Exception):
    """A notice could not be handed over; `permanent` when a retry cannot succeed."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Outgoing:
    """One message to hand over: address, subject (e-mail only), body, a unique reference and the time."""

    to: str
    subject: str
    body: str
    #: stable per notice ("notice-42"): the Message-ID, the file name, the gateway's reference
    ref: str
    at: datetime


class Transport(Protocol):
    def send(self, outgoing: Outgoing) -> None:
        """Hand the message over or raise DeliveryError."""


def normalize_mobile(number: str) -> str:
    """A Swedish mobile number in international form: "070-174 06 05" → "+46701740605"."""
    digits = re.sub(r"[\s\-().]", "", number or "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif digits.startswith("0"):
        digits = "+46" + digits[1:]
    if not re.fullmatch(r"\+\d{7,15}", digits):
        raise DeliveryError(f"ogiltigt mobilnummer {number!r}", permanent=True)
    return digits


# --- e-mail -----------------------------------------------------------------------------------


def _email(outgoing: Outgoing, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = outgoing.to
    msg["Subject"] = outgoing.subject
    msg["Date"] = format_datetime(outgoing.at)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "stegvis.invalid"
    msg["Message-ID"] = f"<{outgoing.ref}@{domain}>"
    msg.set_content(outgoing.body)
    return msg


class SmtpMailer:
    """E-mail over SMTP: plain (none), STARTTLS or implicit TLS, with optional login."""

    def __init__(self, host: str, port: int, *, sender: str, tls: str = "starttls", user: str | None = None,
                 password: str | None = None, timeout: float = 10, ssl_context: ssl.SSLContext | None = None):
        self.host, self.port, self.sender, self.tls = host, port, sender, tls
        self.user, self.password, self.timeout = user, password, timeout
        self.ssl_context = ssl_context

    def _context(self) -> ssl.SSLContext:
        return self.ssl_context or ssl.create_default_context()

    def send(self, outgoing: Outgoing) -> None:
        """Connect, secure, log in, send one message, quit."""
        msg = _email(outgoing, self.sender)
        try:
            if self.tls == "tls":
                client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self._context())
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with client:
                if self.tls == "starttls":
                    client.starttls(context=self._context())
                if self.user:
                    client.login(self.user, self.password or "")
                client.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"SMTP {self.host}:{self.port} vägrade mottagaren: {exc.recipients}",
                                permanent=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP {self.host}:{self.port}: {type(exc).__name__}: {exc}") from exc


class FileMailer:
    """Development and demo e-mail: each message is written as `<ref>.eml` in a folder."""

    def __init__(self, folder: str | Path, *, sender: str = "Stegvis <no-reply@stegvis.invalid>"):
        self.folder, self.sender = Path(folder), sender

    def send(self, outgoing: Outgoing) -> None:
        """Write the message (atomically, so a reader never sees half a file)."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            data = _email(outgoing, self.sender).as_bytes()
            fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, self.folder / f"{outgoing.ref}.eml")
        except OSError as exc:
            raise DeliveryError(f"kunde inte skriva e-post till {self.folder}: {exc}") from exc


# --- SMS --------------------------------------------------------------------------------------


def _fill(template: Any, values: Mapping[str, str]) -> Any:
    """Replace {to}, {message}, {sender}, {reference} in every string of a JSON template."""
    if isinstance(template, str):
        return re.sub(r"\{(to|message|sender|reference)\}", lambda m: values[m.group(1)], template)
    if isinstance(template, dict):
        return {k: _fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, values) for v in template]
    return template


class HttpSmsGateway:
    """SMS through an HTTP gateway: POST a JSON body with a bearer token."""

    def __init__(self, url: str, *, token: str | None = None, sender: str = "Stegvis",
                 body: str = DEFAULT_SMS_BODY, timeout: float = 10):
        self.url, self.token, self.sender, self.timeout = url, token, sender, timeout
        self.body = json.loads(body)

    def send(self, outgoing: Outgoing) -> None:
        """POST the message; 2xx is success, 4xx (but 408/429) permanent, anything else retried."""
        payload = _fill(self.body, {"to": normalize_mobile(outgoing.to), "message": outgoing.body,
                                    "sender": self.sender, "reference": outgoing.ref})
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": outgoing.ref}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=json.dumps(payload).encode(), headers=headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            exc.close()
            permanent = 400 <= exc.code < 500 and exc.code not in (408, 429)
            raise DeliveryError(f"sms-gateway {self.url}: HTTP {exc.code}", permanent=permanent) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise DeliveryError(f"sms-gateway {self.url}: {exc}") from exc


class FileSmsGateway:
    """Development and demo SMS: one line per message appended to a log file."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def send(self, outgoing: Outgoing) -> None:
        """Append `time<TAB>number<TAB>text<TAB>ref`."""
        line = "\t".join((outgoing.at.isoformat(timespec="seconds"), normalize_mobile(outgoing.to),
                          outgoing.body.replace("\n", " "), outgoing.ref))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        except OSError as exc:
            raise DeliveryError(f"kunde inte skriva sms till {self.path}: {exc}") from exc


# --- from configuration -----------------------------------------------------------------------


@dataclass(frozen=True)
class Transports:
    """The e-mail and SMS transports the delivery loop uses."""

    email: Transport
    sms: Transport


def outbox_dir(config: Mapping[str, Any]) -> Path:
    """Where the file transports write: <DATA_DIR>/outbox."""
    return Path(config["DATA_DIR"]) / "outbox"


def make_transports(config: Mapping[str, Any]) -> Transports:
    """Transports for the app configuration: SMTP when STEGVIS_SMTP_HOST is set, else files."""
    timeout = config["NOTICE_TIMEOUT"]
    if config.get("SMTP_HOST"):
        context = ssl.create_default_context(cafile=config.get("SMTP_CA_FILE") or None)
        email: Transport = SmtpMailer(
            config["SMTP_HOST"], int(config["SMTP_PORT"]), sender=config["MAIL_FROM"], tls=config["SMTP_TLS"],
            user=config.get("SMTP_USER"), password=config.get("SMTP_PASSWORD"), timeout=timeout,
            ssl_context=context,
        )
    else:
        email = FileMailer(outbox_dir(config) / "mail",
                           sender=config.get("MAIL_FROM") or "Stegvis <no-reply@stegvis.invalid>")
    if config["SMS_GATEWAY"] == "http":
        sms: Transport = HttpSmsGateway(config["SMS_URL"], token=config.get("SMS_TOKEN"),
                                        sender=config["SMS_SENDER"], body=config["SMS_BODY"], timeout=timeout)
    else:
        sms = FileSmsGateway(outbox_dir(config) / "sms.log")
    return Transports(email=email, sms=sms)


def describe(config: Mapping[str, Any]) -> str:
    """Where notices go, in one Swedish line (for `stegvis worker` and the demo)."""
    if config.get("SMTP_HOST"):
        email = f"e-post via SMTP {config['SMTP_HOST']}:{config['SMTP_PORT']} ({config['SMTP_TLS']})"
    else:
        email = f"e-post som .eml-filer i {outbox_dir(config) / 'mail'}"
    if config["SMS_GATEWAY"] == "http":
        sms = f"sms via {config['SMS_URL']}"
    else:
        sms = f"sms i {outbox_dir(config) / 'sms.log'}"
    return f"{email}; {sms}"
