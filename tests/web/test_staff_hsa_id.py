"""Personal: a staff member's HSA-id (how a SITHS login through OpenID Connect finds the account).

Set when adding staff or on Ändra HSA-id, shown in the staff list, validated, unique, audited; only for
members of the admin's own unit.
"""
import pytest

from html_assert import elements, has_element
from stegvis_testing import PASSWORD
from web.models import AuditEvent, User
from web.services.clinician import staff as staff_service
from web.services.core import oidc_accounts
from web.services.core.oidc import Identity, OidcRefused
from web.services.errors import ServiceError

HSA = "SE2321000016-1003"
INVALID = ("HSA-id:t ska skrivas som SE, organisationsnumret, ett bindestreck och 1–31 bokstäver eller siffror, "
           "till exempel SE2321000016-1003.")
TAKEN = "HSA-id:t används redan av en annan användare."


@pytest.fixture
def admin(make_staff):
    return make_staff("admin", roles="behorighetsadmin", name="Ada Admin")


def edit_url(user) -> str:
    return f"/personal/{user.memberships[0].id}/hsa-id"


def hsa_events(db) -> list[tuple]:
    return [(e.actor_name, e.subject_name, e.care_unit_id, e.what) for e in db.session.execute(
        db.select(AuditEvent).where(AuditEvent.kind == "hsa_id_changed").order_by(AuditEvent.id)).scalars()]


def staff_identity(identifier: str) -> Identity:
    return Identity(audience="staff", subject="sub-1", identifier=identifier, name="", given_name="", family_name="",
                    acr=None, id_token="")


@pytest.mark.parametrize("raw, expected", [
    ("SE2321000016-1003", None),
    ("SE2321000131-E000000000001", None),
    ("SE162321000016-1003", None),  # the organisation number with the prefix 16 (12 digits)
    ("SE2321000016-" + "A" * 31, None),
    ("SE232100001-1003", INVALID),  # 9 digits
    ("SE992321000016-1003", INVALID),  # 12 digits without the prefix 16
    ("SE2321000016", INVALID),
    ("SE2321000016-", INVALID),
    ("SE2321000016-" + "A" * 32, INVALID),
    ("DK2321000016-1003", INVALID),
    ("SE2321000016-10 03", INVALID),
    ("SE2321000016-ÅÄÖ", INVALID),
    ("SE２３２１００００１６-1003", INVALID),  # full-width digits are digits to Python, not to HSA
])
def test_the_hsa_id_format(db, raw, expected):
    assert oidc_accounts.hsa_id_problem(raw, None) == expected


def test_an_hsa_id_is_trimmed_and_upper_cased_and_empty_means_none():
    assert oidc_accounts.normalise_hsa_id("  se2321000016-e1003 ") == "SE2321000016-E1003"
    assert oidc_accounts.normalise_hsa_id("   ") is None and oidc_accounts.normalise_hsa_id(None) is None


def test_staff_added_with_an_hsa_id_get_it_normalised_listed_and_audited(client, login, admin, db, unit):
    login(admin)
    response = client.post("/personal", data={"name": "Karin Kollega", "username": "karin.k",
                                              "hsa_id": "  se2321000016-1003 ", "roles": ["behandlare"]})
    assert response.status_code == 302
    karin = db.session.execute(db.select(User).where(User.username == "karin.k")).scalar_one()
    assert karin.hsa_id == HSA and karin.password_hash is None
    page = client.get("/personal").get_data(as_text=True)
    assert f"<td>{HSA} <a" in page
    created = db.session.execute(db.select(AuditEvent.what).where(AuditEvent.kind == "staff_created")).scalar_one()
    assert created == f"Personal tillagd: Karin Kollega (karin.k), roller: Behandlare, HSA-id: {HSA}"


def test_the_list_says_ej_angivet_and_links_every_member_to_andra_hsa_id(client, login, admin, clinician):
    login(admin)
    page = client.get("/personal").get_data(as_text=True)
    assert page.count("<td>Ej angivet <a") == 2
    links = [a["href"] for a in elements(page, "a") if a["href"].endswith("/hsa-id")]
    assert links == [edit_url(admin), edit_url(clinician)]  # by name: Ada, Marita
    assert '<span class="visually-hidden"> HSA-id för Marita Andersson</span>' in page


