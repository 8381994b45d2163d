"""Every failed login, lockout and unlock is in the audit log (account, address, time; never the password)."""
import json
from datetime import timedelta

from stegvis_testing import PASSWORD
from web.models import AuditEvent, LoginAttempt

WRONG = "Fel-lösen-4711!"


def _events(db):
    return db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars().all()


def _everything(db) -> str:
    """Every audit and login-attempt row as text (to look for a password in them)."""
    rows = [[str(v) for v in row] for model in (AuditEvent, LoginAttempt)
            for row in db.session.execute(db.select(*model.__table__.columns)).all()]
    return json.dumps(rows, ensure_ascii=False)


def test_staff_failures_the_lockout_and_the_unlock_are_audited(client, clinician, clock, app, db):
    wrong = {"username": "Marita.Andersson", "password": WRONG}
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert client.post("/logga-in", data=wrong).status_code == 200
    assert client.post("/logga-in", data=wrong).status_code == 429  # slowed down: refused before the check
    clock.advance(seconds=60)
    assert client.post("/logga-in", data={"username": "marita.andersson", "password": PASSWORD}).status_code == 302
    events = _events(db)
    failures = app.config["LOGIN_MAX_FAILURES"]
    assert [e.kind for e in events] == ["login_failed"] * failures + ["login_blocked", "login_unlocked", "login"]
    assert {e.subject_key for e in events} == {f"staff:{clinician.id}"}
    assert {e.ip for e in events} == {"127.0.0.1"}
    assert events[0].at == clock() - timedelta(seconds=60)
    assert events[0].what == "Inloggning misslyckad: fel lösenord"
    assert events[failures].what == "Inloggning spärrad: för många misslyckade försök på kontot"
    assert events[failures + 1].what == f"Spärr hävd: inloggning efter {failures} misslyckade försök"
    # the blocked attempt's row is gone (it must not lengthen the wait), its audit row is not
    assert db.session.execute(db.select(db.func.count(LoginAttempt.id))).scalar_one() == failures + 1
    assert WRONG not in _everything(db) and "4711" not in _everything(db)


def test_an_unknown_user_name_is_audited_by_name(client, db):
    client.post("/logga-in", data={"username": "gissad.person", "password": WRONG})
    (event,) = _events(db)
    assert (event.kind, event.subject_key, event.ip) == ("login_failed", None, "127.0.0.1")
    assert event.what == "Inloggning misslyckad (okänt användarnamn 'gissad.person'): fel lösenord"


def test_an_address_blocked_across_names_is_audited(client, make_staff, app, db):
    make_staff("anna.berg")
    for n in range(app.config["LOGIN_MAX_FAILURES"] * 4):
        client.post("/logga-in", data={"username": f"namn{n}", "password": "fel"})
    assert client.post("/logga-in", data={"username": "anna.berg", "password": PASSWORD}).status_code == 429
    blocked = _events(db)[-1]
    assert blocked.kind == "login_blocked" and blocked.subject_name == "Behandlare 1"
    assert blocked.what == "Inloggning spärrad: för många misslyckade försök från adressen"


def test_patient_failures_are_audited_without_the_personnummer_of_an_unknown_number(client, make_patient, db):
    from web.auth.core.passwords import hash_password

    patient = make_patient("196108312460", password_hash=hash_password(PASSWORD))
    client.post("/invanare/logga-in", data={"personnummer": "19610831-2460", "password": WRONG})
    client.post("/invanare/logga-in", data={"personnummer": "19121212-1212", "password": WRONG})
    known, unknown = _events(db)
    assert (known.kind, known.subject_key) == ("login_failed", f"patient:{patient.id}")
    assert (unknown.kind, unknown.subject_key) == ("login_failed", None)
    assert unknown.what == "Inloggning misslyckad (okänt personnummer): fel lösenord"
    assert "1212" not in json.dumps([[e.what, e.subject_name, e.actor_name] for e in (known, unknown)])


def test_a_members_failed_logins_are_shown_in_the_units_audit_log(client, clinician, make_staff, login, db):
    client.post("/logga-in", data={"username": "marita.andersson", "password": WRONG})
    login(make_staff("admin", roles="behorighetsadmin", name="Ada Admin"))
    page = client.get("/anvandargrupper").get_data(as_text=True)
    assert "Inloggning misslyckad: fel lösenord" in page
