"""`stegvis demo --moments N`: N realistic moments in bulk, spread over units, time and progress."""
from datetime import timedelta

import pytest
from click.testing import CliRunner
from flask import g

from cli import main
from commands.operators import demo_data as demo
from web.models import (Conversation, Enrollment, EnrollmentModule, Event, Flag, FormResponse, Message, Patient,
                        StepProgress, User)
from web.personnummer import parse
from web.content.programs import get_program
from web.services.operations.seed import personnummer, seed_moments


def _count(db, model, *where):
    return db.session.execute(db.select(db.func.count()).select_from(model).where(*where)).scalar_one()


@pytest.fixture
def seeded(app, db, clock):
    demo.seed(app, clock())
    seed_moments(get_program("tobakshjalpen"), 200, clock(), seed=1, chunk=64)
    return db


def test_two_hundred_moments_with_sensible_distributions(seeded, clock):
    db = seeded
    assert _count(db, Enrollment) == 2 + 200  # Jane's and Anna's demo moments, then the seeded ones
    assert _count(db, Patient) == 3 + 200
    seeded_ids = db.select(Enrollment.id).join(Patient).where(Patient.personnummer.not_in(
        [p[0] for p in demo.PATIENTS]))
    inledning = db.session.execute(db.select(EnrollmentModule.state).where(
        EnrollmentModule.module_id == "inledning", EnrollmentModule.enrollment_id.in_(seeded_ids))).scalars().all()
    assert len(inledning) == 200 and set(inledning) <= {"current", "completed"}
    assert "completed" in inledning  # some have come past Steg 1
    assert _count(db, Event) > 200 * 3
    statuses = dict(db.session.execute(db.select(Enrollment.status, db.func.count()).group_by(Enrollment.status)).all())
    assert 0 < statuses.get("ended", 0) < 200 and statuses["active"] > 50
    starts = db.session.execute(db.select(Enrollment.started_at).where(Enrollment.id.in_(seeded_ids))).scalars().all()
    assert min(starts) >= clock() - timedelta(days=400) and max(starts) <= clock()
    assert max(starts) - min(starts) > timedelta(days=300)
    assert len({c for c in db.session.execute(db.select(Enrollment.care_unit_id)).scalars()}) == 2
    assert _count(db, StepProgress) > 200
    assert _count(db, FormResponse, FormResponse.status == "submitted") > 50
    assert _count(db, Message, Message.sender_kind == "patient") > 10
    assert _count(db, Conversation) > 100
    open_flags = _count(db, Flag, Flag.handled_at.is_(None))
    assert 0 < open_flags < _count(db, Flag)
    # every form_submitted event points at its answers, every message event at its message
    assert _count(db, Event, Event.type == "form_submitted", Event.form_response_id.is_(None)) == 0
    assert _count(db, Event, Event.type == "message_sent", Event.message_id.is_(None)) == 0


def test_seeding_twice_adds_twice_as_many(seeded, clock):
    db = seeded
    seed_moments(get_program("tobakshjalpen"), 200, clock(), seed=2)
    assert _count(db, Enrollment) == 2 + 400
    assert _count(db, Patient) == 3 + 400  # no personnummer clash


def test_personnummer_are_valid_and_unique():
    numbers = [personnummer(i) for i in range(0, 60000, 7)]
    assert len(set(numbers)) == len(numbers)
    assert personnummer(0)[:11] == "19400101500"
    assert all(parse(n) == n for n in numbers[:500])


def test_the_pages_of_a_seeded_moment_render(seeded, app, client):
    db = seeded
    moment = db.session.execute(
        db.select(Enrollment).join(User, Enrollment.clinician_id == User.id).where(
            Enrollment.status == "active", User.username == "marita.andersson", Enrollment.id > 2,
            Enrollment.last_active.is_not(None)).order_by(Enrollment.id)).scalars().first()
    assert client.post("/logga-in", data={"username": "marita.andersson", "password": demo.PASSWORD}).status_code == 302
    for path in (f"/moment/{moment.id}/hantera", f"/moment/{moment.id}/tidslinje", f"/moment/{moment.id}/handelser",
                 f"/moment/{moment.id}/meddelanden", "/oversikt/alla", "/oversikt/avslutade"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert "startades" in client.get(f"/moment/{moment.id}/tidslinje").get_data(as_text=True)
    g.pop("_login_user", None)  # the test's app context outlives requests: forget the staff login
    patient = app.test_client()
    with patient.session_transaction() as session:
        session["_user_id"], session["_fresh"] = moment.patient.get_id(), True
    for path in ("", "modul/inledning/", "modul/inledning/valkommen", "meddelanden/"):
        assert patient.get(f"/stod-och-behandling/{moment.id}/{path}").status_code == 200, path


def test_the_demo_command_adds_moments(tmp_path, monkeypatch):
    monkeypatch.setenv("STEGVIS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["demo", "--seed-only", "--moments", "30"])
    assert result.exit_code == 0, result.output
    assert "30 moment tillagda" in result.output


def test_the_first_tick_after_seeding_raises_no_flag_a_seeded_one_already_stands_for(seeded, clock):
    """Seeded flags carry the engine's causes (Stockholm time, the patient's latest action), so the tick
    does not raise a second "Formulär sparat", "Nytt meddelande" or "Invånare inaktivitet" for them."""
    from web.services.operations.tick import evaluate

    db = seeded
    seeded_flags = _count(db, Flag)
    assert _raised_causes(db) == _flag_causes(db)
    report = evaluate(clock())
    assert report.flag_candidates > 20 and not report.errors  # the seeded moments' subscriptions are evaluated
    twice = db.session.execute(
        db.select(Flag.enrollment_id, Flag.type, Flag.raised_at)
        .where(Flag.type.in_(["form_saved", "new_message", "patient_inactivity"]))
        .group_by(Flag.enrollment_id, Flag.type, Flag.raised_at).having(db.func.count() > 1)).all()
    assert twice == []
    # one inactivity flag per stretch: none of the seeded ones is followed by one for the same latest action
    stretches = db.session.execute(
        db.select(Flag.enrollment_id, db.func.count()).where(Flag.type == "patient_inactivity")
        .group_by(Flag.enrollment_id, Flag.text).having(db.func.count() > 1)).all()
    assert stretches == []
    assert _count(db, Flag) >= seeded_flags
    assert _raised_causes(db) == _flag_causes(db)


def _raised_causes(db) -> set[tuple[int, str]]:
    """The causes of the flag_raised events, by moment. The tick reads the Flag rows' causes instead of these
    events (web.services.core.flags.flags_to_raise), so each must have its Flag row."""
    return {(eid, data["cause"]) for eid, data in db.session.execute(
        db.select(Event.enrollment_id, Event.data).where(Event.type == "flag_raised"))}


def _flag_causes(db) -> set[tuple[int, str]]:
    return {(eid, cause) for eid, cause in db.session.execute(db.select(Flag.enrollment_id, Flag.cause_key))}


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_the_planner_knows_the_seeded_tables_after_the_first_chunk(app, db, clock):
    """Foreign-key checks are planned from the statistics of the first chunk, not of an empty database
    (which made every event row's check a scan of the whole enrollment table)."""
    demo.seed(app, clock())
    counted = []

    def progress(done):
        counted.append((done, db.session.execute(db.text(
            "SELECT reltuples FROM pg_class WHERE relname = 'enrollment'")).scalar_one()))

    seed_moments(get_program("tobakshjalpen"), 128, clock(), seed=1, chunk=64, progress=progress)
    assert counted[0][0] == 64 and counted[0][1] >= 64  # analyzed with the first chunk's moments in it
