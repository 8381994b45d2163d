"""Starta nytt moment: personnummer lookup, the never-logged-in warning, program choice, start."""
from web.models import AccessLog, Enrollment, EnrollmentModule, Event, Patient


def _post(client, **data):
    return client.post("/moment/nytt", data=data)


def test_lookup_warns_when_the_patient_has_never_logged_in(client, login, clinician, make_patient):
    make_patient()
    login(clinician)
    page = _post(client, personnummer="196108312460", action="sok").get_data(as_text=True)
    assert "Jane Doe" in page and "19610831-2460" in page
    assert "Invånaren du försöker lägga till har aldrig varit inloggad." in page
    assert "Behandlare: Marita Andersson" in page


def test_no_warning_for_a_patient_who_has_logged_in(client, login, clinician, make_patient, clock):
    make_patient(last_login=clock())
    login(clinician)
    page = _post(client, personnummer="19610831-2460", action="sok").get_data(as_text=True)
    assert "Jane Doe" in page
    assert "aldrig varit inloggad" not in page


def test_an_invalid_personnummer_is_explained_and_nothing_is_started(client, login, clinician, db):
    login(clinician)
    response = _post(client, personnummer="19610831-2461", action="start", checked="196108312461")
    assert response.status_code == 422
    assert "Kontrollsiffran stämmer inte. Kontrollera personnumret." in response.get_data(as_text=True)
    assert db.session.execute(db.select(Enrollment)).first() is None


def test_start_without_lookup_first_shows_the_patient_before_starting(client, login, clinician, make_patient, db):
    make_patient()
    login(clinician)
    page = _post(client, personnummer="196108312460", program="tobakshjalpen", action="start").get_data(as_text=True)
    assert "aldrig varit inloggad" in page
    assert db.session.execute(db.select(Enrollment)).first() is None


def test_starting_opens_inledning_bra_att_veta_and_steg_1(client, login, clinician, make_patient, db, unit):
    make_patient()
    login(clinician)
    response = _post(client, personnummer="19610831-2460", checked="196108312460", program="tobakshjalpen",
                     action="start")
    enrollment = db.session.execute(db.select(Enrollment)).scalar_one()
    assert response.headers["Location"] == f"/moment/{enrollment.id}/hantera"
    assert (enrollment.care_unit_id, enrollment.clinician_id, enrollment.status) == (unit.id, clinician.id, "active")
    assert enrollment.program_version == "2.0.0" and len(enrollment.program_digest) == 64
    current = db.session.execute(db.select(EnrollmentModule.module_id).where(
        EnrollmentModule.state == "current").order_by(EnrollmentModule.position)).scalars().all()
    assert current == ["inledning", "bra-att-veta", "steg-1"]
    modules = db.session.execute(db.select(EnrollmentModule)).scalars().all()
    assert len(modules) == 14
    texts = db.session.execute(db.select(Event.text).order_by(Event.id)).scalars().all()
    assert texts[0] == "Momentet Tobakshjälpen startades"
    assert "Modul Bra att veta startades" in texts


def test_a_new_patient_needs_a_name_and_is_created_with_the_moment(client, login, clinician, db):
    login(clinician)
    page = _post(client, personnummer="197503121233", action="sok").get_data(as_text=True)
    assert "Invånaren finns inte i Stegvis ännu." in page
    response = _post(client, personnummer="197503121233", checked="197503121233", program="tobakshjalpen",
                     action="start")
    assert "Ange invånarens förnamn." in response.get_data(as_text=True)
    assert db.session.execute(db.select(Patient)).first() is None
    _post(client, personnummer="197503121233", checked="197503121233", program="tobakshjalpen", action="start",
          first_name="Anna", last_name="Andersson", mobile="0701234567")
    patient = db.session.execute(db.select(Patient)).scalar_one()
    assert (patient.full_name, patient.mobile, patient.last_login) == ("Anna Andersson", "0701234567", None)


def test_a_samordningsnummer_can_start_a_moment(client, login, clinician, db):
    login(clinician)
    _post(client, personnummer="19900271-7891", checked="199002717891", program="tobakshjalpen", action="start",
          first_name="Sam", last_name="Ordning")
    assert db.session.execute(db.select(Patient.personnummer)).scalar_one() == "199002717891"


def test_an_unknown_program_is_refused(client, login, clinician, make_patient, db):
    make_patient()
    login(clinician)
    page = _post(client, personnummer="196108312460", checked="196108312460", program="finns-inte",
                 action="start").get_data(as_text=True)
    assert "Välj ett program." in page
    assert db.session.execute(db.select(Enrollment)).first() is None


def test_the_lookup_is_in_the_access_log(client, login, clinician, make_patient, db):
    patient = make_patient()
    login(clinician)
    _post(client, personnummer="196108312460", action="sok")
    row = db.session.execute(db.select(AccessLog)).scalar_one()
    assert (row.patient_id, row.user_id, row.what) == (patient.id, clinician.id, "Starta nytt moment: sökning")
