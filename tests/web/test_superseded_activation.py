"""Issue 13.3: notices carrying a superseded activation link are cancelled, never delivered."""
from __future__ import annotations

import email
from datetime import timedelta

import pytest

from notify_support import BASE_URL, seed, sthlm
from web.extensions import db
from web.models import Notice
from web.notify.delivery import deliver_due
from web.notify.transports import FileMailer, FileSmsGateway, Transports
from web.services.clinician.staff import create_staff
from web.services.core import accounts

pytestmark = pytest.mark.app_config(BASE_URL=BASE_URL)

EVENING = sthlm(2026, 3, 2, 22)  # SMS quiet hours (21:00–08:00)
PASSWORD = "ett-langt-demolosenord"


@pytest.fixture
def files(tmp_path):
    return Transports(email=FileMailer(tmp_path / "mail"), sms=FileSmsGateway(tmp_path / "sms.log"))


def _sent(tmp_path) -> str:
    """Every SMS line and every decoded e-mail body written so far."""
    sms = (tmp_path / "sms.log").read_text() if (tmp_path / "sms.log").exists() else ""
    mails = sorted((tmp_path / "mail").iterdir()) if (tmp_path / "mail").exists() else []
    bodies = [part.get_payload(decode=True).decode() for path in mails
              for part in email.message_from_bytes(path.read_bytes()).walk() if not part.is_multipart()]
    return sms + "".join(bodies)


def _statuses():
    return sorted((n.channel, n.status) for n in db.session.execute(
        db.select(Notice).where(Notice.template == "patient_activation")).scalars())


def _token(link: str) -> str:
    return link.rsplit("/", 1)[-1]


def test_after_a_new_link_only_the_new_link_is_delivered_when_quiet_hours_end(app, files, tmp_path):
    world = seed(EVENING)
    (old,) = {n.context["url"] for n in db.session.execute(db.select(Notice)).scalars()}
    new = accounts.new_activation_link(world.enrollment, user=world.user, membership=world.membership,
                                       now=EVENING + timedelta(minutes=30))
    assert _statuses() == [("email", "cancelled"), ("email", "queued"), ("sms", "cancelled"), ("sms", "queued")]

    report = deliver_due(sthlm(2026, 3, 3, 8, 30), transports=files)

    assert report.sent == 2
    sent = _sent(tmp_path)
    assert sent.count(_token(new)) == 2 and _token(old) not in sent
    assert _statuses() == [("email", "cancelled"), ("email", "sent"), ("sms", "cancelled"), ("sms", "sent")]


def test_activating_cancels_the_link_notices_still_waiting(app, files, tmp_path):
    world = seed(EVENING)
    (link,) = {n.context["url"] for n in db.session.execute(db.select(Notice)).scalars()}
    email = db.session.execute(db.select(Notice).where(Notice.channel == "email")).scalar_one()
    email.status = "sent"  # the e-mail went out at once; the SMS waits for the morning
    db.session.commit()
    accounts.activate(_token(link), "hemligt-och-langt", "hemligt-och-langt", EVENING + timedelta(hours=1))

    assert deliver_due(sthlm(2026, 3, 3, 8, 30), transports=files).sent == 0
    assert _token(link) not in _sent(tmp_path)
    assert _statuses() == [("email", "sent"), ("sms", "cancelled")]


def test_the_notices_admin_page_shows_a_cancelled_notice_and_why(app, client):
    world = seed(EVENING)
    create_staff(world.user.memberships[0].care_unit, username="admin", name="Ada Admin", password=PASSWORD,
                 roles=["invanaradmin"])
    accounts.new_activation_link(world.enrollment, user=world.user, membership=world.membership,
                                 now=EVENING + timedelta(minutes=30))
    assert client.post("/logga-in", data={"username": "admin", "password": PASSWORD}).status_code == 302
    page = client.get("/administration/aviseringar").get_data(as_text=True)
    assert "Avbrutna aviseringar" in page
    assert page.count("Avbruten – länken ersattes") == 2
    assert "070-174 06 05" in page and "jane.doe@example.se" in page
