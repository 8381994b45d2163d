"""Acceptance: notices reach a real SMTP server and a real HTTP SMS gateway, are retried while a
server is down, wait out quiet hours, and give up visibly after the last attempt.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from notify_support import BASE_URL, SmtpServer, seed, start, sthlm, transports
from web.extensions import db
from web.models import Message, Notice
from web.notify.delivery import deliver_due
from web.services.clinician import flags as flag_service
from web.services.core import messages as message_service
from web.services.clinician import moments as moment_service
from web.services.errors import ServiceError
from web.services.operations.tick import run_tick

pytestmark = pytest.mark.app_config(BASE_URL=BASE_URL)

T0 = sthlm(2026, 3, 2, 10)


@pytest.fixture
def world(app):
    """Jane's moment; its activation notices are left out so each test counts only its own."""
    world = seed(T0)
    db.session.execute(db.delete(Notice))
    db.session.commit()
    return world


def _to(address: str, smtp: SmtpServer) -> list:
    """Mails the SMTP server accepted for one address."""
    return [m for m, (_, rcpt) in zip(smtp.inbox.messages, smtp.inbox.envelopes) if rcpt == [address]]


def _notices(template: str) -> list[Notice]:
    return list(db.session.execute(db.select(Notice).where(Notice.template == template).order_by(Notice.id)).scalars())


def test_the_clinician_receives_an_email_when_a_subscribed_flag_is_raised(world, smtp, sms):
    flag_service.add_subscription(world.user, world.enrollment, "patient_inactivity", {"days": 7},
                                  all_moments=False, now=T0)
    quiet = run_tick(T0 + timedelta(days=6), transports=transports(smtp, sms))
    assert quiet.flags == 0 and _to("marita.andersson@example.se", smtp) == []

    report = run_tick(T0 + timedelta(days=7, minutes=1), transports=transports(smtp, sms))

    assert report.flags == 1
    [mail] = _to("marita.andersson@example.se", smtp)
    assert mail["Subject"] == "Ny händelse i Stegvis"
    body = mail.get_content()
    assert "Det finns en ny händelse hos en av dina invånare. Logga in för att se den." in body
    assert f"{BASE_URL}/logga-in" in body
    assert "Jane" not in body and "Doe" not in body and "Tobakshjälpen" not in body
    [notice] = _notices("flag_raised")
    assert (notice.status, notice.attempts, notice.sent_at) == ("sent", 1, T0 + timedelta(days=7, minutes=1))
    assert all(s["json"]["to"] == "+46701740605" for s in sms.received)  # Marita asked for e-mail only


def test_the_patient_receives_an_sms_for_a_message_sent_with_the_notice_ticked(world, smtp, sms):
    now = T0 + timedelta(hours=2)
    message, queued = message_service.send_as_clinician(
        world.enrollment, body="Hur går det med rökstoppet? Dina svar på Fagerström ser bra ut.",
        subject="Uppföljning", user=world.user, membership=world.membership, now=now, notify=True)
    assert sorted(n.channel for n in queued) == ["email", "sms"]

    run_tick(now, transports=transports(smtp, sms))

    [sent] = sms.received
    assert sent["json"]["to"] == "+46701740605"
    assert sent["json"]["message"] == (
        "Du har ett nytt meddelande från din behandlare. Logga in för att läsa det. "
        f"{BASE_URL}/invanare/logga-in")
    assert sent["headers"]["Authorization"] == "Bearer gateway-token-123"
    assert [rcpt for _, rcpt in smtp.inbox.envelopes] == [["jane.doe@example.se"]]
    assert "Fagerström" not in smtp.inbox.messages[0].get_content()
    assert {n.status for n in _notices("new_message")} == {"sent"}


def test_a_message_without_the_notice_ticked_queues_nothing(world):
    message_service.send_as_clinician(world.enrollment, body="Hej!", subject="Hej", user=world.user,
                                      membership=world.membership, now=T0 + timedelta(hours=1), notify=False)
    assert _notices("new_message") == []


def test_a_message_that_is_rejected_leaves_no_notice_behind(world):
    moment_service.end_moment(world.enrollment, "genomford", user=world.user, membership=world.membership,
                              now=T0 + timedelta(days=1))
    with pytest.raises(ServiceError):
        message_service.send_as_clinician(world.enrollment, body="Hej!", subject="Hej", user=world.user,
                                          membership=world.membership, now=T0 + timedelta(days=2), notify=True)
    assert db.session.execute(db.select(db.func.count(Message.id))).scalar_one() == 0
    assert _notices("new_message") == []


def test_with_the_smtp_server_stopped_the_notice_is_retried_and_delivered_once_it_is_back(world, smtp, sms):
    now = T0 + timedelta(hours=3)
    message_service.send_as_clinician(world.enrollment, body="Hej!", subject="Hej", user=world.user,
                                      membership=world.membership, now=now, notify=True)
    smtp.stop()

    first = deliver_due(now, transports=transports(smtp, sms))
    [mail] = [n for n in _notices("new_message") if n.channel == "email"]
    assert (first.sent, first.retried) == (1, 1)  # the SMS went, the e-mail did not
    assert (mail.status, mail.attempts) == ("queued", 1)
    assert mail.next_attempt_at == now + timedelta(minutes=1)
    assert "SMTP 127.0.0.1" in mail.last_error

    not_yet = deliver_due(now + timedelta(seconds=59), transports=transports(smtp, sms))
    assert not_yet.handled == 0

    second = deliver_due(now + timedelta(minutes=1), transports=transports(smtp, sms))
    db.session.refresh(mail)
    assert second.retried == 1
    assert (mail.status, mail.attempts, mail.next_attempt_at) == ("queued", 2, now + timedelta(minutes=3))

    smtp.start()
    back = deliver_due(now + timedelta(minutes=3), transports=transports(smtp, sms))
    db.session.refresh(mail)
    assert back.sent == 1
    assert (mail.status, mail.attempts, mail.last_error) == ("sent", 3, None)
    assert [rcpt for _, rcpt in smtp.inbox.envelopes] == [["jane.doe@example.se"]]
    assert len(sms.received) == 1
    assert deliver_due(now + timedelta(hours=1), transports=transports(smtp, sms)).handled == 0