def test_a_member_gets_an_hsa_id_and_an_oidc_login_with_it_finds_the_account(client, login, admin, clinician, db,
                                                                            unit):
    login(admin)
    with pytest.raises(OidcRefused):
        oidc_accounts.staff_for(staff_identity(HSA))
    page = client.get(edit_url(clinician)).get_data(as_text=True)
    assert has_element(page, "input", id="hsa_id", name="hsa_id", value="", aria_describedby="hsa_id-hjalp")
    assert has_element(page, "label", for_="hsa_id")
    response = client.post(edit_url(clinician), data={"hsa_id": "se2321000016-1003"}, follow_redirects=True)
    assert "HSA-id för Marita Andersson är sparat." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, clinician.id).hsa_id == HSA
    assert oidc_accounts.staff_for(staff_identity(f" {HSA.lower()} ")).id == clinician.id
    assert hsa_events(db) == [("Ada Admin", "Marita Andersson", unit.id, f"HSA-id: ej angivet → {HSA}")]
    log = client.get("/anvandargrupper").get_data(as_text=True)
    assert (f"<td>HSA-id ändrat</td><td>Ada Admin</td><td>Marita Andersson</td><td>HSA-id: ej angivet → {HSA}</td>"
            in log)


def test_changing_an_hsa_id_is_audited_and_ends_the_members_sessions(app, client, login, admin, make_staff, db, unit):
    member = make_staff("karin.k", name="Karin Kollega", hsa_id=HSA)
    theirs = app.test_client()
    assert theirs.post("/logga-in", data={"username": "karin.k", "password": PASSWORD}).status_code == 302
    login(admin)
    assert client.get(edit_url(member)).status_code == 200
    assert has_element(client.get(edit_url(member)).get_data(as_text=True), "input", id="hsa_id", value=HSA)
    assert client.post(edit_url(member), data={"hsa_id": "SE2321000016-2000"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, member.id).hsa_id == "SE2321000016-2000"
    assert hsa_events(db) == [("Ada Admin", "Karin Kollega", unit.id, f"HSA-id: {HSA} → SE2321000016-2000")]
    assert theirs.get("/oversikt/mina").headers["Location"].startswith("/logga-in")
    with pytest.raises(OidcRefused):
        oidc_accounts.staff_for(staff_identity(HSA))


def test_setting_a_first_hsa_id_keeps_the_members_session(app, client, login, admin, clinician):
    theirs = app.test_client()
    assert theirs.post("/logga-in", data={"username": "marita.andersson", "password": PASSWORD}).status_code == 302
    login(admin)
    client.post(edit_url(clinician), data={"hsa_id": HSA})
    assert theirs.get("/oversikt/mina").status_code == 200


def test_an_emptied_field_clears_the_hsa_id(client, login, admin, make_staff, db, unit):
    member = make_staff("karin.k", name="Karin Kollega", hsa_id=HSA)
    login(admin)
    page = client.post(edit_url(member), data={"hsa_id": "  "}, follow_redirects=True).get_data(as_text=True)
    assert "HSA-id för Karin Kollega är borttaget." in page
    db.session.expire_all()
    assert db.session.get(User, member.id).hsa_id is None
    assert hsa_events(db) == [("Ada Admin", "Karin Kollega", unit.id, f"HSA-id: {HSA} → ej angivet")]
    with pytest.raises(OidcRefused):
        oidc_accounts.staff_for(staff_identity(HSA))


def test_saving_the_same_hsa_id_changes_nothing_and_writes_no_audit_row(client, login, admin, make_staff, db):
    member = make_staff("karin.k", name="Karin Kollega", hsa_id=HSA)
    login(admin)
    page = client.post(edit_url(member), data={"hsa_id": HSA.lower()}, follow_redirects=True).get_data(as_text=True)
    assert "Inget ändrades." in page
    assert hsa_events(db) == []


def test_a_malformed_hsa_id_comes_back_as_typed_with_the_error_tied_to_the_field(client, login, admin, make_staff,
                                                                                   db):
    member = make_staff("karin.k", name="Karin Kollega", hsa_id=HSA)
    login(admin)
    response = client.post(edit_url(member), data={"hsa_id": "SE232100-1003"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert has_element(page, "input", id="hsa_id", value="SE232100-1003", aria_invalid="true",
                       aria_describedby="hsa_id-hjalp hsa_id-fel")
    assert f'<p class="error" id="hsa_id-fel">{INVALID}</p>' in page
    assert "HSA-id:t kunde inte sparas." in page
    db.session.expire_all()
    assert db.session.get(User, member.id).hsa_id == HSA and hsa_events(db) == []


def test_adding_staff_with_a_malformed_hsa_id_keeps_everything_typed(client, login, admin, db):
    login(admin)
    response = client.post("/personal", data={"name": "Karin Kollega", "username": "karin.k",
                                              "email": "karin@example.se", "hsa_id": "SE2321000016_1003",
                                              "roles": ["behandlare"]})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert has_element(page, "input", id="p-hsa_id", value="SE2321000016_1003", aria_invalid="true",
                       aria_describedby="p-hsa_id-hjalp p-hsa_id-fel")
    assert f'<p class="error" id="p-hsa_id-fel">{INVALID}</p>' in page
    assert has_element(page, "input", id="p-name", value="Karin Kollega")
    assert has_element(page, "input", id="p-username", value="karin.k")
    assert has_element(page, "input", id="p-email", value="karin@example.se")
    assert db.session.execute(db.select(User).where(User.username == "karin.k")).first() is None


def test_an_hsa_id_held_by_someone_else_is_refused_on_add_and_on_change(client, login, admin, make_staff,
                                                                           other_unit, clinician, db):
    make_staff("annan", unit=other_unit, hsa_id=HSA)  # the column is unique across every unit
    login(admin)
    response = client.post(edit_url(clinician), data={"hsa_id": HSA.lower()})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'<p class="error" id="hsa_id-fel">{TAKEN}</p>' in page
    assert has_element(page, "input", id="hsa_id", value=HSA.lower(), aria_invalid="true")
    response = client.post("/personal", data={"name": "Karin Kollega", "username": "karin.k", "hsa_id": HSA,
                                              "roles": ["behandlare"]})
    assert response.status_code == 422
    assert f'<p class="error" id="p-hsa_id-fel">{TAKEN}</p>' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, clinician.id).hsa_id is None
    assert db.session.execute(db.select(User).where(User.username == "karin.k")).first() is None
    assert hsa_events(db) == []


def test_losing_the_race_for_an_hsa_id_is_the_same_refusal(monkeypatch, make_staff, clinician, unit, db):
    """Between the check and the write another account may take the HSA-id: the unique column decides."""
    make_staff("annan", hsa_id=HSA)
    monkeypatch.setattr(staff_service, "hsa_id_problem", lambda hsa_id, user_id: None)
    with pytest.raises(ServiceError) as refused:
        staff_service.set_hsa_id(clinician.memberships[0], HSA)
    assert (refused.value.message, refused.value.fields) == ("HSA-id:t kunde inte sparas.", {"hsa_id": TAKEN})
    with pytest.raises(ServiceError) as refused:
        staff_service.create_staff(unit, username="karin.k", name="Karin", password=None, roles=["behandlare"],
                                   hsa_id=HSA)
    assert (refused.value.message, refused.value.fields) == ("Personen kunde inte läggas till.", {"hsa_id": TAKEN})
    db.session.expire_all()
    assert db.session.get(User, clinician.id).hsa_id is None
    assert db.session.execute(db.select(User).where(User.username == "karin.k")).first() is None
    assert db.session.execute(db.select(AuditEvent)).first() is None


def test_another_units_member_is_not_found(client, login, admin, make_staff, other_unit, db):
    stranger = make_staff("okand", unit=other_unit, name="Okänd Person")
    login(admin)
    assert client.get(edit_url(stranger)).status_code == 404
    response = client.post(edit_url(stranger), data={"hsa_id": HSA})
    assert response.status_code == 404 and "Okänd Person" not in response.get_data(as_text=True)
    assert client.get("/personal/999999/hsa-id").status_code == 404
    db.session.expire_all()
    assert db.session.get(User, stranger.id).hsa_id is None and hsa_events(db) == []


def test_andra_hsa_id_is_forbidden_to_a_plain_clinician(client, login, clinician, db):
    login(clinician)
    assert client.get(edit_url(clinician)).status_code == 403
    assert client.post(edit_url(clinician), data={"hsa_id": HSA}).status_code == 403
    db.session.expire_all()
    assert db.session.get(User, clinician.id).hsa_id is None
