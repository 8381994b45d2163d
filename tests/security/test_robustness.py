"""Malformed ids are 404s, never 500s; the 500 page is Swedish with a logged reference."""
import logging
import re

import pytest


def test_a_huge_moment_id_is_a_404(client, clinician, login):
    login(clinician)
    for url in ("/moment/12345678901234567890123/hantera", "/moment/2147483648/hantera"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Sidan finns inte" in response.get_data(as_text=True)


def test_a_huge_id_for_a_patient_is_a_404(client, make_moment, login_patient):
    moment = make_moment()
    login_patient(moment.patient)
    assert client.get("/stod-och-behandling/99999999999999999999999/").status_code == 404


def test_a_malformed_membership_is_a_404(client, make_staff, login):
    admin = make_staff("admin", roles="behorighetsadmin")
    login(admin)
    for value in ("abc", "99999999999999999999999", "-1"):
        response = client.post("/anvandargrupper", data={"membership": value, "roles": ["behandlare"]})
        assert response.status_code == 404, value


def test_form_numbers_beyond_the_database_integer_are_refused(app):
    from werkzeug.datastructures import MultiDict

    from web.ui.forms import QueryForm, WholeNumber

    class Numbers(QueryForm):
        n = WholeNumber()

    for raw, expected in (("12", 12), ("2147483647", 2147483647), ("2147483648", None), ("9" * 30, None),
                          ("abc", None)):
        assert Numbers(MultiDict({"n": raw})).n.data == expected, raw


@pytest.mark.parametrize("app_config_extra", [{"PROPAGATE_EXCEPTIONS": False}])
def test_an_unexpected_error_shows_a_swedish_page_with_a_logged_reference(app, caplog, app_config_extra):
    def broken():
        raise RuntimeError("boom")

    app.add_url_rule("/trasig", "broken", broken)
    with caplog.at_level(logging.ERROR, logger="stegvis.errors"):
        response = app.test_client().get("/trasig")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Något gick fel" in page
    # the reference is the request id: in the page, the X-Request-Id header and every log line of the request
    reference = re.search(r"Felkod: <code>([0-9a-f]{32})</code>", page).group(1)
    assert response.headers["X-Request-Id"] == reference
    assert any(reference in r.getMessage() and r.exc_info and "boom" in str(r.exc_info[1]) for r in caplog.records)
    assert response.headers["Content-Security-Policy"]
