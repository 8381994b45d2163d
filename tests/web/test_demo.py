"""`stegvis demo`: the seeded region, unit, staff and patients; running it twice changes nothing."""
from click.testing import CliRunner

from cli import main
from commands.operators import demo_data as demo
from web.models import (CareUnit, Conversation, Enrollment, Event, FlagSubscription, FormResponse, Message, Patient,
                        Region, StepProgress, User)

MODELS = (Region, CareUnit, User, Patient, Enrollment, Event, FormResponse, Message, Conversation, StepProgress,
          FlagSubscription)


def _counts(db):
    return {m.__name__: db.session.execute(db.select(db.func.count()).select_from(m)).scalar_one() for m in MODELS}


def test_seeding_twice_creates_nothing_new(app, db, clock):
    demo.seed(app, clock())
    first = _counts(db)
    clock.advance(days=1)
    demo.seed(app, clock())
    assert _counts(db) == first
    assert (first["Region"], first["User"], first["Patient"], first["Enrollment"]) == (1, 2, 3, 2)


def test_jane_doe_is_mid_program(app, db, clock):
    demo.seed(app, clock())
    jane = db.session.execute(db.select(Patient).where(Patient.personnummer == "196108312460")).scalar_one()
    moment = db.session.execute(db.select(Enrollment).where(Enrollment.patient_id == jane.id)).scalar_one()
    assert moment.clinician.username == "marita.andersson"
    assert moment.care_unit.display_name == "Region Jönköpings län, Utbildningsenhet"
    progress = {(s.module_id, s.step_id): s.status for s in moment.steps}
    assert progress[("steg-1", "motivation")] == "done" and progress[("steg-1", "tobaksvanor")] == "started"
    assert db.session.execute(db.select(FormResponse.status)).scalar_one() == "submitted"
    senders = db.session.execute(db.select(Message.sender_kind).order_by(Message.id)).scalars().all()
    assert senders == ["clinician", "patient"]
    welcome = db.session.execute(db.select(Message).where(Message.sender_kind == "clinician")).scalar_one()
    assert welcome.read_by_patient_at is not None  # Jane read it before she replied
    assert jane.last_login is not None


def test_the_demo_logins_work(app, client, clock):
    demo.seed(app, clock())
    for username in ("marita.andersson", "admin"):
        response = client.post("/logga-in", data={"username": username, "password": demo.PASSWORD})
        assert response.status_code == 302
        client.post("/logga-ut")


def test_the_demo_command_seeds_prints_the_logins_and_keeps_its_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("STEGVIS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    runner = CliRunner()
    first = runner.invoke(main, ["demo", "--seed-only"])
    assert first.exit_code == 0, first.output
    assert "marita.andersson / demo1234" in first.output and "admin / demo1234" in first.output
    assert "http://127.0.0.1:5000/" in first.output
    key = (tmp_path / "secret_key").read_text()
    assert len(key) == 64 and (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    second = runner.invoke(main, ["demo", "--seed-only", "--port", "5001"])
    assert second.exit_code == 0, second.output
    assert "http://127.0.0.1:5001/" in second.output
    assert (tmp_path / "secret_key").read_text() == key
    assert (tmp_path / "stegvis.db").exists()


def test_db_upgrade_command_creates_the_database(tmp_path, monkeypatch):
    monkeypatch.setenv("STEGVIS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "Databasen är uppgraderad till head." in result.output


def test_db_upgrade_without_secret_key_fails_cleanly(tmp_path, monkeypatch):
    monkeypatch.setenv("STEGVIS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 1
    assert "error: SECRET_KEY: expected a random string" in result.output


def test_marita_is_told_about_new_messages_submitted_forms_and_inactivity(app, db, clock):
    demo.seed(app, clock())
    subs = db.session.execute(db.select(FlagSubscription).join(User).where(
        User.username == "marita.andersson")).scalars().all()
    assert sorted((s.type, s.enrollment_id) for s in subs) == [
        ("form_saved", None), ("new_message", None), ("patient_inactivity", None)]
    marita = db.session.execute(db.select(User).where(User.username == "marita.andersson")).scalar_one()
    assert marita.email == "marita.andersson@example.se" and marita.notify_email


def test_the_demo_prints_where_notices_land(tmp_path, monkeypatch):
    monkeypatch.setenv("STEGVIS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("STEGVIS_SMTP_HOST", raising=False)
    result = CliRunner().invoke(main, ["demo", "--seed-only"])
    assert result.exit_code == 0, result.output
    assert f"sms i {tmp_path / 'outbox' / 'sms.log'}" in result.output
    assert f"e-post som .eml-filer i {tmp_path / 'outbox' / 'mail'}" in result.output
