"""Inställningar editable by Behörighetsadmin (issue 13, point 7): stored per unit, audited, applied where they act."""
from datetime import timedelta

import pytest

from html_assert import elements
from patient_support import with_alla_typer
from web.models import Enrollment, FlagSubscription, UnitSettingChange

pytestmark = pytest.mark.app_config(PROGRAMS=with_alla_typer)  # a second program: alla-typer


@pytest.fixture
def admin(make_staff):
    return make_staff("admin", roles="behandlare behorighetsadmin", name="Ada Admin")


def _save(client, **overrides):
    data = {"offered": ["tobakshjalpen"], "default_flags": ["new_message"], "quiet_hours": "20:00-09:00",
            "maintain_days": "30", "welcome-tobakshjalpen": "Välkommen till oss på Utbildningsenheten!"}
    data.update(overrides)
    return client.post("/installningar", data=data, follow_redirects=True).get_data(as_text=True)


def test_a_clinician_without_the_role_cannot_change_settings(client, login, clinician):
    login(clinician)
    assert client.post("/installningar", data={"quiet_hours": "20:00-09:00"}).status_code == 403


def test_settings_are_saved_and_every_change_is_audited(client, login, admin, db, unit, programs):
    login(admin)
    page = _save(client)
    assert "Inställningarna är sparade." in page
    assert elements(page, "input", id="tysta-timmar", value="20:00-09:00")
    assert elements(page, "input", id="flagga-new_message", checked=True)
    rows = db.session.execute(db.select(UnitSettingChange).order_by(UnitSettingChange.id)).scalars().all()
    changed = {(r.key, r.program_id): (r.user_id, r.old_value, r.new_value) for r in rows}
    assert changed[("quiet_hours", "")] == (admin.id, None, "20:00-09:00")
    assert changed[("maintain_days", "")] == (admin.id, None, 30)
    assert changed[("default_flags", "")] == (admin.id, None, ["new_message"])
    assert changed[("welcome_text", "tobakshjalpen")][2] == "Välkommen till oss på Utbildningsenheten!"
    assert "Ada Admin ändrade tysta timmar" in page
    assert "Inget ändrades." in _save(client)
    assert db.session.execute(db.select(db.func.count(UnitSettingChange.id))).scalar_one() == len(rows)


def test_bad_quiet_hours_are_refused(client, login, admin, db):
    login(admin)
    assert "Tysta timmar anges som TT:MM-TT:MM" in _save(client, quiet_hours="kväll")
    assert db.session.execute(db.select(db.func.count(UnitSettingChange.id))).scalar_one() == 0


def test_a_new_moment_gets_the_units_welcome_text_flags_and_only_offered_programs(client, login, admin, db, clock,
                                                                                   make_moment, programs):
    login(admin)
    _save(client)
    new_page = client.post("/moment/nytt", data={"personnummer": "19881124-4568"}).get_data(as_text=True)
    assert [o["value"] for o in elements(new_page, "option")] == ["tobakshjalpen"]
    moment = make_moment(user=admin)
    db.session.expire_all()
    moment = db.session.get(Enrollment, moment.id)
    assert moment.welcome_text == "Välkommen till oss på Utbildningsenheten!"
    subs = db.session.execute(db.select(FlagSubscription.type, FlagSubscription.user_id, FlagSubscription.enrollment_id)).all()
    assert [tuple(s) for s in subs] == [("new_message", admin.id, moment.id)]
    hantera = client.get(f"/moment/{moment.id}/hantera").get_data(as_text=True)
    assert elements(hantera, "input", id="until", value=(clock().date() + timedelta(days=30)).isoformat())


def test_delivery_uses_the_units_quiet_hours_for_its_patients(client, login, admin, db, make_moment, app):
    from web.models import Notice
    from web.notify.delivery import _quiet_hours

    login(admin)
    _save(client)
    moment = make_moment(user=admin)
    notice = Notice(channel="sms", recipient_kind="patient", enrollment_id=moment.id)
    assert _quiet_hours(notice, {"SMS_QUIET_HOURS": "21:00-08:00"}) == "20:00-09:00"
    staff_notice = Notice(channel="sms", recipient_kind="staff", enrollment_id=moment.id)
    assert _quiet_hours(staff_notice, {"SMS_QUIET_HOURS": "21:00-08:00"}) == "21:00-08:00"


def test_the_working_days_before_an_unhandled_urgent_flag_reaches_behorighetsadmin_are_a_setting(
        client, login, admin, db, unit):
    from web.services.core.unit_settings import unit_settings

    login(admin)
    page = _save(client, urgent_escalation_days="3")
    assert "Inställningarna är sparade." in page
    assert elements(page, "input", id="bradskande-dagar", value="3")
    assert unit_settings(unit.id).urgent_escalation_days == 3
    assert "Ada Admin ändrade brådskande flaggor till Behörighetsadmin, arbetsdagar" in page
    assert "Brådskande flaggor kan vänta 1–10 arbetsdagar." in _save(client, urgent_escalation_days="11")
    assert unit_settings(unit.id).urgent_escalation_days == 3  # refused: 1–10 working days
