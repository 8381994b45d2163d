"""Real servers and a seeded moment for the notice tests: aiosmtpd on loopback, an HTTP SMS gateway,
and Jane Doe's moment started through the real services. The app and its databases (SQLite and
PostgreSQL, migrated schema) come from tests/conftest.py, which registers this module as a plugin
(`pytest_plugins`): its fixtures `smtp` and `sms` need no import. A test module that needs the notices'
base URL declares `pytestmark = pytest.mark.app_config(BASE_URL=BASE_URL)`.
"""
from __future__ import annotations

import json
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from web.extensions import db
from web.models import CareUnit, Enrollment, Membership, Patient, Region, User
from web.notify.transports import HttpSmsGateway, SmtpMailer, Transports

ROOT = Path(__file__).resolve().parents[1]
STOCKHOLM = ZoneInfo("Europe/Stockholm")
BASE_URL = "https://stegvis.example.se"
SMS_TOKEN = "gateway-token-123"


def sthlm(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Stockholm wall-clock time."""
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


def personnummer(i: int) -> str:
    """A valid personnummer for test patient number i (born 1950-01-01 + i days, Luhn check digit)."""
    born = date(1950, 1, 1) + timedelta(days=i)
    serial = f"{(i * 7) % 1000:03d}"
    body = born.strftime("%y%m%d") + serial
    total = sum(sum(divmod(int(d) * (2 - k % 2), 10)) for k, d in enumerate(body))
    return f"{born:%Y%m%d}-{serial}{(10 - total % 10) % 10}"


def free_port() -> int:
    """A TCP port nobody listens on right now (aiosmtpd's Controller needs a real port number)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the seeded world -----------------------------------------------------------------------------


@dataclass
class World:
    """Marita Andersson (behandlare, e-mail notices on) and Jane Doe's Tobakshjälpen moment."""

    unit_id: int
    user_id: int
    membership_id: int
    patient_id: int
    enrollment_id: int

    @property
    def user(self) -> User:
        return db.session.get(User, self.user_id)

    @property
    def membership(self) -> Membership:
        return db.session.get(Membership, self.membership_id)

    @property
    def patient(self) -> Patient:
        return db.session.get(Patient, self.patient_id)

    @property
    def enrollment(self) -> Enrollment:
        return db.session.get(Enrollment, self.enrollment_id)


def seed_unit() -> tuple[CareUnit, User]:
    """A region, a care unit and Marita Andersson with e-mail notices on."""
    from web.services.clinician.staff import create_staff

    region = Region(name="Region Jönköpings län")
    unit = CareUnit(region=region, name="Utbildningsenhet")
    db.session.add_all([region, unit])
    db.session.commit()
    user = create_staff(unit, username="marita.andersson", name="Marita Andersson", password=None,
                        roles=["behandlare"], email="marita.andersson@example.se")
    user.notify_email = True
    db.session.commit()
    return unit, user


def start(user: User, now: datetime, personnummer: str = "19610831-2460", first: str = "Jane",
          last: str = "Doe", email: str | None = "jane.doe@example.se",
          mobile: str | None = "070-174 06 05") -> Enrollment:
    """Start a Tobakshjälpen moment through the real service."""
    from web.services.clinician.moments import start_moment

    return start_moment(personnummer=personnummer, program_id="tobakshjalpen", user=user,
                        membership=user.memberships[0], now=now, first_name=first, last_name=last,
                        email=email, mobile=mobile)


def seed(now: datetime) -> World:
    """Marita's unit and Jane Doe's moment started at `now` (Jane: SMS and e-mail notices on)."""
    unit, user = seed_unit()
    enrollment = start(user, now)
    patient = enrollment.patient
    patient.notify_sms, patient.notify_email = True, True
    db.session.commit()
    return World(unit.id, user.id, user.memberships[0].id, patient.id, enrollment.id)


# --- SMTP -----------------------------------------------------------------------------------------


class Inbox:
    """aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpServer:
    """A real SMTP server on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self, **controller_options):
        self.port = free_port()
        self.inbox = Inbox()
        self.options = controller_options
        self.controller: Controller | None = None

    def start(self) -> "SmtpServer":
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **self.options)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def mailer(self, **options) -> SmtpMailer:
        """A mailer pointed at this server (plain SMTP unless told otherwise)."""
        options.setdefault("tls", "none")
        return SmtpMailer("127.0.0.1", self.port, sender="Stegvis <no-reply@stegvis.example.se>", timeout=5,
                          **options)


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 made with openssl (cert, key)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True)
    return cert, key


def server_tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    """What the test SMTP server presents."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


# --- SMS gateway ----------------------------------------------------------------------------------


class SmsGateway:
    """A local HTTP SMS gateway: records each POST (headers and JSON) and answers with `status`."""

    def __init__(self, token: str = SMS_TOKEN):
        self.token = token
        self.received: list[dict] = []
        self.status = 200
        #: when set, the first `barrier.parties` requests wait here for each other (proves that as many
        #: senders were handing over at the same time)
        self.barrier: threading.Barrier | None = None
        self._tickets = 0
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with gateway._lock:
                    ticket, gateway._tickets = gateway._tickets, gateway._tickets + 1
                if gateway.barrier is not None and ticket < gateway.barrier.parties:
                    gateway.barrier.wait()
                if self.headers.get("Authorization") != f"Bearer {gateway.token}":
                    self.send_response(401)
                else:
                    with gateway._lock:
                        gateway.received.append({"json": body, "headers": dict(self.headers)})
                    self.send_response(gateway.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format, *args):  # keep test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def start(self) -> "SmsGateway":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def gateway(self, token: str | None = SMS_TOKEN) -> HttpSmsGateway:
        return HttpSmsGateway(self.url, token=token, timeout=5)


@pytest.fixture
def smtp():
    """A running SMTP server on loopback (stopped after the test)."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def sms():
    """A running HTTP SMS gateway on loopback (stopped after the test)."""
    gateway = SmsGateway().start()
    yield gateway
    gateway.stop()


def transports(smtp: SmtpServer, sms: SmsGateway) -> Transports:
    """Real transports pointed at the test servers."""
    return Transports(email=smtp.mailer(), sms=sms.gateway())
