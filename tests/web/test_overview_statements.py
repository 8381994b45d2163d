"""The overview's and Att göra's statements are built once per shape and reused with other values (issue 27):
a reused statement must list exactly what a freshly built one lists, for every shape, in any order."""
from datetime import timedelta

from sqlalchemy import update

from test_overview_at_scale import _membership, _world
from web.models import Enrollment, Flag
from web.services.clinician import overview, worklist


#: each module's cached statement builders
BUILDERS = {
    overview: (overview._anchor_statement, overview._count_statement, overview._page_statement,
               overview._urgent_statement, overview._oldest_count_statement, overview._oldest_page_statement),
    worklist: (worklist._count_statement, worklist._anchor_statement, worklist._page_statement),
}


def _forget_statements(module) -> None:
    """Empty the module's cached statement builders: the next call builds its statement afresh."""
    for builder in BUILDERS[module]:
        builder.cache_clear()


def _overview_calls(member, first_page, third_page):
    calls = []
    for tab in ("mina", "alla", "avslutade"):
        for program_id in (None, "tobakshjalpen", "somn"):
            # no text; a name; the date part of a personnummer (name or number); a whole personnummer
            for text in (None, "berg", "2001", "19610831-2460"):
                for unhandled in (False, True):
                    for page in (1, 2, 9):  # the start, and pages read from the end
                        calls.append(dict(tab=tab, program_id=program_id, text=text, unhandled=unhandled, page=page))
                calls.append(dict(tab=tab, program_id=program_id, text=text, sort="aldsta", page=2))
            calls.append(dict(tab=tab, program_id=program_id, after=first_page[tab], page=2))
            calls.append(dict(tab=tab, program_id=program_id, before=third_page[tab], page=2))
    return calls


def test_every_overview_shape_lists_the_same_from_a_reused_statement(app, db, unit, clinician, make_staff, clock):
    colleague = make_staff("kollega")
    _world(db, unit, clinician, clock(), 300)
    _world(db, unit, colleague, clock(), 100, seed=2)  # Mina differs from Alla
    db.session.execute(update(Flag).where(Flag.id % 7 == 0, Flag.handled_at.is_(None)).values(urgent=True))
    db.session.execute(update(Enrollment).where(Enrollment.id % 3 == 0).values(program_id="somn"))
    db.session.commit()  # some urgent flags (Brådskande is listed), and moments of two programs
    member = _membership(db, clinician)
    first = {tab: overview.overview_page(member, tab=tab, page_size=10).last_id for tab in overview.TABS}
    third = {tab: overview.overview_page(member, tab=tab, page=3, page_size=10).first_id for tab in overview.TABS}
    calls = _overview_calls(member, first, third)
    fresh = []
    for call in calls:
        _forget_statements(overview)
        fresh.append(overview.overview_page(member, page_size=10, **call))
    assert any(page.urgent for page in fresh) and len({repr(page) for page in fresh}) >= 50  # the shapes differ
    for index in [*range(len(calls)), *reversed(range(len(calls)))]:
        assert overview.overview_page(member, page_size=10, **calls[index]) == fresh[index], calls[index]


def test_every_worklist_shape_lists_the_same_from_a_reused_statement(app, db, unit, clinician, make_staff, clock):
    _world(db, unit, clinician, clock(), 200)
    db.session.execute(update(Flag).where(Flag.id % 5 == 0).values(type="form_saved"))
    db.session.execute(update(Flag).where(Flag.id % 7 == 0, Flag.handled_at.is_(None)).values(urgent=True))
    db.session.commit()
    member = _membership(db, clinician)
    calls = []
    for flag_type in (None, "patient_inactivity", "form_saved"):
        pages = [worklist.worklist_page(member, flag_type=flag_type, page=n, page_size=10) for n in (1, 3)]
        calls += [dict(flag_type=flag_type, page=n) for n in (1, 2, 4)]
        calls += [dict(flag_type=flag_type, page=2, after=pages[0].last_id),
                  dict(flag_type=flag_type, page=2, before=pages[1].first_id)]
    fresh = []
    for call in calls:
        _forget_statements(worklist)
        fresh.append((worklist.worklist_page(member, page_size=10, **call), worklist.open_count(member)))
    # per type, page 2 reached by number, by Nästa (after) and by Föregående (before) is one page
    assert len({repr(page) for page, _ in fresh}) == len(calls) - 2 * 3
    for index in [*range(len(calls)), *reversed(range(len(calls)))]:
        assert (worklist.worklist_page(member, page_size=10, **calls[index]),
                worklist.open_count(member)) == fresh[index], calls[index]