def test_a_notice_that_keeps_failing_is_marked_failed_after_the_last_attempt(app, world, smtp, sms):
    app.config["NOTICE_MAX_ATTEMPTS"] = 4
    now = T0 + timedelta(hours=3)
    message_service.send_as_clinician(world.enrollment, body="Hej!", subject="Hej", user=world.user,
                                      membership=world.membership, now=now, notify=True)
    smtp.stop()
    at = now
    outcomes = []
    for _ in range(4):  # NOTICE_MAX_ATTEMPTS = 4
        report = deliver_due(at, transports=transports(smtp, sms))
        outcomes.append((report.retried, report.failed))
        [mail] = [n for n in _notices("new_message") if n.channel == "email"]
        at = mail.next_attempt_at
    assert outcomes == [(1, 0), (1, 0), (1, 0), (0, 1)]
    assert (mail.status, mail.attempts) == ("failed", 4)
    assert deliver_due(at + timedelta(days=1), transports=transports(smtp, sms)).handled == 0


def test_a_gateway_that_refuses_the_number_fails_the_sms_at_once(world, smtp, sms):
    sms.status = 400
    now = T0 + timedelta(hours=3)
    message_service.send_as_clinician(world.enrollment, body="Hej!", subject="Hej", user=world.user,
                                      membership=world.membership, now=now, notify=True)
    report = deliver_due(now, transports=transports(smtp, sms))
    [text] = [n for n in _notices("new_message") if n.channel == "sms"]
    assert (report.failed, text.status, text.attempts) == (1, "failed", 1)
    assert "HTTP 400" in text.last_error


def test_an_sms_in_quiet_hours_waits_until_eight_and_is_never_dropped(world, smtp, sms):
    evening = sthlm(2026, 3, 3, 21, 30)
    message_service.send_as_clinician(world.enrollment, body="Hej!", subject="Hej", user=world.user,
                                      membership=world.membership, now=evening, notify=True)
    night = deliver_due(evening, transports=transports(smtp, sms))
    [text] = [n for n in _notices("new_message") if n.channel == "sms"]
    assert (night.sent, night.postponed) == (1, 1)  # the e-mail goes at once
    assert (text.status, text.attempts, text.next_attempt_at) == ("queued", 0, sthlm(2026, 3, 4, 8))
    assert sms.received == []

    assert deliver_due(sthlm(2026, 3, 4, 7, 59), transports=transports(smtp, sms)).handled == 0
    morning = deliver_due(sthlm(2026, 3, 4, 8), transports=transports(smtp, sms))
    assert morning.sent == 1 and len(sms.received) == 1


# --- a new moment for a patient who already has an account ----------------------------------------


def _has_account(world):
    from web.services.core.accounts import set_password

    set_password(world.patient, "hemligt-123")
    db.session.commit()


def test_a_patient_with_an_account_is_told_of_a_new_moment_on_both_channels_without_naming_it(world, smtp, sms):
    _has_account(world)
    now = T0 + timedelta(days=1)

    second = start(world.user, now)

    assert [(n.channel, n.address, n.enrollment_id, n.idempotency_key) for n in _notices("moment_started")] == [
        ("sms", "070-174 06 05", second.id, f"moment_started:{second.id}:sms"),
        ("email", "jane.doe@example.se", second.id, f"moment_started:{second.id}:email")]
    assert _notices("patient_activation") == []
    run_tick(now, transports=transports(smtp, sms))
    [text] = sms.received
    assert text["json"]["message"] == ("Din behandlare har gett dig tillgång till ett nytt stöd. "
                                       f"Logga in för att komma igång. {BASE_URL}/invanare/logga-in")
    [mail] = _to("jane.doe@example.se", smtp)
    assert mail["Subject"] == "Välkommen till Stegvis"
    body = mail.get_content()
    assert "Din behandlare har gett dig tillgång till ett nytt stöd." in body
    assert "Tobakshjälpen" not in body and "Inledning" not in body and "Jane" not in body


def test_the_new_moment_notice_goes_only_to_the_channels_the_patient_turned_on(world):
    _has_account(world)
    patient = world.patient
    patient.notify_sms = False  # the mobile number is known, but SMS notices are off
    db.session.commit()
    email_only = start(world.user, T0 + timedelta(days=1))
    patient.notify_email = False
    db.session.commit()
    start(world.user, T0 + timedelta(days=2))
    assert [(n.channel, n.enrollment_id) for n in _notices("moment_started")] == [("email", email_only.id)]


def test_the_new_moment_notice_is_queued_once_per_moment(world):
    from web.services.core.notices import notify_patient_moment_started

    _has_account(world)
    second = start(world.user, T0 + timedelta(days=1))
    assert notify_patient_moment_started(second, T0 + timedelta(days=1, minutes=1)) == []
    third = start(world.user, T0 + timedelta(days=2))
    assert [n.enrollment_id for n in _notices("moment_started")] == [second.id, second.id, third.id, third.id]


def test_a_patient_without_an_account_gets_the_activation_link_instead(world):
    second = start(world.user, T0 + timedelta(days=1))
    assert _notices("moment_started") == []
    assert [(n.channel, n.enrollment_id) for n in _notices("patient_activation")] == [
        ("sms", second.id), ("email", second.id)]
