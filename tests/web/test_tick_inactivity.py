"""The stored next inactivity time: a flagged moment is not read again on every tick, yet every change
that can make an inactivity flag due earlier (a patient action, a new subscription) makes it a candidate."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.localtime import add_local_days
from notify_support import BASE_URL, personnummer, seed_unit, start, sthlm
from web.content.programs import all_programs
from web.extensions import db
from web.models import Enrollment, Flag
from web.notify import candidates
from web.notify.transports import FileMailer, FileSmsGateway, Transports
from web.services.clinician import flags as flag_service
from web.services.core.rows import NOT_SCHEDULED
from web.services.operations.tick import run_tick
from web.services.patient.answers import view_step

pytestmark = pytest.mark.app_config(BASE_URL=BASE_URL)

T0 = sthlm(2026, 3, 2, 10)


@pytest.fixture
def files(tmp_path):
    return Transports(email=FileMailer(tmp_path / "mail"), sms=FileSmsGateway(tmp_path / "sms.log"))


def _inactive_ids(now):
    return sorted(db.session.execute(candidates.inactivity(now)).scalars())


def _flags(enrollment):
    return db.session.execute(db.select(Flag.cause_key).where(
        Flag.enrollment_id == enrollment.id, Flag.type == "patient_inactivity").order_by(Flag.raised_at)
    ).scalars().all()


def _stored(enrollment):
    return db.session.execute(db.select(Enrollment.next_inactivity_at).where(Enrollment.id == enrollment.id)).scalar()


def test_a_flagged_stretch_is_read_once_and_a_patient_action_or_a_new_subscription_opens_it_again(app, files):
    unit, user = seed_unit()
    moment = start(user, T0, personnummer=personnummer(1), first="Tyst", email=None, mobile=None)
    other = start(user, T0, personnummer=personnummer(2), first="Annan", email=None, mobile=None)
    flag_service.add_subscription(user, moment, "patient_inactivity", {"days": 7}, all_moments=True, now=T0)
    # the subscription works out its own moment's time at once; the other is not worked out yet
    assert _stored(moment) == add_local_days(T0, 7) and _stored(other) is None

    run_tick(T0 + timedelta(days=7, hours=1), transports=files)
    assert len(_flags(moment)) == 1 and len(_flags(other)) == 1
    assert _stored(moment) == NOT_SCHEDULED == _stored(other)
    # the same stretch: no longer read by the tick, although its seven days have passed
    assert _inactive_ids(T0 + timedelta(days=8)) == []

    # a patient action starts a new stretch: the moment is read again once its seven days have passed
    view_step(moment, moment.patient, "inledning", _first_step(moment), now=T0 + timedelta(days=9))
    db.session.commit()
    assert _stored(moment) is None
    assert _inactive_ids(T0 + timedelta(days=10)) == []
    assert run_tick(T0 + timedelta(days=16, hours=1), transports=files).flags == 1
    assert len(_flags(moment)) == 2 and _stored(moment) == NOT_SCHEDULED

    # a new, shorter subscription covering both moments: its present stretch fires at once for the other one
    # (the one its clinician added it on is raised at once by the service itself)
    flag_service.add_subscription(user, moment, "patient_inactivity", {"days": 3}, all_moments=True,
                                  now=T0 + timedelta(days=17))
    assert _stored(other) is None
    assert other.id in _inactive_ids(T0 + timedelta(days=17, hours=1))
    assert run_tick(T0 + timedelta(days=17, hours=1), transports=files).flags == 1
    assert sorted(c.split(":")[1] for c in _flags(other)) == ["3", "7"]
    assert _inactive_ids(T0 + timedelta(days=18)) == []


def _first_step(moment):
    program = all_programs()[moment.program_id]
    return next(m for m in program.modules if m.id == "inledning").steps[0].id


def test_a_new_responsible_clinicians_inactivity_subscription_applies_at_the_next_tick(app, files):
    from web.services.clinician.moments import change_clinician
    from web.services.clinician.staff import create_staff

    unit, marita = seed_unit()
    moment = start(marita, T0, personnummer=personnummer(1), first="Tyst", email=None, mobile=None)
    flag_service.add_subscription(marita, moment, "patient_inactivity", {"days": 7}, all_moments=True, now=T0)
    run_tick(T0 + timedelta(days=7, hours=1), transports=files)
    assert _stored(moment) == NOT_SCHEDULED
    kim = create_staff(unit, username="kim.berg", name="Kim Berg", password=None, roles=["behandlare"],
                       email="kim.berg@example.se")
    db.session.commit()
    # Kim subscribes on another moment of theirs to every moment they are responsible for (3 days)
    own = start(kim, T0, personnummer=personnummer(2), first="Egen", email=None, mobile=None)
    flag_service.add_subscription(kim, own, "patient_inactivity", {"days": 3}, all_moments=True,
                                  now=T0 + timedelta(days=8))
    assert _stored(moment) == NOT_SCHEDULED  # not Kim's moment yet
    change_clinician(moment, kim.id, user=marita, membership=marita.memberships[0], now=T0 + timedelta(days=9))
    assert _stored(moment) is None
    run_tick(T0 + timedelta(days=9, hours=1), transports=files)
    assert sorted(c.split(":")[1] for c in _flags(moment)) == ["3", "7"]
    assert _stored(moment) == NOT_SCHEDULED
