"""Administrators see the notices that gave up, and can send them again."""
from __future__ import annotations

from datetime import timedelta

import pytest

from notify_support import BASE_URL, SmsGateway, seed, sthlm
from web.extensions import db
from web.models import CareUnit, Notice, Region, User
from web.notify.delivery import deliver_due
from web.notify.transports import FileMailer, Transports
from web.auth.core.passwords import hash_password
from web.services.core import messages as message_service
from web.services.clinician.staff import create_staff

pytestmark = pytest.mark.app_config(BASE_URL=BASE_URL)

T0 = sthlm(2026, 3, 2, 10)
PASSWORD = "demo1234"


@pytest.fixture
def failed_sms(app, clock, tmp_path):
    """Jane's SMS about a new message, refused by the gateway (HTTP 400); Ada Admin is Invånaradmin."""
    app.config["NOTICE_MAX_ATTEMPTS"] = 1
    clock.at = T0 + timedelta(days=1)
    gateway = SmsGateway().start()
    gateway.status = 400
    try:
        world = seed(T0)
        admin = create_staff(world.user.memberships[0].care_unit, username="admin", name="Ada Admin", password=None,
                             roles=["invanaradmin"])
        admin.password_hash = hash_password(PASSWORD)  # the demo password, below the policy for new passwords
        db.session.execute(db.delete(Notice))
        message_service.send_as_clinician(world.enrollment, body="Hej!", subject="Hej", user=world.user,
                                          membership=world.membership, now=T0, notify=True)
        deliver_due(T0, transports=Transports(email=FileMailer(tmp_path / "mail"), sms=gateway.gateway()))
    finally:
        gateway.stop()
    notice = db.session.execute(db.select(Notice).where(Notice.channel == "sms")).scalar_one()
    assert notice.status == "failed"
    return notice.id


def _login(client, username):
    response = client.post("/logga-in", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_the_administration_page_counts_failed_notices_and_lists_them_with_the_error(client, failed_sms):
    _login(client, "admin")
    page = client.get("/administration").get_data(as_text=True)
    assert "1 avisering gick inte fram." in page
    listing = client.get("/administration/aviseringar").get_data(as_text=True)
    assert "Nytt meddelande" in listing and "Sms" in listing and "070-174 06 05" in listing
    assert "HTTP 400" in listing


def test_forsok_igen_puts_a_failed_notice_back_in_the_queue(client, failed_sms):
    _login(client, "admin")
    response = client.post(f"/administration/aviseringar/{failed_sms}/forsok-igen")
    assert response.status_code == 302
    db.session.expire_all()
    notice = db.session.get(Notice, failed_sms)
    assert (notice.status, notice.attempts, notice.next_attempt_at) == ("queued", 0, T0 + timedelta(days=1))
    assert "Alla aviseringar har gått fram." in client.get("/administration/aviseringar").get_data(as_text=True)
    assert client.post(f"/administration/aviseringar/{failed_sms}/forsok-igen").status_code == 404


def test_a_clinician_without_the_admin_role_may_not_see_or_retry(client, failed_sms):
    marita = db.session.execute(db.select(User).where(User.username == "marita.andersson")).scalar_one()
    marita.password_hash = hash_password(PASSWORD)
    db.session.commit()
    _login(client, "marita.andersson")
    assert client.get("/administration/aviseringar").status_code == 403
    assert client.post(f"/administration/aviseringar/{failed_sms}/forsok-igen").status_code == 403


def test_an_administrator_of_another_unit_does_not_see_the_notice(client, failed_sms):
    region = db.session.execute(db.select(Region)).scalar_one()
    other = CareUnit(region=region, name="Vårdcentralen Norr")
    db.session.add(other)
    db.session.commit()
    norr = create_staff(other, username="norr.admin", name="Nils Norr", password=None, roles=["invanaradmin"])
    norr.password_hash = hash_password(PASSWORD)
    db.session.commit()
    _login(client, "norr.admin")
    assert "Alla aviseringar har gått fram." in client.get("/administration/aviseringar").get_data(as_text=True)
    assert client.post(f"/administration/aviseringar/{failed_sms}/forsok-igen").status_code == 404
