"""The moment state memo: built once per request, never older than the rows it was built from."""
from __future__ import annotations

from web.models import Enrollment, EnrollmentModule, StepProgress
from web.services.core.rows import build_state


def test_a_second_build_in_the_same_request_runs_no_query(app, db, make_moment, count_queries):
    moment_id = make_moment().id
    db.session.remove()
    with app.test_request_context("/"):
        enrollment = db.session.get(Enrollment, moment_id)
        first = build_state(enrollment)
        with count_queries() as statements:
            second = build_state(enrollment)
        assert statements == []
        assert second is first


def test_an_orm_change_is_seen_by_the_next_build(app, db, make_moment):
    moment_id = make_moment().id
    db.session.remove()
    with app.test_request_context("/"):
        enrollment = db.session.get(Enrollment, moment_id)
        assert "steg-1/motivation" not in build_state(enrollment).steps
        enrollment.steps.append(StepProgress(module_id="steg-1", step_id="motivation", status="started",
                                             updated_at=enrollment.started_at))
        assert build_state(enrollment).steps["steg-1/motivation"] == "started"  # pending change: not memoised
        db.session.flush()
        assert build_state(enrollment).steps["steg-1/motivation"] == "started"


def test_a_core_update_is_seen_by_the_next_build(app, db, make_moment):
    moment_id = make_moment().id
    db.session.remove()
    with app.test_request_context("/"):
        enrollment = db.session.get(Enrollment, moment_id)
        before = build_state(enrollment)
        module_id = next(m for m, ms in before.modules.items() if ms.state == "upcoming")
        db.session.execute(db.update(EnrollmentModule).where(
            EnrollmentModule.enrollment_id == enrollment.id, EnrollmentModule.module_id == module_id
        ).values(state="current"), execution_options={"synchronize_session": "fetch"})
        assert build_state(enrollment).modules[module_id].state == "current"


def test_another_request_builds_again(app, db, make_moment, count_queries):
    moment_id = make_moment().id
    db.session.remove()
    with app.test_request_context("/"):
        first = build_state(db.session.get(Enrollment, moment_id))
    with app.test_request_context("/"):
        with count_queries() as statements:
            second = build_state(db.session.get(Enrollment, moment_id))
        assert statements != []
        assert second == first
