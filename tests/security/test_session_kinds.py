"""The session id's first letter names its owner's kind, so a page reads only that kind's tables with the session.

The letter is part of the secret (the table stores the SHA-256 of the whole id): changing it opens nothing. Ids
issued before the letter (43 characters) keep working until they end.
"""
import hashlib
import re

import pytest
from sqlalchemy import event

from web.auth.core.sessions import cookie_name
from web.models import WebSession


def _cookie(client, app) -> str:
    return client.get_cookie(cookie_name(app)).value


def _statements(db):
    """The SQL sent while the block runs (append-only list)."""
    sent: list[str] = []

    def listen(conn, cursor, statement, *args):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    return sent, lambda: event.remove(db.engine, "before_cursor_execute", listen)


def _reads(statement: str, table: str) -> bool:
    return re.search(rf"\b{table}\b", statement) is not None


@pytest.fixture()
def patient_client(app, make_moment):
    """A second browser with a logged-in patient (login_patient's way, on its own client)."""
    moment = make_moment()
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["_user_id"] = moment.patient.get_id()
        session["_fresh"] = True
    return browser, moment.patient


def test_the_id_starts_with_the_owners_kind_and_keeps_256_random_bits(client, app, clinician, login, patient_client):
    with client.session_transaction() as session:
        session["before"] = "x"  # a session before anyone logs in (as a flash message or the login's CSRF token)
    before = _cookie(client, app)
    login(clinician)
    staff = _cookie(client, app)
    browser, _ = patient_client
    patient = _cookie(browser, app)
    assert (before[0], staff[0], patient[0]) == ("a", "s", "p")
    for value in (before, staff, patient):
        assert len(value) == 44 and re.fullmatch(r"[A-Za-z0-9_-]{43}", value[1:])
    assert len({before[1:], staff[1:], patient[1:]}) == 3


def test_another_letter_opens_no_session(client, app, clinician, login, patient_client):
    login(clinician)
    staff = _cookie(client, app)
    browser, _ = patient_client
    patient = _cookie(browser, app)
    for letter in "pa":
        client.set_cookie(cookie_name(app), letter + staff[1:])
        assert client.get("/oversikt/alla").headers["Location"].startswith("/logga-in")
    for letter in "sa":
        browser.set_cookie(cookie_name(app), letter + patient[1:])
        assert client.get("/invanare/installningar").status_code == 302
    client.set_cookie(cookie_name(app), staff)  # the probes ended nothing
    assert client.get("/oversikt/alla").status_code == 200
    browser.set_cookie(cookie_name(app), patient)
    assert browser.get("/invanare/installningar").status_code == 200


def test_an_id_from_before_the_letter_still_opens_its_session(client, app, clinician, login, patient_client, db):
    login(clinician)
    browser, patient = patient_client
    for who, page, name, table in ((client, "/oversikt/alla", clinician.name, "staff_user"),
                                   (browser, "/invanare/installningar", patient.first_name, "patient")):
        value = _cookie(who, app)
        old = value[1:]  # 43 random characters: an id as issued before the letter
        db.session.execute(db.update(WebSession).where(WebSession.id == hashlib.sha256(value.encode()).hexdigest())
                           .values(id=hashlib.sha256(old.encode()).hexdigest()))
        db.session.commit()
        who.set_cookie(cookie_name(app), old)
        sent, stop = _statements(db)
        try:
            response = who.get(page)
        finally:
            stop()
        assert response.status_code == 200 and name in response.get_data(as_text=True)
        # the owner still comes with the session row, in one statement
        assert _reads(next(s for s in sent if _reads(s, "web_session")), table)


def test_a_patient_page_reads_no_staff_tables_and_a_staff_page_no_patients(client, app, clinician, login,
                                                                           patient_client, db):
    login(clinician)
    browser, _ = patient_client
    sent, stop = _statements(db)
    try:
        assert browser.get("/invanare/installningar").status_code == 200
        patient_session = next(s for s in sent if _reads(s, "web_session"))
        sent.clear()
        assert client.get("/min-profil/losenord").status_code == 200
        staff_session = next(s for s in sent if _reads(s, "web_session"))
    finally:
        stop()
    assert _reads(patient_session, "patient")
    assert not any(_reads(patient_session, table) for table in ("staff_user", "membership", "care_unit", "region"))
    assert all(_reads(staff_session, table) for table in ("staff_user", "membership", "care_unit", "region"))
    assert not _reads(staff_session, "patient")
