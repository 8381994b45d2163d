"""The patient's pages read their moment with the clinician's and the unit's names as columns (moment_of): the
state is the one the ORM objects give, and no User, CareUnit or Region object is built for it."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect

from web.services.core import state_memo
from web.services.core.rows import build_state
from web.services.patient import program as patient_program


def _fresh(db, moment_id):
    from web.models import Enrollment

    db.session.expunge_all()
    return db.session.get(Enrollment, moment_id)


@pytest.mark.parametrize("other_unit_clinician", [False, True])
def test_the_state_is_the_one_the_orm_objects_give(app, db, make_moment, make_staff, other_unit,
                                                    other_unit_clinician):
    moment = make_moment()
    if other_unit_clinician:  # a moment handed over: another unit (and region name) and another clinician
        someone = make_staff("ulla.lind", name="Ulla Lind", units=[other_unit])
        moment.care_unit_id, moment.clinician_id = other_unit.id, someone.id
        db.session.commit()
    moment_id, patient_id = moment.id, moment.patient_id
    with app.test_request_context():
        expected = build_state(_fresh(db, moment_id))  # from the loaded User, CareUnit and Region
        db.session.rollback()  # forgets the memoised state (state_memo), so moment_of builds its own
        db.session.expunge_all()
        assert state_memo.get(_fresh(db, moment_id)) is None
        db.session.expunge_all()
        from web.models import Patient

        read = patient_program.moment_of(db.session.get(Patient, patient_id), moment_id)
        state = state_memo.get(read)
        assert state is not None  # built by moment_of, from the columns
        assert state == expected
        assert state.clinician.name == ("Ulla Lind" if other_unit_clinician else expected.clinician.name)
        assert {"clinician", "care_unit"} <= inspect(read).unloaded  # no objects were built for them


def test_a_form_submission_still_loads_the_moment_for_the_unit_of_work(app, db, make_moment):
    moment = make_moment()
    with app.test_request_context():
        from web.models import Patient

        db.session.expunge_all()
        read = patient_program.moment_of(db.session.get(Patient, moment.patient_id), moment.id, to_write=True)
        assert not {"clinician", "care_unit", "modules", "steps"} & inspect(read).unloaded
