"""Another unit's patients: a lookup shows nothing about them, links stay theirs, no cross-unit links;
the overview search is exact for whole numbers, access-logged, and treats % and _ as letters."""
from web.models import AccessLog, Enrollment, Patient


def _other_units_moment(make_moment, make_staff, other_unit):
    colleague = make_staff("olle.annan", unit=other_unit, name="Olle Annan")
    return make_moment(user=colleague, email="jane@example.se", mobile="0701234567")


def test_a_lookup_of_another_units_patient_shows_no_name_or_contact_details(
        client, login, clinician, make_moment, make_staff, other_unit):
    _other_units_moment(make_moment, make_staff, other_unit)
    login(clinician)
    page = client.post("/moment/nytt", data={"personnummer": "196108312460", "action": "sok"}).get_data(as_text=True)
    assert "Invånaren finns redan i Stegvis genom en annan vårdenhet." in page
    for secret in ("Jane", "Doe", "jane@example.se", "0701234567", "070-123"):
        assert secret not in page, secret


def test_starting_a_moment_keeps_the_other_units_pending_activation_link(
        client, login, clinician, make_moment, make_staff, other_unit, db):
    moment = _other_units_moment(make_moment, make_staff, other_unit)
    token = moment.patient.activation_token
    assert token is not None
    login(clinician)
    response = client.post("/moment/nytt", data={"personnummer": "196108312460", "checked": "196108312460",
                                                 "program": "tobakshjalpen", "action": "start"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.execute(db.select(Patient.activation_token)).scalar_one() == token
    assert db.session.execute(db.select(db.func.count(Enrollment.id))).scalar_one() == 2


def test_moments_cannot_be_linked_across_units(app, clinician, make_moment, make_staff, other_unit, clock):
    import pytest

    from web.services.clinician import links
    from web.services.errors import ServiceError

    theirs = _other_units_moment(make_moment, make_staff, other_unit)
    mine = make_moment()
    with pytest.raises(ServiceError):
        links.link(mine, theirs.id, user=clinician, membership=clinician.memberships[0], now=clock())
    assert mine.linked == []


def _search(client, text):
    """The overview filter, posted (the list comes back at ?sok=<token>)."""
    return client.post("/oversikt/alla", data={"q": text}, follow_redirects=True)


def test_the_overview_search_treats_wildcards_as_letters(client, login, clinician, make_moment):
    make_moment()
    make_moment("194910142837", first_name="Per", last_name="Persson")
    login(clinician)
    for query in ("%", "_", "%a%"):
        page = _search(client, query).get_data(as_text=True)
        assert "Doe, Jane" not in page and "Persson, Per" not in page, query
    assert "Doe, Jane" in _search(client, "doe").get_data(as_text=True)


def test_the_overview_never_narrows_on_the_last_four_digits(client, login, clinician, make_moment):
    make_moment("196108312460")
    login(clinician)
    # a wrong ending still lists her: only the date part is matched until the number is complete
    assert "Doe, Jane" in _search(client, "19610831-99").get_data(as_text=True)
    assert "Doe, Jane" not in _search(client, "19610831-2478").get_data(as_text=True)
    assert "Doe, Jane" in _search(client, "19610831-2460").get_data(as_text=True)


def test_a_whole_personnummer_search_is_access_logged_masked(client, login, clinician, make_moment, db):
    moment = make_moment("196108312460")
    login(clinician)
    _search(client, "19610831-2460")
    rows = db.session.execute(db.select(AccessLog).order_by(AccessLog.id)).scalars().all()
    what = 'Översikt (Alla): sökning på "1961xxxx-xxxx", 1 träff'
    assert [(r.patient_id, r.user_id, r.what, r.hits) for r in rows] == [
        (None, clinician.id, what, 1), (moment.patient_id, clinician.id, what, None)]