"""Contact details validated with email-validator / phonenumbers (no CR/LF); the SQLite file is 0600."""
import os
from datetime import timedelta
import stat

import pytest

from web.contact import EMAIL_ERROR, MOBILE_ERROR, email_problem, mobile_problem
from web.services.errors import ServiceError


@pytest.mark.parametrize("address", ["jane@example.se\r\nBcc: x@evil.example", "jane@example.se\n", "inte-en-adress",
                                     "a@b", "jane@@example.se"])
def test_bad_email_addresses_are_refused(address):
    assert email_problem(address) == EMAIL_ERROR


@pytest.mark.parametrize("number", ["0701234567\n", "08-123 456 78", "123", "07012345678901234", "abc"])
def test_bad_mobile_numbers_are_refused(number):
    assert mobile_problem(number) == MOBILE_ERROR


@pytest.mark.parametrize("value", ["070-123 45 67", "0701234567", "+46 70 123 45 67"])
def test_swedish_mobile_numbers_are_accepted(value):
    assert mobile_problem(value) is None


def test_patient_settings_refuse_a_header_injection(app, make_moment):
    from web.services.core import accounts

    patient = make_moment().patient
    with pytest.raises(ServiceError) as caught:
        accounts.update_settings(patient, mobile="", email="jane@example.se\r\nBcc: x@evil.example",
                                 notify_sms=False, notify_email=True)
    assert caught.value.fields == {"email": EMAIL_ERROR}


def test_starting_a_moment_refuses_a_bad_address(app, clinician, clock, db):
    from web.models import Patient
    from web.services.clinician import moments

    with pytest.raises(ServiceError) as caught:
        moments.start_moment(personnummer="196108312460", program_id="tobakshjalpen", user=clinician,
                             membership=clinician.memberships[0], now=clock(), first_name="Jane", last_name="Doe",
                             email="jane@example.se\nX: y", mobile="0701234567")
    assert caught.value.fields == {"email": EMAIL_ERROR}
    db.session.rollback()
    assert db.session.execute(db.select(Patient)).first() is None


def test_staff_profile_refuses_a_bad_mobile(client, clinician, login):
    login(clinician)
    response = client.post("/min-profil", data={"email": "marita@example.se", "mobile": "08-123 456 78"})
    assert MOBILE_ERROR in response.get_data(as_text=True)


def test_the_sqlite_database_file_is_private(app_config, tmp_path):
    from web import create_app

    path = tmp_path / "ny.db"
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    from web.extensions import db

    with app.app_context():  # write-ahead logging: its two files are as private as the database
        assert db.session.execute(db.text("PRAGMA journal_mode")).scalar() == "wal"
        db.session.execute(db.text("CREATE TABLE t (x)"))
        db.session.commit()
        for suffix in ("-wal", "-shm"):
            assert stat.S_IMODE(os.stat(f"{path}{suffix}").st_mode) == 0o600
        db.engine.dispose()


def test_flag_notices_to_a_clinician_are_batched(app, make_moment, clinician, clock, db):
    from web.models import Flag, Notice
    from web.notify.templates import render
    from web.services.core.notices import notify_staff_flag

    clinician.email, clinician.notify_email = "marita@example.se", True
    moment = make_moment()
    flags = [Flag(enrollment_id=moment.id, type="new_message", cause_key=f"c{n}", text="Nytt", raised_at=clock())
             for n in range(3)]
    db.session.add_all(flags)
    db.session.flush()
    for flag in flags:
        notify_staff_flag(clinician, moment, flag, clock())
    db.session.commit()
    notices = db.session.execute(db.select(Notice).where(Notice.template == "flag_raised")).scalars().all()
    assert len(notices) == 1 and notices[0].context["count"] == 3
    assert "Det finns 3 nya händelser hos dina invånare." in render("flag_raised", "email", "https://x.se/",
                                                                    notices[0].context).body
    notices[0].status, notices[0].sent_at = "sent", clock()
    clock.advance(minutes=5)
    later = Flag(enrollment_id=moment.id, type="new_message", cause_key="c9", text="Nytt", raised_at=clock())
    db.session.add(later)
    db.session.flush()
    (fresh,) = notify_staff_flag(clinician, moment, later, clock())
    assert fresh.next_attempt_at == notices[0].sent_at + timedelta(minutes=15)  # one per 15 minutes
