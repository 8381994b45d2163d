"""Personal, Användargrupper, Inställningar, Administration (access log) and Export."""
import csv
import io

import pytest

from web.models import AccessLog, User


@pytest.fixture
def admin(make_staff):
    return make_staff("admin", roles="behorighetsadmin invanaradmin dataadmin", name="Admin Adminsson")


def test_personal_lists_the_unit_and_adds_a_colleague_who_can_log_in(client, login, admin, clinician, db, unit):
    login(admin)
    page = client.get("/personal").get_data(as_text=True)
    assert "Marita Andersson" in page and "marita.andersson" in page
    response = client.post("/personal", data={"name": "Karin Kollega", "username": "Karin.K", "password": "hemligt-losen-123",
                                              "roles": ["behandlare", "invanaradmin"]})
    assert response.status_code == 302
    user = db.session.execute(db.select(User).where(User.username == "karin.k")).scalar_one()
    assert user.memberships[0].care_unit_id == unit.id and user.memberships[0].roles == "behandlare invanaradmin"
    client.post("/logga-ut")
    assert client.post("/logga-in", data={"username": "karin.k", "password": "hemligt-losen-123"}).status_code == 302


@pytest.mark.parametrize("path", ["/personal", "/anvandargrupper"])
def test_staff_lists_run_the_same_statements_for_3_and_13_members(client, login, admin, make_staff, db, count_queries,
                                                                  path):
    login(admin)
    make_staff()

    def statements() -> int:
        client.get(path)
        db.session.expire_all()
        with count_queries() as run:
            assert client.get(path).status_code == 200
        return len([s for s in run if "web_session" not in s.split()[:3]])

    few = statements()
    for _ in range(10):
        make_staff()
    assert statements() == few


def test_personal_refuses_a_taken_user_name(client, login, admin, clinician, db):
    login(admin)
    response = client.post("/personal", data={"name": "X", "username": "marita.andersson", "password": "hemligt-losen-123",
                                              "roles": ["behandlare"]})
    assert response.status_code == 422 and "Användarnamnet finns redan." in response.get_data(as_text=True)


def test_anvandargrupper_changes_roles(client, login, admin, clinician, db):
    login(admin)
    membership = clinician.memberships[0]
    client.post("/anvandargrupper", data={"membership": membership.id, "roles": ["behandlare", "dataadmin"]})
    db.session.refresh(membership)
    assert membership.roles == "behandlare dataadmin"
    assert "<strong>Dataadmin:</strong> Admin Adminsson, Marita Andersson" in client.get(
        "/anvandargrupper").get_data(as_text=True)


def test_an_admin_cannot_remove_their_own_behorighetsadmin(client, login, admin, db):
    login(admin)
    own = admin.memberships[0]
    page = client.post("/anvandargrupper", data={"membership": own.id, "roles": ["dataadmin"]},
                       follow_redirects=True).get_data(as_text=True)
    assert "Du kan inte ändra dina egna roller. Be en annan Behörighetsadmin." in page
    db.session.refresh(own)
    assert "behorighetsadmin" in own.role_set


def test_roles_of_another_unit_cannot_be_changed(client, login, admin, make_staff, other_unit, db):
    stranger = make_staff("okand", unit=other_unit)
    login(admin)
    assert client.post("/anvandargrupper", data={"membership": stranger.memberships[0].id,
                                                 "roles": ["behandlare"]}).status_code == 404


def test_installningar_shows_the_unit_and_the_programs(client, login, admin):
    login(admin)
    page = client.get("/installningar").get_data(as_text=True)
    assert "Region Jönköpings län" in page and "Tobakshjälpen" in page and "2.0.0" in page


def test_administration_shows_who_read_a_patients_record(client, login, admin, clinician, make_moment, db):
    moment = make_moment()
    login(clinician)
    client.get(f"/moment/{moment.id}/hantera")
    client.get(f"/moment/{moment.id}/meddelanden")
    client.post("/logga-ut")
    login(admin)
    page = client.post("/administration", data={"personnummer": "19610831-2460"}).get_data(as_text=True)
    assert "Doe, Jane 19610831-2460" in page
    assert page.count("Marita Andersson") == 2 and "Hantera" in page and "Meddelanden" in page
    assert db.session.execute(db.select(AccessLog.what).order_by(AccessLog.id.desc())).scalars().first() == \
        "Administration: åtkomstlogg: sökning på 1961xxxx-xxxx"


def test_administration_does_not_find_patients_of_other_units(client, login, admin, make_staff, other_unit,
                                                               make_moment):
    stranger = make_staff("okand", unit=other_unit)
    make_moment(user=stranger)
    login(admin)
    response = client.post("/administration", data={"personnummer": "196108312460"})
    assert response.status_code == 422
    assert "Ingen invånare med det personnumret har moment i vårdenheten." in response.get_data(as_text=True)
    assert "Doe" not in response.get_data(as_text=True)


def test_export_is_csv_without_names_or_personnummer(client, login, admin, make_moment):
    make_moment()
    login(admin)
    response = client.post("/export", data={"format": "csv"})
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["moment", "program", "version", "status"]
    assert rows[1][1:4] == ["tobakshjalpen", "2.0.0", "active"]
    assert rows[1][7:9] == ["0", "14"]
    text = response.get_data(as_text=True)
    assert "Doe" not in text and "19610831" not in text


@pytest.mark.parametrize("path", ["/personal", "/anvandargrupper", "/installningar", "/administration", "/export"])
def test_admin_tabs_are_forbidden_to_a_plain_clinician(client, login, clinician, path):
    login(clinician)
    assert client.get(path).status_code == 403


def test_an_admin_without_behandlare_lands_on_their_first_tab(client, login, admin):
    login(admin)
    assert client.get("/").headers["Location"] == "/export"
    assert client.get("/oversikt/alla").status_code == 403
