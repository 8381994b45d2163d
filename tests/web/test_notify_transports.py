"""Transports against real servers: SMTP plain/STARTTLS/TLS with login, the HTTP gateway, the file transports;
and the settings that choose them."""
from __future__ import annotations

import json
import ssl
from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest
from aiosmtpd.smtp import AuthResult

from notify_support import SmsGateway, SmtpServer, self_signed_cert, server_tls_context
from web.config import ConfigError, build_config
from web.notify.transports import (DeliveryError, FileMailer, FileSmsGateway, HttpSmsGateway, Outgoing,
                                   SmtpMailer, make_transports, normalize_mobile)

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _mail(to="marita.andersson@example.se", ref="notice-1-abc"):
    return Outgoing(to, "Ny händelse i Stegvis", "Hej!\n\nLogga in.\n", ref, AT)


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


class Credentials:
    """aiosmtpd authenticator accepting one user name and password."""

    def __init__(self):
        self.seen = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        self.seen.append((mechanism, auth_data.login, auth_data.password))
        # handled=False: the server answers 535 itself, as a real one does
        return AuthResult(success=(auth_data.login, auth_data.password) == (b"stegvis", b"hemligt"), handled=False)


def _client_context(cert) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert[0]))


def test_starttls_with_login_delivers_to_a_server_that_requires_both(cert):
    auth = Credentials()
    server = SmtpServer(tls_context=server_tls_context(*cert), require_starttls=True, authenticator=auth,
                        auth_require_tls=True, auth_required=True).start()
    try:
        server.mailer(tls="starttls", user="stegvis", password="hemligt", ssl_context=_client_context(cert)).send(
            _mail())
    finally:
        server.stop()
    assert auth.seen and auth.seen[-1][1:] == (b"stegvis", b"hemligt")
    [mail] = server.inbox.messages
    assert mail["To"] == "marita.andersson@example.se"
    assert mail["Message-ID"] == "<notice-1-abc@stegvis.example.se>"


def test_a_wrong_password_is_a_failure_worth_retrying(cert):
    server = SmtpServer(tls_context=server_tls_context(*cert), require_starttls=True, authenticator=Credentials(),
                        auth_require_tls=True, auth_required=True).start()
    try:
        with pytest.raises(DeliveryError) as caught:
            server.mailer(tls="starttls", user="stegvis", password="fel", ssl_context=_client_context(cert)).send(
                _mail())
    finally:
        server.stop()
    assert not caught.value.permanent
    assert "SMTPAuthenticationError" in str(caught.value)
    assert server.inbox.messages == []


def test_implicit_tls_delivers_and_an_untrusted_certificate_is_refused(cert):
    server = SmtpServer(ssl_context=server_tls_context(*cert)).start()
    try:
        server.mailer(tls="tls", ssl_context=_client_context(cert)).send(_mail())
        with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED"):
            server.mailer(tls="tls").send(_mail(ref="notice-2-abc"))  # the system's CAs do not know it
    finally:
        server.stop()
    assert len(server.inbox.messages) == 1


def test_a_stopped_smtp_server_is_a_failure_worth_retrying():
    server = SmtpServer()  # never started: nothing listens on its port
    with pytest.raises(DeliveryError) as caught:
        server.mailer().send(_mail())
    assert not caught.value.permanent and "ConnectionRefusedError" in str(caught.value)


@pytest.fixture
def gateway():
    gw = SmsGateway().start()
    yield gw
    gw.stop()


@pytest.mark.parametrize(("status", "permanent"), [(400, True), (404, True), (429, False), (500, False),
                                                   (503, False)])
def test_the_http_gateway_tells_permanent_from_passing_failures(gateway, status, permanent):
    gateway.status = status
    with pytest.raises(DeliveryError, match=f"HTTP {status}") as caught:
        gateway.gateway().send(Outgoing("070-174 06 05", "", "Logga in.", "notice-3-abc", AT))
    assert caught.value.permanent is permanent


def test_the_http_gateway_posts_the_configured_json_body_with_the_token(gateway):
    body = '{"recipients": ["{to}"], "text": "{message}", "meta": {"ref": "{reference}", "from": "{sender}"}}'
    HttpSmsGateway(gateway.url, token="gateway-token-123", sender="Vården", body=body).send(
        Outgoing("0046 70-174 06 05", "", 'Logga in "nu".', "notice-4-abc", AT))
    [got] = gateway.received
    assert got["json"] == {"recipients": ["+46701740605"], "text": 'Logga in "nu".',
                           "meta": {"ref": "notice-4-abc", "from": "Vården"}}
    assert got["headers"]["Idempotency-Key"] == "notice-4-abc"


def test_a_wrong_token_is_refused_by_the_gateway_and_not_retried(gateway):
    with pytest.raises(DeliveryError, match="HTTP 401") as caught:
        gateway.gateway(token="fel").send(Outgoing("0701740605", "", "Logga in.", "notice-5-abc", AT))
    assert caught.value.permanent


@pytest.mark.parametrize(("given", "expected"), [("070-174 06 05", "+46701740605"), ("+46701740605", "+46701740605"),
                                                 ("0046701740605", "+46701740605"), ("(070) 174.06.05", "+46701740605")])
def test_mobile_numbers_are_sent_in_international_form(given, expected):
    assert normalize_mobile(given) == expected


def test_a_number_that_is_not_a_number_fails_for_good():
    with pytest.raises(DeliveryError, match="ogiltigt mobilnummer 'ring mig'") as caught:
        normalize_mobile("ring mig")
    assert caught.value.permanent


