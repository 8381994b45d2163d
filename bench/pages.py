"""The pages the benchmarks measure, and the ids their URLs need (shared by bench_pages.py and
inprocess_pages.py, so both measure exactly the same list)."""
from __future__ import annotations

import os
import re
from typing import Callable

#: the PostgreSQL server the benchmarks use (its `postgres` database; a benchmark's own databases beside it)
PG_URL = os.environ.get("STEGVIS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def database_url(name: str) -> str:
    """The URL of database `name` on the benchmarks' server."""
    from sqlalchemy.engine import make_url

    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def page_ids() -> dict:
    """Inside an app context on a seeded database: Jane's moment, the busiest other moment of Marita's,
    a page deep in the overview and the moment the Nästa link of the page before it carries."""
    from commands.operators import demo_data as demo
    from web.extensions import db
    from web.models import Enrollment, Event, Patient, User
    from web.services.clinician.overview import overview_page

    jane = db.session.execute(db.select(Enrollment.id).join(Patient).where(
        Patient.personnummer == demo.JANE)).scalar_one()
    marita = db.session.execute(db.select(User.id).where(User.username == "marita.andersson")).scalar_one()
    # the busiest of Marita's active moments (not Jane's, whose step views the patient pages record)
    busy = db.session.execute(
        db.select(Enrollment.id).join(Event, Event.enrollment_id == Enrollment.id)
        .where(Enrollment.clinician_id == marita, Enrollment.status == "active", Enrollment.id != jane)
        .group_by(Enrollment.id).order_by(db.func.count(Event.id).desc()).limit(1)).scalar_one()
    unit = db.session.get(Enrollment, jane).care_unit_id
    total = db.session.execute(db.select(db.func.count()).select_from(Enrollment).where(
        Enrollment.care_unit_id == unit, Enrollment.status == "active")).scalar_one()
    deep = max(2, total // 25 - 1)
    member = db.session.get(User, marita).membership(unit)
    return {"jane": jane, "busy": busy, "deep_page": deep,
            "before_deep": overview_page(member, tab="alla", page=deep - 1).last_id}


#: the overview's name filter is posted and the list shown at ?sok=<token>, a token kept in the staff session
#: (web.clinician.overview): these paths stand for "post this text, then the address it redirects to"
SEARCH = "search:"


def pages(ids: dict, staff, patient, only: str | None = None,
          search: Callable[[str], str] | None = None) -> list[tuple[str, str, object]]:
    """(label, path, who) for every measured page; `staff`/`patient` are whatever the caller logs in with.

    `search(text)` posts the overview's name filter as the staff member and returns the path it redirects
    to (/oversikt/alla?sok=…); without it the name-filter pages are left out."""
    p, busy, deep = f"/stod-och-behandling/{ids['jane']}", ids["busy"], ids["deep_page"]
    found = [
        ("patient step", f"{p}/modul/steg-1/motivation", patient),
        ("patient home", f"{p}/", patient),
        ("patient module", f"{p}/modul/steg-1/", patient),
        ("patient messages", f"{p}/meddelanden/", patient),
        ("overview Mina", "/oversikt/mina", staff),
        ("overview Alla", "/oversikt/alla", staff),
        ("overview Alla, name filter", SEARCH + "lind", staff),
        ("overview Alla, name filter Öberg", SEARCH + "öberg", staff),
        ("overview Avslutade", "/oversikt/avslutade", staff),
        ("Att göra", "/oversikt/att-gora", staff),
        ("overview Alla, oldest unhandled event first", "/oversikt/alla?sortera=aldsta", staff),
        (f"overview Alla, page {deep} by Nästa", f"/oversikt/alla?sida={deep}&efter={ids['before_deep']}", staff),
        (f"overview Alla, page {deep} typed", f"/oversikt/alla?sida={deep}", staff),
        ("Hantera", f"/moment/{busy}/hantera", staff),
        ("Tidslinje, Veckovis", f"/moment/{busy}/tidslinje?period=vecka", staff),
        ("Tidslinje, Hela perioden", f"/moment/{busy}/tidslinje", staff),
        ("Händelser", f"/moment/{busy}/handelser", staff),
        ("Meddelanden (staff)", f"/moment/{busy}/meddelanden", staff),
        ("floor: Byt lösenord (session + layout)", "/min-profil/losenord", staff),
        ("author preview", "/author/tobakshjalpen/modul/steg-1/motivation", staff),
    ]
    chosen = [page for page in found if not only or only.lower() in page[0].lower()]
    if search is None:
        return [page for page in chosen if not page[1].startswith(SEARCH)]
    return [(label, search(path[len(SEARCH):]) if path.startswith(SEARCH) else path, who)
            for label, path, who in chosen]


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page ("" if none)."""
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return found.group(1) if found else ""


def logged_in_client(app, staff: bool):
    """A test client of `app` logged in as Marita (behandlare, `staff`) or Jane Doe (invånare)."""
    from commands.operators import demo_data as demo

    client = app.test_client()
    path = "/logga-in" if staff else "/invanare/logga-in"
    who = {"username": "marita.andersson"} if staff else {"personnummer": "19610831-2460"}
    answer = client.post(path, data={**who, "password": demo.PASSWORD,
                                     "csrf_token": csrf_token(client.get(path).get_data(as_text=True))})
    assert answer.status_code == 302, answer.status_code
    return client


def cpu_per_request(client, path: str, requests: int, batches: int) -> float:
    """The fastest of `batches` batches' process CPU per request of GET `path`, in ms (after 20 to warm up)."""
    import time

    for _ in range(20):
        assert client.get(path).status_code == 200, path
    best = float("inf")
    for _ in range(batches):
        start = time.process_time()
        for _ in range(requests):
            client.get(path)
        best = min(best, (time.process_time() - start) / requests * 1000)
    return best
