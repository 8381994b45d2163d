"""Authorization matrix for the patient routes: anonymous, staff, and patient B against patient A's moment."""
import pytest

from patient_support import JOHN, form_url, html_text, valid_answers, with_alla_typer

pytestmark = pytest.mark.app_config(PROGRAMS=with_alla_typer)

PUBLIC = {"patient.login", "patient.activate", "patient.logout", "patient.oidc_login_patient"}


@pytest.fixture
def moment_a(app, start, clinician, clock):
    """Patient A (Jane) with a message, answers, an activity plan and an edited welcome text."""
    from datetime import date

    from web.services.clinician import activity

    from web.services.core import messages

    from web.services.clinician import moments

    enrollment = start()
    membership = clinician.memberships[0]
    message, _ = messages.send_as_clinician(enrollment, body="Hemligt meddelande till Jane", user=clinician,
                                            membership=membership, now=clock(), subject="Till Jane")
    moments.save_welcome_text(enrollment, "Hej Jane, din egen välkomsttext.", user=clinician, membership=membership,
                              now=clock())
    plan = activity.save_content(enrollment, None, name="Promenad", elements=[{"kind": "registration", "text": "Hur?"}],
                                 user=clinician, now=clock())
    activity.save_schedule(plan, start=date(2026, 3, 2), times=[{"time": "08:30", "weekdays": ["mon"]}], until=None,
                           every_weeks=1, now=clock())
    activity.save_settings(plan, fill_days_after=1, flag_missed=False, may_skip=True, allow_comments=False,
                           active=True, user=clinician, membership=membership, now=clock())
    return {"enrollment": enrollment, "conversation": message.conversation_id, "plan": plan.id}


def _routes(app, moment, enrollment_id=None):
    """(method, url) for every patient route, filled in with the moment's ids."""
    values = {"enrollment_id": enrollment_id or moment["enrollment"].id, "module_id": "start", "step_id": "fragor",
              "form_id": "alla", "conversation_id": moment["conversation"], "plan_id": moment["plan"], "key": "a" * 64}
    found = []
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("patient.") or rule.endpoint in PUBLIC:
            continue
        url = adapter.build(rule.endpoint, {k: values[k] for k in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, url))
    return found


def test_every_patient_route_sends_anonymous_visitors_to_the_patient_login(app, client, moment_a):
    routes = _routes(app, moment_a)
    assert len(routes) >= 18
    for method, url in routes:
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert "/invanare/logga-in" in response.headers["Location"], (method, url)


def test_staff_cannot_use_patient_routes(app, client, moment_a, login, clinician):
    login(clinician)
    for method, url in _routes(app, moment_a):
        assert client.open(url, method=method).status_code == 403, (method, url)


def test_patient_b_never_sees_patient_a_s_moment(app, client, moment_a, start, patient_login):
    start(personnummer=JOHN, first_name="John", last_name="Doe")
    patient_login(JOHN)
    for method, url in _routes(app, moment_a):
        if url.rstrip("/").endswith(("/stod-och-behandling", "/invanare/installningar",
                                     "/invanare/installningar/losenord", "/invanare/fortsatt-inloggad")):
            continue  # B's own list, settings and session (Fortsätt vara inloggad)
        response = client.open(url, method=method, data={"body": "x", "subject": "x", "stegvis-atgard": "spara"})
        assert response.status_code == 404, (method, url, response.status_code)
        assert "Hemligt meddelande" not in html_text(response)
    listing = html_text(client.get("/stod-och-behandling/"))
    assert f"/stod-och-behandling/{moment_a['enrollment'].id}/" not in listing


def test_patient_b_cannot_reach_a_s_conversation_or_plan_through_b_s_own_moment(app, client, moment_a, start,
                                                                              patient_login, db):
    from web.models import ActivityRegistration, Message

    mine = start(personnummer=JOHN, first_name="John", last_name="Doe")
    patient_login(JOHN)
    base = f"/stod-och-behandling/{mine.id}"
    assert client.get(f"{base}/meddelanden/{moment_a['conversation']}").status_code == 404
    assert client.post(f"{base}/meddelanden/{moment_a['conversation']}", data={"body": "x"}).status_code == 404
    assert client.post(f"{base}/aktiviteter/{moment_a['plan']}", data={"tillfalle": "2026-03-02T08:30:00+01:00"}
                       ).status_code == 422
    assert db.session.execute(db.select(ActivityRegistration)).first() is None
    assert db.session.execute(db.select(db.func.count(Message.id))).scalar_one() == 1


def test_patient_b_never_sees_patient_a_s_answers(app, client, moment_a, start, patient_login):
    a = moment_a["enrollment"]
    patient_login()
    client.post(form_url(a), data={"stegvis-atgard": "skicka", **valid_answers(kort="Janes hemliga svar")})
    client.post("/invanare/logga-ut")
    mine = start(personnummer=JOHN, first_name="John", last_name="Doe")
    patient_login(JOHN)
    page = html_text(client.get(f"/stod-och-behandling/{mine.id}/modul/start/fragor"))
    assert "Janes hemliga svar" not in page and "Inskickat" not in page


def test_patients_cannot_use_clinician_or_author_routes(client, moment_a, patient_login):
    patient_login()
    enrollment_id = moment_a["enrollment"].id
    for url in ("/oversikt/mina", f"/moment/{enrollment_id}/hantera", f"/moment/{enrollment_id}/meddelanden",
                f"/moment/{enrollment_id}/tidslinje", "/author/", "/author/alla-typer/"):
        assert client.get(url).status_code == 403, url
