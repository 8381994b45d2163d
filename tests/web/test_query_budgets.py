"""Query budgets: each page runs the same number of SQL statements for a unit with 50 and with 5 000 moments.

Counts, not times (timings live in bench/). The moments come from the bulk seeder, so they have
modules, steps, answers, messages, flags and events like real ones.
"""
from flask import g

from commands.operators import demo_data as demo
from web.models import Enrollment, Event, User
from web.content.programs import get_program
from web.services.operations.seed import seed_moments

#: page name → (URL template, budget); {m} is the busiest moment, {j} Jane's, {deep} a page deep in the list,
#: {sok} the token of the posted filter "lind".
#: Issue 11's targets: ≤ 8 for the overview and patient pages, ≤ 10 for Hantera, Tidslinje and Händelser
#: (the access-log row every record view writes is one of them; the step view's write is in its 8).
STAFF_PAGES = {
    "overview Mina": ("/oversikt/mina", 8),
    "overview Alla": ("/oversikt/alla", 8),
    "overview filtered": ("/oversikt/alla?sok={sok}", 8),
    "overview Avslutade": ("/oversikt/avslutade", 8),
    "overview deep page": ("/oversikt/alla?sida={deep}", 8),
    "overview Nästa": ("/oversikt/alla?sida=2&efter={m}", 8),
    "overview Föregående": ("/oversikt/alla?sida=2&fore={m}", 8),
    "overview unhandled, oldest first": ("/oversikt/alla?ohanterade=1&sortera=aldsta", 8),
    "Att göra": ("/oversikt/att-gora", 8),
    "Att göra filtered": ("/oversikt/att-gora?typ=form_saved", 8),
    "Hantera": ("/moment/{m}/hantera", 10),
    "Tidslinje Veckovis": ("/moment/{m}/tidslinje?period=vecka", 10),
    "Tidslinje Hela perioden": ("/moment/{m}/tidslinje", 10),
    "Händelser": ("/moment/{m}/handelser", 10),
}
PATIENT_PAGES = {
    "patient home": ("/stod-och-behandling/{j}/", 8),
    "patient module": ("/stod-och-behandling/{j}/modul/steg-1/", 8),
    "patient step": ("/stod-och-behandling/{j}/modul/steg-1/motivation", 8),  # with the step view's write
    "patient messages": ("/stod-och-behandling/{j}/meddelanden/", 8),
}


def _counts(app, db, count_queries, pages, staff: bool) -> dict[str, int]:
    marita = db.session.execute(db.select(User).where(User.username == "marita.andersson")).scalar_one()
    busy = db.session.execute(
        db.select(Enrollment.id).join(Event, Event.enrollment_id == Enrollment.id)
        .where(Enrollment.clinician_id == marita.id, Enrollment.status == "active")
        .group_by(Enrollment.id).order_by(db.func.count(Event.id).desc(), Enrollment.id).limit(1)).scalar_one()
    ids = {"m": busy, "j": 1, "deep": 2}
    g.pop("_login_user", None)
    client = app.test_client()
    if staff:
        assert client.post("/logga-in", data={"username": "marita.andersson", "password": demo.PASSWORD}).status_code == 302
    else:
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = "patient:1", True
    if staff:
        location = client.post("/oversikt/alla", data={"q": "lind"}).headers["Location"]
        ids["sok"] = location.split("sok=")[1].split("&")[0]
    counts = {}
    for name, (template, _) in pages.items():
        path = template.format(**ids)
        client.get(path)  # warm: program caches, the step view's first write
        db.session.remove()
        g.pop("_login_user", None)
        with count_queries() as statements:
            response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(statements)
        db.session.remove()
        g.pop("_login_user", None)
    return counts


def test_every_page_has_a_fixed_query_budget(app, db, clock, count_queries):
    demo.seed(app, clock())
    program = get_program("tobakshjalpen")
    seed_moments(program, 50, clock(), seed=3, units=[1])
    small = {**_counts(app, db, count_queries, STAFF_PAGES, True), **_counts(app, db, count_queries, PATIENT_PAGES, False)}
    seed_moments(program, 4950, clock(), seed=4, units=[1])
    large = {**_counts(app, db, count_queries, STAFF_PAGES, True), **_counts(app, db, count_queries, PATIENT_PAGES, False)}
    assert large == small
    budgets = {name: budget for name, (_, budget) in {**STAFF_PAGES, **PATIENT_PAGES}.items()}
    over = {name: (count, budgets[name]) for name, count in small.items() if count > budgets[name]}
    assert not over, f"over budget (count, budget): {over}; all: {small}"