def test_the_file_transports_write_a_readable_eml_and_one_log_line_per_sms(tmp_path):
    FileMailer(tmp_path / "mail").send(_mail())
    FileMailer(tmp_path / "mail").send(_mail())  # the same notice again overwrites, never duplicates
    [eml] = list((tmp_path / "mail").iterdir())
    assert eml.name == "notice-1-abc.eml"
    mail = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert (mail["To"], mail["Subject"]) == ("marita.andersson@example.se", "Ny händelse i Stegvis")
    sms = FileSmsGateway(tmp_path / "sms.log")
    sms.send(Outgoing("070-174 06 05", "", "Logga in. https://x.se/", "notice-6-abc", AT))
    sms.send(Outgoing("070-174 06 05", "", "Igen.", "notice-7-abc", AT))
    assert (tmp_path / "sms.log").read_text().splitlines() == [
        "2026-03-02T09:00:00+00:00\t+46701740605\tLogga in. https://x.se/\tnotice-6-abc",
        "2026-03-02T09:00:00+00:00\t+46701740605\tIgen.\tnotice-7-abc",
    ]


# --- settings ---------------------------------------------------------------------------------


def test_without_smtp_settings_the_demo_writes_both_channels_to_files(tmp_path):
    config = build_config({"TESTING": True, "DATA_DIR": str(tmp_path)}, env={})
    chosen = make_transports(config)
    assert isinstance(chosen.email, FileMailer) and chosen.email.folder == tmp_path / "outbox" / "mail"
    assert isinstance(chosen.sms, FileSmsGateway) and chosen.sms.path == tmp_path / "outbox" / "sms.log"
    assert (config["SMS_QUIET_HOURS"], config["NOTICE_MAX_ATTEMPTS"]) == ("21:00-08:00", 8)


def test_the_environment_chooses_smtp_and_the_http_gateway(tmp_path):
    env = {"STEGVIS_SMTP_HOST": "smtp.example.se", "STEGVIS_SMTP_TLS": "tls", "STEGVIS_SMTP_USER": "stegvis",
           "STEGVIS_SMTP_PASSWORD": "hemligt", "STEGVIS_MAIL_FROM": "Stegvis <no-reply@example.se>",
           "STEGVIS_SMS_GATEWAY": "http", "STEGVIS_SMS_URL": "https://sms.example.se/send",
           "STEGVIS_SMS_TOKEN": "t0k3n", "STEGVIS_BASE_URL": "https://stegvis.example.se/"}
    config = build_config({"TESTING": True, "DATA_DIR": str(tmp_path)}, env=env)
    chosen = make_transports(config)
    assert isinstance(chosen.email, SmtpMailer)
    assert (chosen.email.host, chosen.email.port, chosen.email.tls, chosen.email.user) == (
        "smtp.example.se", 465, "tls", "stegvis")
    assert isinstance(chosen.sms, HttpSmsGateway)
    assert (chosen.sms.url, chosen.sms.token) == ("https://sms.example.se/send", "t0k3n")
    assert config["BASE_URL"] == "https://stegvis.example.se"


def test_the_config_file_values_win_over_the_environment(tmp_path):
    config = build_config({"TESTING": True, "DATA_DIR": str(tmp_path), "SMTP_PORT": 2525, "SMTP_TLS": "none"},
                          env={"STEGVIS_SMTP_PORT": "587"})
    assert (config["SMTP_PORT"], config["SMTP_TLS"]) == (2525, "none")


def test_every_bad_notice_setting_is_reported_at_once():
    env = {"STEGVIS_SMTP_HOST": "smtp.example.se", "STEGVIS_SMTP_PORT": "70000", "STEGVIS_SMTP_TLS": "ssl",
           "STEGVIS_SMTP_USER": "stegvis", "STEGVIS_SMS_GATEWAY": "carrier-pigeon", "STEGVIS_BASE_URL": "stegvis.se",
           "STEGVIS_SMS_QUIET_HOURS": "kväll", "STEGVIS_NOTICE_MAX_ATTEMPTS": "0", "STEGVIS_SMS_BODY": "[1]"}
    with pytest.raises(ConfigError) as caught:
        build_config({"TESTING": True}, env=env)
    assert caught.value.problems == [
        "STEGVIS_SMTP_TLS: expected one of none, starttls, tls, received 'ssl'",
        "STEGVIS_SMTP_PORT: expected a port number (1–65535), received '70000'",
        "STEGVIS_MAIL_FROM: expected the sender address for e-mail notices (e.g. Stegvis <no-reply@example.se>), "
        "received nothing",
        "STEGVIS_SMTP_PASSWORD: expected STEGVIS_SMTP_USER and STEGVIS_SMTP_PASSWORD together, received only one "
        "of them",
        "STEGVIS_SMS_GATEWAY: expected one of file, http, received 'carrier-pigeon'",
        'STEGVIS_SMS_BODY: expected a JSON object such as {"to": "{to}", "message": "{message}", "from": '
        '"{sender}", "reference": "{reference}"}, received \'[1]\'',
        "STEGVIS_BASE_URL: expected the site's address such as https://stegvis.example.se, received 'stegvis.se'",
        "STEGVIS_SMS_QUIET_HOURS: expected HH:MM-HH:MM such as 21:00-08:00, received 'kväll' (or off)",
        "STEGVIS_NOTICE_MAX_ATTEMPTS: expected a number of attempts (1–100), received '0'",
    ]
    json.dumps(caught.value.problems)  # plain strings, printable by the CLI
