"""The overview's faster statement shapes (issue 27): they list exactly what the plain ones did, and on
PostgreSQL they read what they were made to read (the plans, after ANALYZE of a few thousand moments)."""
import random
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, insert, text

from web.models import Enrollment, Flag, Membership, Patient
from web.services.clinician.overview import overview_page

#: names that repeat, so the name order has ties that the start and the id must break
NAMES = [("Lind", "Anna"), ("Berg", "Per"), ("Öberg", "Eva"), ("Wallin", "Per"), ("Ek", "Ola"), ("Åberg", "Lina")]


def _world(db, unit, clinician, now, count: int, seed: int = 1) -> None:
    """`count` moments of the unit (a tenth ended), each with 0–3 flags: some open, some handled, some of
    one moment raised at the same instant (ties in the oldest-first order that the flag id must break)."""
    rng = random.Random(seed)
    people = [{"personnummer": f"2{seed:03d}{i:08d}", "first_name": NAMES[i % 6][1], "last_name": NAMES[i % 6][0],
               "created_at": now, "notify_email": False, "notify_sms": False} for i in range(count)]
    db.session.execute(insert(Patient), people)
    ids = db.session.execute(db.select(Patient.id).where(Patient.personnummer.like(f"2{seed:03d}%"))).scalars().all()
    db.session.execute(insert(Enrollment), [
        {"patient_id": pid, "program_id": "tobakshjalpen", "program_version": "1.0.0", "program_digest": "x",
         "care_unit_id": unit.id, "clinician_id": clinician.id, "status": "ended" if rng.random() < 0.1 else "active",
         "started_at": now - timedelta(days=rng.randrange(3)), "linked": [], "batteries": []} for pid in ids])
    moments = db.session.execute(db.select(Enrollment.id).where(Enrollment.patient_id.in_(ids))).scalars().all()
    flags = []
    for eid in moments:
        raised = now - timedelta(hours=rng.randrange(40))
        for k in range(rng.randrange(4)):
            at = raised if rng.random() < 0.3 else now - timedelta(hours=rng.randrange(40))
            flags.append({"enrollment_id": eid, "type": "patient_inactivity", "cause_key": f"c{k}", "text": "Inaktiv",
                          "raised_at": at, "handled_at": now if rng.random() < 0.4 else None})
    db.session.execute(insert(Flag), flags)
    db.session.commit()


def _membership(db, clinician) -> Membership:
    return db.session.execute(db.select(Membership).where(Membership.user_id == clinician.id)).scalar_one()


def _oldest_first_reference(db, unit, tab_statuses) -> list[int]:
    """The oldest-first order computed plainly: each moment's oldest open flag, then the moment id."""
    rows = db.session.execute(
        db.select(Flag.enrollment_id, Flag.raised_at).join(Enrollment, Flag.enrollment_id == Enrollment.id)
        .where(Flag.handled_at.is_(None), Enrollment.care_unit_id == unit.id,
               Enrollment.status.in_(tab_statuses))).all()
    oldest: dict[int, object] = {}
    for eid, at in rows:
        oldest[eid] = min(at, oldest.get(eid, at))
    return sorted(oldest, key=lambda eid: (oldest[eid], eid))


def test_oldest_first_lists_each_moment_once_at_its_oldest_open_flag(app, db, unit, clinician, clock):
    _world(db, unit, clinician, clock(), 400)
    member = _membership(db, clinician)
    for tab, statuses in (("alla", ("active",)), ("avslutade", ("ended", "maintenance"))):
        expected = _oldest_first_reference(db, unit, statuses)
        assert len(expected) > 10
        listed = []
        for number in range(1, len(expected) // 10 + 2):
            page = overview_page(member, tab=tab, sort="aldsta", page=number, page_size=10)
            assert page.total == len(expected)
            listed += [row.enrollment_id for row in page.rows]
        assert listed == expected


def test_a_typed_page_in_the_back_half_lists_what_the_front_to_back_order_has_there(app, db, unit, clinician, clock):
    _world(db, unit, clinician, clock(), 400)
    member = _membership(db, clinician)
    for tab, text_filter in (("alla", None), ("avslutade", None), ("alla", "berg")):
        everything = overview_page(member, tab=tab, text=text_filter, page_size=10_000).rows
        pages = -(-len(everything) // 10)
        assert pages >= 2
        for number in range(1, pages + 1):
            page = overview_page(member, tab=tab, text=text_filter, page=number, page_size=10)
            assert page.rows == everything[(number - 1) * 10:number * 10], (tab, text_filter, number)
            assert (page.page, page.has_previous, page.has_next) == (number, number > 1, number < pages)


@contextmanager
def _plans(db):
    """The EXPLAIN of every SELECT run inside, with its parameters (PostgreSQL)."""
    captured: list = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    plans: list[str] = []
    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        yield plans
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    raw = db.session.connection().connection.driver_connection
    for statement, parameters in captured:
        if statement.lstrip().upper().startswith("SELECT"):
            with raw.cursor() as cursor:
                cursor.execute("EXPLAIN " + statement, parameters)
                plans.append("\n".join(row[0] for row in cursor.fetchall()))


@pytest.fixture
def analyzed_world(app, db, unit, other_unit, clinician, clock):
    """Two thousand moments of the unit among six thousand, vacuumed and analyzed: the planner sees the
    shape of a settled region."""
    _world(db, unit, clinician, clock(), 2000, seed=2)
    _world(db, other_unit, clinician, clock(), 4000, seed=3)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE) patient, enrollment, flag"))
    return _membership(db, clinician)


@pytest.mark.parametrize("backend", ["postgresql"])
def test_oldest_first_walks_the_open_flags_in_order_instead_of_grouping_them_all(analyzed_world, db):
    with _plans(db) as plans:
        overview_page(analyzed_world, tab="alla", sort="aldsta")
    page = plans[1]
    assert "ix_flag_open_raised" in page and "Aggregate  " not in page.split("SubPlan")[0], page


@pytest.mark.parametrize("backend", ["postgresql"])
def test_the_count_of_moments_with_unhandled_events_reads_the_indexes_alone(analyzed_world, db):
    # a unit of 2 000 moments is cheap to read whole; at 35 000 (migration 0021o) the planner merges the
    # unit's moment ids with the open flags' (both in index order): here, once whole-table reads are off
    db.session.execute(text("SET LOCAL enable_seqscan = off"))  # this transaction only (the plans' too)
    for unhandled, sort in ((True, "namn"), (False, "aldsta")):
        with _plans(db) as plans:
            overview_page(analyzed_world, tab="alla", unhandled=unhandled, sort=sort)
        assert "Index Only Scan using ix_enrollment_unit_status_ids" in plans[0], plans[0]


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_typed_page_near_the_end_walks_the_name_index_backwards(analyzed_world, db):
    pages = overview_page(analyzed_world, tab="alla").pages
    with _plans(db) as plans:
        overview_page(analyzed_world, tab="alla", page=pages - 1)
    assert "Index Scan Backward using ix_patient_name" in plans[1], plans[1]
