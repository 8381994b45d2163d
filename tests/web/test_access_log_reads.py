"""Every read of patients is in the access log: overview searches (masked text, hits), identified exports (one
row with the number of patients), Gallring and Administration lookups; shown under Administration."""
import pytest

import data_support
from web.models import AccessLog


def _rows(db, **where):
    query = db.select(AccessLog).order_by(AccessLog.id)
    for column, value in where.items():
        query = query.where(getattr(AccessLog, column) == value if value is not None
                            else getattr(AccessLog, column).is_(None))
    return db.session.execute(query).scalars().all()


@pytest.fixture
def two(make_moment):
    jane = make_moment()
    anna = make_moment("197503121233", first_name="Anna", last_name="Andersson")
    return jane, anna


def test_a_name_search_logs_the_text_the_hits_and_each_patient_shown(client, login, clinician, two, db, clock):
    jane, anna = two
    login(clinician)
    client.post("/oversikt/alla", data={"q": "ander"}, follow_redirects=True)
    (search,) = _rows(db, hits=1)
    assert search.patient_id is None and search.care_unit_id == clinician.memberships[0].care_unit_id
    assert search.what == 'Översikt (Alla): sökning på "ander", 1 träff' and search.at == clock()
    (shown,) = _rows(db, patient_id=anna.patient_id)
    assert shown.what == search.what and shown.hits is None and shown.user_id == clinician.id
    assert _rows(db, patient_id=jane.patient_id) == []


def test_a_personnummer_search_is_logged_masked(client, login, clinician, two, db):
    jane, _ = two
    login(clinician)
    client.post("/oversikt/alla", data={"q": "19610831-2460"}, follow_redirects=True)
    (search,) = _rows(db, patient_id=None)
    assert search.what == 'Översikt (Alla): sökning på "1961xxxx-xxxx", 1 träff' and search.hits == 1
    assert [r.patient_id for r in _rows(db)] == [None, jane.patient_id]


def test_a_search_without_hits_and_the_plain_list_are_not_reads_of_anyone(client, login, clinician, two, db):
    login(clinician)
    client.get("/oversikt/alla")
    client.post("/oversikt/alla", data={"q": "finns-inte"}, follow_redirects=True)
    assert _rows(db) == []


def test_lookups_in_gallring_and_administration_are_logged_found_or_not(client, login, make_staff, two, db):
    jane, _ = two
    admin = make_staff("admin", roles="behorighetsadmin invanaradmin", name="Ada Admin")
    login(admin)
    client.post("/administration/gallring", data={"personnummer": "19610831-2460"})  # active: nothing to purge
    client.post("/administration/gallring", data={"personnummer": "19121212-1212"})  # not in the unit
    client.post("/administration", data={"personnummer": "19610831-2460"})
    rows = [(r.patient_id, r.hits, r.what) for r in _rows(db)]
    assert rows == [
        (None, 1, "Gallring: sökning på 1961xxxx-xxxx"), (jane.patient_id, None, "Gallring: sökning på 1961xxxx-xxxx"),
        (None, 0, "Gallring: sökning på 1912xxxx-xxxx"),
        (None, 1, "Administration: åtkomstlogg: sökning på 1961xxxx-xxxx"),
        (jane.patient_id, None, "Administration: åtkomstlogg: sökning på 1961xxxx-xxxx")]


def test_the_searches_are_shown_under_administration(client, login, clinician, make_staff, two, db):
    login(clinician)
    client.post("/oversikt/alla", data={"q": "doe"}, follow_redirects=True)
    client.post("/logga-ut")
    login(make_staff("admin", roles="invanaradmin", name="Ada Admin"))
    page = client.get("/administration").get_data(as_text=True)
    searches = page.split("Sökningar och exporter med personuppgifter i vårdenheten")[1]
    assert "Marita Andersson" in searches and 'sökning på &#34;doe&#34;, 1 träff' in searches
    own = client.post("/administration", data={"personnummer": "19610831-2460"}).get_data(as_text=True)
    log = own.split("Vem har läst invånarens uppgifter")[1].split("</table>")[0]
    assert "Marita Andersson" in log and "sökning på &#34;doe&#34;" in log


@pytest.fixture
def data(db, make_unit, make_staff):
    return data_support.build(db, make_unit, make_staff)


def test_an_identified_export_writes_one_row_with_the_number_of_patients(client, login, make_staff, data, db):
    login(make_staff("data.admin", roles="dataadmin", name="Dana Dataadmin", unit=data["units"][0]))
    client.post("/export", data={"kind": "answers", "format": "csv"}).get_data()
    assert _rows(db) == []  # pseudonymised: no patient is named
    client.post("/export", data={"kind": "answers", "format": "csv", "identifierad": "ja",
                                 "syfte": "Kvalitetsuppföljning 2026"}).get_data()
    (row,) = _rows(db)
    # unit A: all ten moments answered Fagerström (one patient each)
    assert (row.patient_id, row.hits) == (None, 10)
    assert row.what == "Export med personnummer: Formulärsvar, CSV, syfte: Kvalitetsuppföljning 2026"


def test_a_moment_page_logs_its_read_as_one_insert(client, login, clinician, two, db, clock):
    """Hantera, Tidslinje, Händelser and Meddelanden each write their row as one INSERT (no AccessLog object
    through the unit of work): who, which unit, patient and moment, what, when."""
    from sqlalchemy import event

    jane, _ = two
    login(clinician)
    made = []

    def count(target, args, kwargs):
        made.append(target)

    event.listen(AccessLog, "init", count)
    try:
        for path, what in (("hantera", "Hantera"), ("tidslinje", "Tidslinje"), ("handelser", "Händelser: Flaggor"),
                           ("meddelanden", "Meddelanden")):
            assert client.get(f"/moment/{jane.id}/{path}").status_code == 200
            row = _rows(db, patient_id=jane.patient_id)[-1]
            assert (row.what, row.user_id, row.enrollment_id, row.at, row.hits) == (
                what, clinician.id, jane.id, clock(), None)
            assert row.care_unit_id == clinician.memberships[0].care_unit_id
    finally:
        event.remove(AccessLog, "init", count)
    assert made == []
