"""Att göra: every unhandled event of my moments, oldest first; the overview's filter and sort on them."""
import re
from datetime import timedelta

from sqlalchemy import insert

from web.models import Enrollment, Flag
from web.services.clinician import worklist


def _flag(db, enrollment, flag_type, raised_at, key, text="Händelse", handled=False):
    db.session.execute(insert(Flag), [{
        "enrollment_id": enrollment.id, "type": flag_type, "cause_key": key, "text": text, "raised_at": raised_at,
        "handled_at": raised_at if handled else None}])
    db.session.commit()


def _flag_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'/handelser#flagga-(\d+)"', html)]


def test_att_gora_is_the_first_tab_and_where_a_clinician_lands(client, login, clinician):
    login(clinician)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/oversikt/att-gora"
    page = client.get("/oversikt/att-gora").get_data(as_text=True)
    nav = page.split('aria-label="Behandlarvy"')[1].split("</nav>")[0]
    assert nav.index("Att göra") < nav.index("Mina")
    assert "Du har inga ohanterade händelser." in page


def test_att_gora_lists_my_unhandled_events_oldest_first_with_patient_and_age(
        client, login, clinician, make_staff, make_moment, db, clock):
    jane = make_moment()
    anna = make_moment("197503121233", first_name="Anna", last_name="Andersson")
    colleague = make_staff("kollega", name="Karin Kollega")
    theirs = make_moment("191212121212", user=colleague, first_name="Olle", last_name="Other")
    now = clock()
    _flag(db, jane, "patient_inactivity", now - timedelta(hours=5), "j1", text="Jane inaktiv")
    _flag(db, anna, "form_saved", now - timedelta(days=3), "a1", text="Anna skickade")
    _flag(db, anna, "new_message", now - timedelta(days=10), "a2", text="Anna handled", handled=True)
    _flag(db, theirs, "form_saved", now - timedelta(days=30), "o1", text="Olles")
    login(clinician)
    page = client.get("/oversikt/att-gora").get_data(as_text=True)
    assert "Olles" not in page and "Anna handled" not in page
    assert page.index("Anna skickade") < page.index("Jane inaktiv")
    assert "Andersson, Anna" in page and "Doe, Jane" in page
    assert "3 dagar" in page and "5 timmar" in page
    anna_flag = db.session.execute(db.select(Flag.id).where(Flag.cause_key == "a1")).scalar_one()
    assert _flag_ids(page)[0] == anna_flag
    assert f'href="/moment/{anna.id}/handelser#flagga-{anna_flag}"' in page
    # the count in the tab
    assert re.search(r'Att göra <span class="tab-count">2</span>', page)
    mina = client.get("/oversikt/mina").get_data(as_text=True)
    assert re.search(r'Att göra <span class="tab-count">2</span>', mina)


def test_att_gora_filters_by_event_type(client, login, clinician, make_moment, db, clock):
    jane = make_moment()
    _flag(db, jane, "patient_inactivity", clock() - timedelta(hours=5), "j1", text="Jane inaktiv")
    _flag(db, jane, "form_saved", clock() - timedelta(days=3), "j2", text="Jane skickade")
    login(clinician)
    page = client.get("/oversikt/att-gora?typ=form_saved").get_data(as_text=True)
    assert "Jane skickade" in page and "Jane inaktiv" not in page
    assert "1 ohanterad händelse av typen" in page
    assert "Jane inaktiv" in client.get("/oversikt/att-gora?typ=okand").get_data(as_text=True)


def test_the_sort_key_is_urgent_first_when_flags_have_an_urgent_column_then_oldest_then_id(app):
    key = worklist.worklist_sort_key()
    assert key[-2][0] is Flag.raised_at and key[-1][0] is Flag.id and not key[-2][1] and not key[-1][1]
    # urgent (as a number, 1 for an urgent flag) first, descending: then the oldest, then the id
    assert len(key) == 3 and key[0][1] and "flag.urgent" in str(key[0][0]).lower()


