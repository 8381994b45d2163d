"""Behandlarvyn: Mina / Alla / Avslutade, masked personnummer, Senast aktiv, Flaggor, filter, pages."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import insert

from web.models import Enrollment, Flag, Patient
from web.services.patient import answers as forms
from web.services.core import messages
from web.services.clinician import moments


def test_rows_show_masked_personnummer_start_and_aldrig(client, login, clinician, make_moment):
    login(clinician)
    make_moment()
    page = client.get("/oversikt/alla").get_data(as_text=True)
    assert "Doe, Jane" in page
    assert "19610831-xxxx" in page
    assert "19610831-2460" not in page and "196108312460" not in page
    assert "2026-03-02" in page  # Momentstart
    assert "Aldrig" in page
    assert "Inga aktuella händelser" in page
    assert "Visar alla 1 invånare i moment" in page


def test_mina_shows_only_moments_where_i_am_responsible(client, login, clinician, make_staff, make_moment):
    colleague = make_staff("kollega", name="Karin Kollega")
    make_moment()
    make_moment("197503121233", user=colleague, first_name="Anna", last_name="Andersson")
    login(clinician)
    mina = client.get("/oversikt/mina").get_data(as_text=True)
    alla = client.get("/oversikt/alla").get_data(as_text=True)
    assert "Doe, Jane" in mina and "Andersson, Anna" not in mina
    assert "Doe, Jane" in alla and "Andersson, Anna" in alla


def test_avslutade_lists_ended_moments_only(client, login, clinician, make_moment, clock):
    ended = make_moment()
    make_moment("197503121233", first_name="Anna", last_name="Andersson")
    moments.end_moment(ended, "genomford", user=clinician, membership=clinician.memberships[0], now=clock())
    login(clinician)
    avslutade = client.get("/oversikt/avslutade").get_data(as_text=True)
    alla = client.get("/oversikt/alla").get_data(as_text=True)
    assert "Doe, Jane" in avslutade and "Andersson, Anna" not in avslutade
    assert "Doe, Jane" not in alla


def test_flaggor_counts_unread_forms_and_messages(client, login, clinician, make_moment, clock, db):
    moment = make_moment()
    patient = moment.patient
    clock.advance(hours=1)
    forms.view_step(moment, patient, "steg-1", "motivation", now=clock())
    forms.submit_form(moment, patient, "skal", {"skal": ["halsa"], "viktigt": 7}, now=clock(), module_id="steg-1")
    messages.send_as_patient(moment, patient, subject="Fråga", body="Hej!", now=clock())
    login(clinician)
    page = client.get("/oversikt/alla").get_data(as_text=True)
    assert "1 oläst formulär" in page
    assert "1 oläst meddelande" in page
    assert "Inga aktuella händelser" not in page
    assert "2026-03-02" in page.split("Doe, Jane")[1]  # Senast aktiv is now set


def test_the_filter_finds_by_name_and_by_personnummer(client, login, clinician, make_moment):
    make_moment()
    make_moment("197503121233", first_name="Anna", last_name="Andersson")
    login(clinician)
    by_name = client.post("/oversikt/alla", data={"q": "ander"}, follow_redirects=True).get_data(as_text=True)
    by_pnr = client.post("/oversikt/alla", data={"q": "19610831"}, follow_redirects=True).get_data(as_text=True)
    assert "Andersson, Anna" in by_name and "Doe, Jane" not in by_name
    assert "Doe, Jane" in by_pnr and "Andersson, Anna" not in by_pnr
    assert "Visar 1 invånare som matchar filtret" in by_name


def test_the_name_filter_follows_a_changed_name_and_the_first_name_too(client, login, clinician, make_moment, db):
    """The filter matches the names as they are now, "first last" as one text (a stored copy of the names
    would have to follow every change)."""
    from web.models import Patient

    make_moment()
    make_moment("197503121233", first_name="Anna", last_name="Andersson")
    anna = db.session.execute(db.select(Patient).where(Patient.last_name == "Andersson")).scalar_one()
    anna.last_name, anna.first_name = "Berg-Lind", "Annika"
    db.session.commit()
    login(clinician)

    def found(text: str) -> str:
        return client.post("/oversikt/alla", data={"q": text}, follow_redirects=True).get_data(as_text=True)

    assert "Berg-Lind, Annika" in found("g-li") and "Doe, Jane" not in found("g-li")
    assert "Berg-Lind, Annika" in found("nika berg")  # "first last"
    assert "Visar 0 invånare som matchar filtret" in found("ander")  # the old name no longer matches
    assert "Doe, Jane" in found("jane d")


def _bulk_moments(db, unit, clinician, count, now, start_at=0):
    """Insert moments straight into the tables (the service path is tested elsewhere)."""
    patients = [{"personnummer": f"1{i:011d}", "first_name": f"Förnamn{i}", "last_name": f"Efternamn{i:04d}",
                 "created_at": now, "notify_email": False, "notify_sms": False}
                for i in range(start_at, start_at + count)]
    db.session.execute(insert(Patient), patients)
    ids = db.session.execute(db.select(Patient.id).where(
        Patient.personnummer.in_([p["personnummer"] for p in patients]))).scalars().all()
    db.session.execute(insert(Enrollment), [
        {"patient_id": pid, "program_id": "tobakshjalpen", "program_version": "1.0.0", "program_digest": "x",
         "care_unit_id": unit.id, "clinician_id": clinician.id, "status": "active",
         "started_at": now - timedelta(days=pid % 30), "linked": [], "batteries": []} for pid in ids])
    enrollment_ids = db.session.execute(db.select(Enrollment.id)).scalars().all()
    db.session.execute(insert(Flag), [
        {"enrollment_id": eid, "type": "patient_inactivity", "cause_key": f"c{eid}", "text": "Inaktiv",
         "raised_at": now} for eid in enrollment_ids[start_at:]])
    db.session.commit()


def test_the_overview_runs_the_same_number_of_queries_for_50_and_500_moments(
        client, login, clinician, unit, db, clock, count_queries):
    login(clinician)
    _bulk_moments(db, unit, clinician, 50, clock())
    with count_queries() as small:
        page = client.get("/oversikt/alla")
    assert page.status_code == 200 and "Visar alla 50 invånare i moment" in page.get_data(as_text=True)
    _bulk_moments(db, unit, clinician, 450, clock(), start_at=50)
    with count_queries() as large:
        page = client.get("/oversikt/alla")
    text = page.get_data(as_text=True)
    assert "Visar alla 500 invånare i moment" in text
    assert text.count("1 flagga") == 25  # one page
    assert len(large) == len(small)
    assert len(small) <= 8, small


def test_pages_of_25_with_next_and_previous(client, login, clinician, unit, db, clock):
    _bulk_moments(db, unit, clinician, 30, clock())
    login(clinician)
    first = client.get("/oversikt/alla").get_data(as_text=True)
    second = client.get("/oversikt/alla?sida=2").get_data(as_text=True)
    assert "Sida 1 av 2" in first and "Efternamn0000" in first and "Efternamn0029" not in first
    assert "Sida 2 av 2" in second and "Efternamn0029" in second and "Efternamn0000" not in second


def _rows(html: str) -> list[str]:
    return re.findall(r'<a href="/moment/(\d+)/hantera">', html)


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_nasta_and_foregaende_walk_every_row_once_in_order(client, login, clinician, unit, other_unit,
                                                          make_staff, db, clock):
    """Keyset pages: Nästa/Föregående carry the neighbouring row's moment; walking forward and back
    shows every moment once, in the order the numbered (OFFSET) pages show them, ties included."""
    _bulk_moments(db, unit, clinician, 60, clock())
    # name ties: the same patient name on several moments (ordered by start, newest first, then id)
    twins = [{"personnummer": f"2{i:011d}", "first_name": "Förnamn", "last_name": "Efternamn0030",
              "created_at": clock(), "notify_email": False, "notify_sms": False} for i in range(7)]
    db.session.execute(insert(Patient), twins)
    twin_ids = db.session.execute(db.select(Patient.id).where(Patient.personnummer.like("2%"))).scalars().all()
    db.session.execute(insert(Enrollment), [
        {"patient_id": pid, "program_id": "tobakshjalpen", "program_version": "1.0.0", "program_digest": "x",
         "care_unit_id": unit.id, "clinician_id": clinician.id, "status": "active",
         "started_at": clock() - timedelta(days=i % 2), "linked": [], "batteries": []}
        for i, pid in enumerate(twin_ids)])
    db.session.commit()
    login(clinician)
    numbered = []
    for number in (1, 2, 3):
        numbered += _rows(client.get(f"/oversikt/alla?sida={number}").get_data(as_text=True))
    assert len(numbered) == len(set(numbered)) == 67

    forward, pages, url = [], [], "/oversikt/alla"
    while url:
        html = client.get(url).get_data(as_text=True)
        forward += _rows(html)
        pages.append(re.search(r"Sida (\d+) av 3", html).group(1))
        url = _link(html, "next")
        assert url is None or "efter=" in url
    assert forward == numbered and pages == ["1", "2", "3"]

    backward, url = [], _link(html, "prev")
    while url:
        assert "fore=" in url
        html = client.get(url).get_data(as_text=True)
        backward = _rows(html) + backward
        url = _link(html, "prev")
    assert backward == numbered[:50]  # from the last page back: pages 2 and 1
    assert "Sida 1 av 3" in html and _link(html, "prev") is None


@pytest.mark.app_config(PAGE_SIZE=4)  # the ten matches on three pages: Nästa with a filter, too
def test_a_name_filter_lists_its_matches_in_the_same_order_as_the_unfiltered_list(client, login, clinician, unit,
                                                                                 db, clock, monkeypatch):
    """Few matches are sorted rather than found by walking the name index: the order must not change."""
    from web.services.clinician import overview

    _bulk_moments(db, unit, clinician, 60, clock())
    login(clinician)
    everyone = []
    for number in range(1, 16):
        everyone += re.findall(r'<a href="/moment/(\d+)/hantera">([^<]+)</a>',
                               client.get(f"/oversikt/alla?sida={number}").get_data(as_text=True))
    expected = [eid for eid, name in everyone if "Efternamn001" in name]
    assert len(expected) == 10
    for limit in (0, 5000):  # walked (more matches than the limit) and sorted
        monkeypatch.setattr(overview, "SORT_MATCHES_UP_TO", limit)
        shown, url = [], client.post("/oversikt/alla", data={"q": "efternamn001"}).headers["Location"]
        while url:
            html = client.get(url).get_data(as_text=True)
            shown += _rows(html)
            url = _link(html, "next")
            assert url is None or "efter=" in url and "sok=" in url and "efternamn" not in url
        assert shown == expected, limit


def test_a_page_link_naming_another_units_moment_is_ignored(client, login, clinician, unit, other_unit,
                                                                      make_staff, db, clock):
    _bulk_moments(db, unit, clinician, 30, clock())
    stranger = make_staff("annan", units=[other_unit])
    _bulk_moments(db, other_unit, stranger, 1, clock(), start_at=30)
    foreign = db.session.execute(db.select(Enrollment.id).where(Enrollment.care_unit_id == other_unit.id)).scalar_one()
    login(clinician)
    # its place in the order (after every row here) is not used: the numbered page 2 is shown
    numbered = _rows(client.get("/oversikt/alla?sida=2").get_data(as_text=True))
    assert len(numbered) == 5
    assert _rows(client.get(f"/oversikt/alla?sida=2&efter={foreign}").get_data(as_text=True)) == numbered
    assert _rows(client.get(f"/oversikt/alla?sida=2&fore={foreign}").get_data(as_text=True)) == numbered


@pytest.mark.parametrize("tab", ["okand", "export"])
def test_unknown_overview_tabs_are_404(client, login, clinician, tab):
    login(clinician)
    assert client.get(f"/oversikt/{tab}").status_code == 404


def test_tabs_follow_the_roles_of_the_unit(client, login, make_staff):
    admin = make_staff("admin", roles="behorighetsadmin invanaradmin dataadmin behandlare")
    login(admin)
    page = client.get("/oversikt/alla").get_data(as_text=True)
    for label in ("Mina", "Alla", "Avslutade", "Export", "Personal", "Användargrupper", "Inställningar",
                  "Administration"):
        assert f">{label}</a>" in page


def test_a_clinician_without_admin_roles_sees_only_the_moment_tabs(client, login, clinician):
    login(clinician)
    page = client.get("/oversikt/alla").get_data(as_text=True)
    assert ">Alla</a>" in page
    for label in ("Export", "Personal", "Användargrupper", "Inställningar", "Administration"):
        assert f">{label}</a>" not in page
