"""Password policy, Byt lösenord for staff and patients (other sessions end), and the audit log."""
import pytest

from stegvis_testing import PASSWORD
from web.models import AuditEvent
from web.auth.core.password_policy import common_passwords, problem
from web.auth.core.sessions import cookie_name


@pytest.mark.parametrize(("password", "reason"), [
    ("aaaaaaaa", "Lösenordet måste ha minst 12 tecken."),
    ("aaaaaaaaaaaaaaaa", "Lösenordet är för vanligt eller för enkelt. Välj ett längre lösenord, gärna flera ord."),
    ("1q2w3e4r5t6y", "Lösenordet är för vanligt eller för enkelt. Välj ett längre lösenord, gärna flera ord."),
    ("marita.andersson-1", "Lösenordet får inte innehålla ditt användarnamn eller personnummer."),
    ("x" * 201, "Lösenordet får ha högst 200 tecken."),
    ("tre glada grodor hoppar", None),
])
def test_the_password_policy(password, reason):
    assert problem(password, personal=("marita.andersson",)) == reason


def test_the_bundled_list_holds_ten_thousand_common_passwords():
    words = common_passwords()
    assert len(words) == 10_000
    assert {"123456", "password", "qwertyuiop", "1q2w3e4r5t6y"} <= words


def test_a_staff_member_changes_password_and_other_sessions_end(app, client, clinician, login, db):
    login(clinician)
    other = app.test_client()
    assert other.post("/logga-in", data={"username": "marita.andersson", "password": PASSWORD}).status_code == 302
    page = client.get("/min-profil").get_data(as_text=True)
    assert 'href="/min-profil/losenord"' in page
    response = client.post("/min-profil/losenord", data={"current": PASSWORD, "new": "tre glada grodor hoppar",
                                                          "confirm": "tre glada grodor hoppar"})
    assert response.status_code == 302
    assert client.get("/oversikt/alla").status_code == 200  # this session lives on (with a new id)
    assert other.get("/oversikt/alla").headers["Location"].startswith("/logga-in")
    assert app.test_client().post("/logga-in", data={"username": "marita.andersson",
                                                     "password": "tre glada grodor hoppar"}).status_code == 302
    kinds = [e.kind for e in db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars()]
    assert kinds.count("password_changed") == 1 and kinds.count("login") >= 2


def test_a_wrong_current_password_or_weak_new_one_is_refused(client, clinician, login):
    login(clinician)
    response = client.post("/min-profil/losenord", data={"current": "fel", "new": "aaaaaaaa", "confirm": "aaaaaaaa"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nuvarande lösenord stämmer inte." in page and "Lösenordet måste ha minst 12 tecken." in page


def test_a_patient_changes_password_under_installningar(app, client, make_moment, db):
    from web.auth.core.passwords import hash_password

    patient = make_moment().patient
    patient.password_hash = hash_password(PASSWORD)
    db.session.commit()
    client.post("/invanare/logga-in", data={"personnummer": "19610831-2460", "password": PASSWORD})
    assert 'href="/invanare/installningar/losenord"' in client.get("/invanare/installningar").get_data(as_text=True)
    response = client.post("/invanare/installningar/losenord",
                           data={"current": PASSWORD, "new": "196108312460 och mer", "confirm": "196108312460 och mer"})
    assert "Lösenordet får inte innehålla ditt användarnamn eller personnummer." in response.get_data(as_text=True)
    response = client.post("/invanare/installningar/losenord",
                           data={"current": PASSWORD, "new": "sommar i småland", "confirm": "sommar i småland"})
    assert response.status_code == 302
    fresh = app.test_client()
    assert fresh.post("/invanare/logga-in", data={"personnummer": "19610831-2460",
                                                  "password": "sommar i småland"}).status_code == 302


def test_role_changes_and_new_staff_are_audited_and_shown(client, make_staff, clinician, login, db, unit):
    admin = make_staff("admin", roles="behorighetsadmin", name="Ada Admin")
    login(admin)
    client.post("/personal", data={"name": "Karin Kollega", "username": "karin.k", "password": "hemligt-losen-123",
                                   "roles": ["behandlare"]})
    member = clinician.memberships[0]
    client.post("/anvandargrupper", data={"membership": member.id, "roles": ["behandlare", "invanaradmin"]})
    own = admin.memberships[0]
    client.post("/anvandargrupper", data={"membership": own.id, "roles": ["behorighetsadmin", "behandlare"]})
    page = client.get("/anvandargrupper").get_data(as_text=True)
    assert "Granskningslogg" in page
    assert "Personal tillagd: Karin Kollega (karin.k), roller: Behandlare" in page
    assert "Roller: Behandlare → Behandlare, Invånaradmin" in page
    # granting oneself is refused (separation of duties), and not silently
    assert "Rolländring nekad: Du kan inte ändra dina egna roller." in page
    events = db.session.execute(db.select(AuditEvent).where(AuditEvent.kind.in_(["roles_changed", "roles_refused"]))
                                .order_by(AuditEvent.id)).scalars().all()
    assert [(e.kind, e.actor_name, e.subject_name, e.care_unit_id) for e in events] == [
        ("roles_changed", "Ada Admin", "Marita Andersson", unit.id), ("roles_refused", "Ada Admin", "Ada Admin", unit.id)]


def test_logout_is_audited(client, clinician, login, db):
    login(clinician)
    client.post("/logga-ut")
    kinds = [e.kind for e in db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars()]
    assert kinds == ["login", "logout"]
