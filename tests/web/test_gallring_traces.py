"""Gallring leaves nothing: after a purge no identifier or text of the patient is anywhere in the database
(for SQLite: the database file and its write-ahead log, byte for byte) or in the instance folder (outbox
.eml files, sms.log), and the patient's sessions and the staff flashes and searches naming them are gone."""
import json
from pathlib import Path

import pytest

import data_support
from stegvis_testing import PASSWORD
from web.models import AccessLog, AuditEvent, Enrollment, WebSession

FIRST, LAST = "Fridolina", "Östlund-Spårlös"  # Ö: SQLite's lower() folds ASCII letters only
EMAIL, MOBILE = "fridolina.sparlos@example.org", "070-987 65 43"
MESSAGE = "Mitt hemliga meddelande 7Q3Z"
ANSWER = "Jag heter Fridolina och bor på Kvarngatan 9"


@pytest.fixture
def app_config(app_config, backend, tmp_path, programs):
    """SQLite: a database file of this test's own, so the grep reads nothing another test wrote."""
    if backend == "sqlite":
        from web import create_app
        from commands.operators import database as manage

        url = f"sqlite:///{tmp_path / 'egen.db'}"
        migrated = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "PROGRAMS": programs,
                               "DATA_DIR": str(tmp_path)})
        manage.upgrade(migrated)
        with migrated.app_context():
            from web.extensions import db

            db.engine.dispose()
        app_config["SQLALCHEMY_DATABASE_URI"] = url
    return app_config


def _forms(text: str) -> set[bytes]:
    """The bytes a text may be stored as: UTF-8, JSON with \\u escapes (Flask's session data), lower- and
    upper-case (as typed in a search)."""
    out = set()
    for t in (text, text.lower(), text.upper()):
        out |= {t.encode(), json.dumps(t)[1:-1].encode(), json.dumps(t, ensure_ascii=False)[1:-1].encode()}
    return out


def _traces(pnr: str) -> dict[str, set[bytes]]:
    mobile_digits = "0709876543"
    texts = {"personnummer": pnr, "personnummer 10": pnr[2:], "with dash": f"{pnr[:8]}-{pnr[8:]}",
             "birth date": pnr[:8], "first name": FIRST, "last name": LAST, "e-mail": EMAIL, "mobile": MOBILE,
             "mobile digits": mobile_digits, "mobile +46": "+46" + mobile_digits[1:], "message": MESSAGE,
             "answer": ANSWER, "answer part": "Kvarngatan"}
    return {name: _forms(text) for name, text in texts.items()}


def _files(app, db) -> list[Path]:
    """The instance folder, and for SQLite the database file and its write-ahead log."""
    files = [p for p in Path(app.config["DATA_DIR"]).rglob("*") if p.is_file()]
    if db.engine.dialect.name == "sqlite":
        path = Path(db.engine.url.database)
        files += [path, Path(f"{path}-wal")]
    return files


def _table_text(db) -> bytes:
    parts = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()).all():
            parts.append(json.dumps([str(v) for v in row], ensure_ascii=False))
    return "\n".join(parts).encode()


def _found(app, db, traces) -> dict[str, list[str]]:
    blobs = {"tables": _table_text(db)}
    for path in _files(app, db):
        if path.exists():
            blobs[path.name] = path.read_bytes()
    found = {}
    for name, forms in traces.items():
        where = [blob_name for blob_name, blob in blobs.items() if any(f in blob for f in forms)]
        if where:
            found[name] = where
    return found


def test_a_purge_leaves_no_identifier_or_text_of_the_patient(app, db, client, make_staff, unit, clock):
    from web.notify.delivery import deliver_due
    from web.notify.transports import make_transports
    from web.auth.core.passwords import hash_password
    from web.services.clinician import moments
    from web.services.core import messages

    pnr = data_support.pnr("19880407", 123)
    staff = make_staff("bea", roles="behandlare behorighetsadmin dataadmin", name="Bea Behörig")
    client.post("/logga-in", data={"username": "bea", "password": PASSWORD})
    # Starta nytt moment: the flash naming the patient waits, unread, in the staff session
    started = client.post("/moment/nytt", data={
        "personnummer": pnr, "program": "tobakshjalpen", "first_name": FIRST, "last_name": LAST, "email": EMAIL,
        "mobile": MOBILE, "checked": pnr, "action": "start"})
    assert started.status_code == 302
    # the same person in a second browser searches: a session that remembers the search, an access-log row
    other = app.test_client()
    other.post("/logga-in", data={"username": "bea", "password": PASSWORD})
    other.post("/oversikt/alla", data={"q": FIRST.upper()}, follow_redirects=True)
    moment = db.session.execute(db.select(Enrollment)).scalar_one()
    patient = moment.patient
    patient.password_hash = hash_password(PASSWORD)
    data_support.add_answer(db, moment, "uppfoljning-3m", {**data_support.SMOKING, "kommentar": ANSWER}, clock())
    db.session.commit()
    messages.send_as_patient(moment, patient, subject="Fråga", body=MESSAGE, now=clock())
    messages.send_as_clinician(moment, subject="Svar", body="Tack för ditt meddelande", user=staff,
                               membership=staff.memberships[0], now=clock(), notify=True)
    # the patient logs in once with a wrong password, then for real: an audit line and a live session
    own = app.test_client()
    own.post("/invanare/logga-in", data={"personnummer": pnr, "password": "fel"})
    assert own.post("/invanare/logga-in", data={"personnummer": pnr, "password": PASSWORD}).status_code == 302
    report = deliver_due(clock(), transports=make_transports(app.config))
    assert report.handled >= 2
    # an identified export whose purpose names her (the export log and the access log keep the purpose)
    client.post("/export", data={"kind": "moments", "format": "csv", "identifierad": "ja",
                                 "syfte": f"Journalkopia till {FIRST} {LAST}, {EMAIL}"}).get_data()
    moments.end_moment(moment, "genomford", user=staff, membership=staff.memberships[0], now=clock())
    traces = _traces(pnr)
    before = _found(app, db, traces)
    # the premise: each trace is somewhere, and the outbox files and sessions hold some of them
    assert set(before) >= set(traces) - {"with dash", "mobile digits"}, set(traces) - set(before)
    assert any(".eml" in name for name in before["e-mail"]) and "sms.log" in before["mobile +46"]
    searched = db.session.execute(db.select(AccessLog.what).where(AccessLog.hits == 1)).scalars().all()
    assert f'Översikt (Alla): sökning på "{FIRST.upper()}", 1 träff' in searched  # the search found her
    assert db.session.execute(db.select(WebSession).where(
        WebSession.user_key == f"patient:{patient.id}")).scalar_one_or_none() is not None

    patient_id = patient.id
    if db.engine.dialect.name == "sqlite":  # as months of automatic checkpoints would: the rows in the file itself
        db.session.commit()
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()[0] == 0
        assert "egen.db" in _found(app, db, traces)["personnummer"]
    purged = client.post("/administration/gallring", data={"personnummer": pnr, "bekrafta": "ja"})
    assert purged.status_code == 302
    db.session.remove()
    assert _found(app, db, traces) == {}
    assert db.session.execute(db.select(WebSession).where(WebSession.user_key.like("patient:%"))).all() == []
    names = {e.subject_name for e in db.session.execute(db.select(AuditEvent)).scalars()
             if e.subject_key == f"patient:{patient_id}"}
    assert names == {f"Invånare nr {patient_id}"}
    # the staff session lives on, and its unrelated state with it
    assert client.get("/oversikt/alla").status_code == 200