def test_nasta_and_foregaende_walk_every_event_once_in_order(client, login, clinician, make_moment, db, clock):
    jane = make_moment()
    now = clock()
    # equal times on purpose: the id breaks the tie, so no row is skipped or repeated across pages
    db.session.execute(insert(Flag), [
        {"enrollment_id": jane.id, "type": "patient_inactivity", "cause_key": f"k{i}", "text": f"H{i}",
         "raised_at": now - timedelta(days=i // 3)} for i in range(60)])
    db.session.commit()
    expected = db.session.execute(db.select(Flag.id).order_by(Flag.raised_at, Flag.id)).scalars().all()
    login(clinician)
    seen, url, pages = [], "/oversikt/att-gora", []
    while url:
        html = client.get(url).get_data(as_text=True)
        pages.append(html)
        seen += _flag_ids(html)
        found = re.search(r'<a href="([^"]+)" rel="next">', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert seen == expected and len(pages) == 3
    back = re.search(r'<a href="([^"]+)" rel="prev">', pages[-1]).group(1).replace("&amp;", "&")
    assert _flag_ids(client.get(back).get_data(as_text=True)) == expected[25:50]


def test_overview_badges_link_to_handelser_and_filter_and_sort_by_unhandled_events(
        client, login, clinician, make_moment, db, clock):
    jane = make_moment()
    anna = make_moment("197503121233", first_name="Anna", last_name="Andersson")
    make_moment("191212121212", first_name="Olle", last_name="Quiet")
    now = clock()
    _flag(db, jane, "patient_inactivity", now - timedelta(days=9), "j1")
    _flag(db, anna, "form_saved", now - timedelta(days=2), "a1")
    _flag(db, anna, "form_saved", now - timedelta(days=20), "a0", handled=True)
    login(clinician)
    alla = client.get("/oversikt/alla").get_data(as_text=True)
    assert f'href="/moment/{jane.id}/handelser">1 flagga' in alla
    filtered = client.get("/oversikt/alla?ohanterade=1").get_data(as_text=True)
    assert "Doe, Jane" in filtered and "Andersson, Anna" in filtered and "Quiet, Olle" not in filtered
    assert "Visar 2 invånare med ohanterade händelser" in filtered
    by_name = re.findall(r'<a href="/moment/(\d+)/hantera">', alla)
    oldest = re.findall(r'<a href="/moment/(\d+)/hantera">',
                        client.get("/oversikt/mina?sortera=aldsta").get_data(as_text=True))
    assert by_name[:2] == [str(anna.id), str(jane.id)]
    assert oldest == [str(jane.id), str(anna.id)]


def test_oldest_first_pages_by_number(client, login, clinician, unit, db, clock):
    from tests.web.test_overview import _bulk_moments
    _bulk_moments(db, unit, clinician, 30, clock())
    ids = db.session.execute(db.select(Enrollment.id).order_by(Enrollment.id)).scalars().all()
    for rank, eid in enumerate(ids):  # the last moment's flag is the oldest
        db.session.execute(db.update(Flag).where(Flag.enrollment_id == eid)
                           .values(raised_at=clock() - timedelta(hours=rank)))
    db.session.commit()
    login(clinician)
    first = client.get("/oversikt/alla?sortera=aldsta").get_data(as_text=True)
    rows = re.findall(r'<a href="/moment/(\d+)/hantera">', first)
    assert rows == [str(i) for i in reversed(ids)][:25]
    following = re.search(r'<a href="([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
    assert "efter=" not in following and "sida=2" in following
    second = re.findall(r'<a href="/moment/(\d+)/hantera">', client.get(following).get_data(as_text=True))
    assert second == [str(i) for i in reversed(ids)][25:]


def test_oldest_first_keeps_the_name_and_program_filters(client, login, clinician, make_moment, db, clock):
    jane = make_moment()
    anna = make_moment("197503121233", first_name="Anna", last_name="Andersson")
    _flag(db, jane, "patient_inactivity", clock() - timedelta(days=9), "j1")
    _flag(db, anna, "form_saved", clock() - timedelta(days=2), "a1")
    login(clinician)
    # the filter is posted (no name or personnummer in a URL); the order goes along
    page = client.post("/oversikt/alla", data={"q": "ander", "sortera": "aldsta"},
                       follow_redirects=True).get_data(as_text=True)
    assert re.findall(r'<a href="/moment/(\d+)/hantera">', page) == [str(anna.id)]
    assert "Visar 1 invånare med ohanterade händelser som matchar filtret" in page
