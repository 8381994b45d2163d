"""A step view is written as a few statements (web.services.core.rows.write_step_view): the same rows as the
unit of work writes for the same engine action (web.services.core.unit.apply)."""
from datetime import timedelta

from sqlalchemy import inspect, select

from engine.moment import lifecycle
from web.models import Enrollment, Event, Patient, StepProgress
from web.services.core.holds import holding_for
from web.services.core.rows import build_state, patient_actor, program_for
from web.services.core.unit import apply
from web.services.patient import answers
from web.services.patient.program import moment_of


def _visible_steps(enrollment, now):
    program, state = program_for(enrollment), build_state(enrollment)
    return [(m.id, s.id) for m in program.modules if lifecycle.patient_can_see(state, m.id, now)
            for s in m.steps]


def _rows(db, enrollment_id):
    db.session.expire_all()
    moment = db.session.get(Enrollment, enrollment_id)
    columns = (moment.last_active, moment.next_battery_at, moment.next_anchored_reminder_at, moment.status,
               moment.batteries, moment.linked)
    steps = sorted(db.session.execute(select(StepProgress.module_id, StepProgress.step_id, StepProgress.status,
                                             StepProgress.updated_at)
                                      .where(StepProgress.enrollment_id == enrollment_id)).all())
    events = db.session.execute(select(Event.type, Event.at, Event.actor_kind, Event.actor_name, Event.module_id,
                                       Event.step_id, Event.form_id, Event.data, Event.text, Event.form_response_id,
                                       Event.message_id)
                                .where(Event.enrollment_id == enrollment_id).order_by(Event.id)).all()
    return columns, steps, events


def test_a_step_view_writes_what_the_unit_of_work_writes(db, make_moment, clock):
    by_unit_of_work = make_moment("196108312460")
    by_statements = make_moment("198112289874")
    steps = _visible_steps(by_statements, clock())
    assert len(steps) >= 3
    views = [steps[0], steps[0], steps[1], steps[0], steps[2], steps[-1]]
    waits = [timedelta(0), timedelta(seconds=20), timedelta(minutes=3), timedelta(seconds=5), timedelta(days=2),
             timedelta(minutes=1)]
    for i, ((module_id, step_id), wait) in enumerate(zip(views, waits)):
        clock.advance(seconds=wait.total_seconds())
        now = clock()
        if i == 3:  # the tick had worked out when the next follow-up reminder can be due: a view clears it
            for moment in (by_unit_of_work, by_statements):
                db.session.get(Enrollment, moment.id).next_anchored_reminder_at = now + timedelta(days=30)
            db.session.commit()
        moment = db.session.get(Enrollment, by_unit_of_work.id)
        apply(moment, lifecycle.view_step, module_id, step_id, now=now, actor=patient_actor(moment.patient),
              held=holding_for(moment, program_for(moment)))
        db.session.commit()
        moment = db.session.get(Enrollment, by_statements.id)
        answers.view_step(moment, moment.patient, module_id, step_id, now=now)
        assert _rows(db, by_statements.id) == _rows(db, by_unit_of_work.id), (i, module_id, step_id)
    columns, progress, events = _rows(db, by_statements.id)
    assert columns[2] is None and len(progress) == len(set(views))
    assert [e.type for e in events].count("step_viewed") == len(views)


def test_the_loaded_moment_shows_the_view_at_once(db, make_moment, clock):
    moment = make_moment()
    module_id, step_id = _visible_steps(moment, clock())[0]
    moment = db.session.get(Enrollment, moment.id)
    assert not moment.steps
    answers.view_step(moment, moment.patient, module_id, step_id, now=clock())
    assert [(s.module_id, s.step_id) for s in moment.steps] == [(module_id, step_id)]
    assert moment.last_active == clock()


def test_a_step_page_writes_the_same_rows_without_loading_the_progress_rows(app, db, make_moment, clock):
    # the patient's pages read the progress as plain rows (moment_of); the write finds the step's row by the state
    by_unit_of_work = make_moment("196108312460")
    by_page = make_moment("198112289874")
    steps = _visible_steps(by_page, clock())
    views = [steps[0], steps[0], steps[1], steps[0], steps[-1], steps[1]]
    for i, (module_id, step_id) in enumerate(views):
        clock.advance(minutes=2)
        now = clock()
        moment = db.session.get(Enrollment, by_unit_of_work.id)
        apply(moment, lifecycle.view_step, module_id, step_id, now=now, actor=patient_actor(moment.patient),
              held=holding_for(moment, program_for(moment)))
        db.session.commit()
        db.session.expire_all()
        with app.test_request_context():
            patient = db.session.get(Patient, by_page.patient_id)
            moment = moment_of(patient, by_page.id)
            assert "steps" in inspect(moment).unloaded
            answers.view_step(moment, patient, module_id, step_id, now=now)
            assert "steps" in inspect(moment).unloaded, "the write loaded the progress rows"
        assert _rows(db, by_page.id) == _rows(db, by_unit_of_work.id), (i, module_id, step_id)
    assert {s.status for s in db.session.get(Enrollment, by_page.id).steps} >= {"started"}
