"""The login pages say which real login they stand in for (issue 13, point 9)."""


def test_staff_login_says_it_stands_in_for_siths(client):
    page = client.get("/logga-in").get_data(as_text=True)
    assert "I en driftsatt tjänst loggar du in med SITHS-kort; här med användarnamn och lösenord." in page


def test_patient_login_says_it_stands_in_for_bankid(client):
    page = client.get("/invanare/logga-in").get_data(as_text=True)
    assert "I en driftsatt tjänst loggar du in med BankID via 1177; här med personnummer och lösenord." in page
