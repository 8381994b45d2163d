"""Staff login, choice of care unit, rate limiting, profile, logout and CSRF."""
from stegvis_testing import PASSWORD


def test_login_with_the_right_password_lands_on_mina(client, clinician):
    response = client.post("/logga-in", data={"username": "Marita.Andersson", "password": PASSWORD})
    assert response.status_code == 302
    page = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "Inloggad som: <strong>Marita Andersson</strong>, Region Jönköpings län, Utbildningsenhet" in page
    assert "Roller: Behandlare" in page


def test_wrong_password_says_so_and_logs_nobody_in(client, clinician):
    response = client.post("/logga-in", data={"username": "marita.andersson", "password": "fel"})
    assert "Fel användarnamn eller lösenord." in response.get_data(as_text=True)
    assert client.get("/oversikt").status_code == 302


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/oversikt/alla")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/logga-in?next=")


def test_repeated_failures_block_even_the_right_password(client, clinician, app):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/logga-in", data={"username": "marita.andersson", "password": "fel"})
    response = client.post("/logga-in", data={"username": "marita.andersson", "password": PASSWORD})
    assert response.status_code == 429
    assert "För många misslyckade inloggningar" in response.get_data(as_text=True)


def test_the_block_lifts_when_the_window_has_passed(client, clinician, app, clock):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/logga-in", data={"username": "marita.andersson", "password": "fel"})
    clock.advance(seconds=app.config["LOGIN_WINDOW_SECONDS"] + 1)
    assert client.post("/logga-in", data={"username": "marita.andersson", "password": PASSWORD}).status_code == 302


def test_a_clinician_in_two_units_chooses_one_after_login(client, make_staff, unit, other_unit):
    user = make_staff("anna.berg", units=[unit, other_unit])
    response = client.post("/logga-in", data={"username": "anna.berg", "password": PASSWORD})
    assert response.headers["Location"].startswith("/valj-vardenhet")
    assert client.get("/oversikt/alla").status_code == 302  # no unit chosen yet
    page = client.get("/valj-vardenhet").get_data(as_text=True)
    assert "Region Örebro län, Vårdcentralen Ekhagen" in page and "Region Jönköpings län, Utbildningsenhet" in page
    client.post("/valj-vardenhet", data={"unit": other_unit.id})
    assert "Region Örebro län, Vårdcentralen Ekhagen" in client.get("/oversikt/alla").get_data(as_text=True)
    assert user.membership(other_unit.id) is not None


def test_a_unit_the_user_is_not_in_cannot_be_chosen(client, make_staff, unit, other_unit, make_unit):
    make_staff("anna.berg", units=[unit, other_unit])
    third = make_unit("Hemlig enhet")
    client.post("/logga-in", data={"username": "anna.berg", "password": PASSWORD})
    client.post("/valj-vardenhet", data={"unit": third.id})
    assert client.get("/oversikt/alla").status_code == 302


def test_login_never_redirects_to_another_site(client, clinician):
    response = client.post("/logga-in?next=https://evil.example/", data={"username": "marita.andersson",
                                                                          "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_logout_ends_the_session(client, clinician, login):
    login(clinician)
    assert client.get("/oversikt/alla").status_code == 200
    client.post("/logga-ut")
    assert client.get("/oversikt/alla").status_code == 302


def test_profile_saves_notice_settings(client, clinician, login, db):
    login(clinician)
    response = client.post("/min-profil", data={"email": "marita@example.se", "mobile": "0701112233",
                                                "notify_email": "y"})
    assert response.status_code == 302
    db.session.refresh(clinician)
    assert (clinician.email, clinician.notify_email, clinician.notify_sms) == ("marita@example.se", True, False)


def test_profile_refuses_sms_notices_without_a_mobile_number(client, clinician, login, db):
    login(clinician)
    page = client.post("/min-profil", data={"notify_sms": "y"}).get_data(as_text=True)
    assert "Ange ett mobilnummer för att få sms-aviseringar." in page
    db.session.refresh(clinician)
    assert clinician.notify_sms is False


def test_a_disabled_account_cannot_log_in(client, make_staff):
    make_staff("slutat", active=False)
    response = client.post("/logga-in", data={"username": "slutat", "password": PASSWORD})
    assert "Fel användarnamn eller lösenord." in response.get_data(as_text=True)


def test_every_post_route_refuses_a_request_without_csrf_token(app_config, make_staff, unit):
    from web import create_app

    app_config["WTF_CSRF_ENABLED"] = True
    app = create_app(app_config)
    client = app.test_client()
    rules = [r for r in app.url_map.iter_rules() if "POST" in r.methods]
    assert len(rules) > 20
    for rule in rules:
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "1")
        response = client.post(url, data={})
        assert response.status_code == 400, url
        assert "Felaktig begäran" in response.get_data(as_text=True)


def test_every_form_of_a_page_carries_the_session_token_the_app_accepts(app_config, make_staff, unit):
    """The template global csrf_token (web.ui.templating) gives Flask-WTF's token of the request: the same
    in every form of a page (the logout form and the page's own), and a post with it is accepted."""
    import re

    from flask_wtf.csrf import generate_csrf

    from web import create_app
    from web.extensions import db
    from web.ui.macros import csrf_token

    app_config["WTF_CSRF_ENABLED"] = True
    app = create_app(app_config)
    user = make_staff("tokenprov")
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/logga-in").get_data(as_text=True))[1]
    assert client.post("/logga-in", data={"username": user.username, "password": PASSWORD,
                                          "csrf_token": token}).status_code == 302
    page = client.get("/min-profil/losenord").get_data(as_text=True)
    tokens = set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', page))
    assert len(re.findall(r'name="csrf_token"', page)) >= 2 and len(tokens) == 1
    assert client.post("/logga-ut", data={"csrf_token": tokens.pop()}).status_code == 302
    with app.test_request_context():
        assert app.jinja_env.globals["csrf_token"] is csrf_token
        first = csrf_token()
        assert first == generate_csrf() == csrf_token()
        db.engine.dispose()  # this second app's pool, so no connection is left to the garbage collector


def test_the_user_loader_takes_the_owner_loaded_with_the_session_row_only_for_that_owner(app, clinician, make_staff):
    """The session row's statement loads its owner (web.auth.core.sessions); the user loader returns that object
    for the session's own key without a statement, and loads anyone else by id as before."""
    from sqlalchemy import event

    from web.auth.core.sessions import ServerSession
    from web.extensions import db

    other = make_staff("annanbehandlare")
    loaded = object()
    with app.test_request_context() as ctx:
        ctx._session = ServerSession({"_user_id": clinician.get_id()}, sid="x", owner=clinician.get_id())
        ctx._session.owner_row = loaded
        statements = []

        def count(*args):
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert app.login_manager._user_callback(clinician.get_id()) is loaded
            assert statements == []
            found = app.login_manager._user_callback(other.get_id())
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert found is not loaded and found.get_id() == other.get_id()
