"""Authorization matrix: every clinician route × anonymous, patient, clinician of another unit.

No combination may answer 200 with the other unit's data, and no POST may change it.
"""
import pytest

from web.models import (AccessLog, ActivityPlan, Conversation, Enrollment, EnrollmentModule, Event, Flag,
                        FlagSubscription, FormResponse, Membership, Message, Notice, Patient)
from web.services.core.unit import raise_due, transaction
from web.services.clinician import activity
from web.services.clinician import flags
from web.services.patient import answers as forms
from web.services.core import messages

#: a POST body that would change something on every route, if the route let it through
POST_DATA = {
    "module": "steg-2", "days": "5", "status": "read_only", "text": "Intrång", "reason": "genomford",
    "maintain": "1", "until": "2026-12-31", "subject": "Intrång", "body": "Intrång", "notify": "1",
    "flaggtyp": "new_message", "battery": "uppfoljning-3", "name": "Intrång", "username": "intrang",
    "password": "hemligt123", "roles": ["behandlare"], "element-kind-0": "registration", "next": "1",
    "fill_days_after": "1", "active": "1", "hsa_id": "SE2321000016-9999",
}


@pytest.fixture
def world(app, db, make_moment, clinician, clock, make_staff, other_unit, unit):
    """Unit A with a moment full of data; unit B with a clinician holding every role."""
    moment = make_moment(mobile="0701234567")
    membership = clinician.memberships[0]
    clock.advance(hours=1)
    response = forms.submit_form(moment, moment.patient, "skal", {"skal": ["halsa"], "viktigt": 5}, now=clock(),
                                 module_id="steg-1")
    message, _ = messages.send_as_clinician(moment, subject="Hej", body="Hemligt meddelande", user=clinician,
                                            membership=membership, now=clock())
    sub = flags.add_subscription(clinician, moment, "patient_inactivity", {"days": 1}, all_moments=False, now=clock())
    clock.advance(days=2)
    with transaction():
        raise_due(moment, clock())  # what the tick does
    plan = activity.save_content(moment, None, name="Plan", elements=[{"kind": "registration", "text": "x"}],
                                 user=clinician, now=clock())
    outsider = make_staff("utomstaende", roles="behorighetsadmin behandlare invanaradmin dataadmin", unit=other_unit,
                          name="Utom Stående")
    ids = {"enrollment_id": moment.id, "response_id": response.id, "conversation_id": message.conversation_id,
           "flag_id": db.session.execute(db.select(Flag.id)).scalar_one(), "subscription_id": sub.id,
           "plan_id": plan.id, "step": 1, "tab": "alla", "membership_id": membership.id,
           "form_id": "somnfonster"}  # Värden du sätter (a clinician-filled form: Sömnskolan's sleep window)
    return {"moment": moment, "ids": ids, "outsider": outsider, "membership_id": membership.id}


def snapshot(db):
    """Everything unit A has, as plain values."""
    db.session.expire_all()
    return (
        [(e.status, e.welcome_text, e.clinician_id, e.care_unit_id, list(e.linked), e.end_reason)
         for e in db.session.execute(db.select(Enrollment).order_by(Enrollment.id)).scalars()],
        [(m.state, m.status, m.days) for m in db.session.execute(db.select(EnrollmentModule).order_by(
            EnrollmentModule.id)).scalars()],
        db.session.execute(db.select(db.func.count(Event.id))).scalar_one(),
        db.session.execute(db.select(db.func.count(Message.id))).scalar_one(),
        db.session.execute(db.select(db.func.count(Conversation.id))).scalar_one(),
        db.session.execute(db.select(db.func.count(FlagSubscription.id))).scalar_one(),
        [(f.handled_at,) for f in db.session.execute(db.select(Flag)).scalars()],
        [(r.opened_at,) for r in db.session.execute(db.select(FormResponse)).scalars()],
        [(p.name, p.editor_step) for p in db.session.execute(db.select(ActivityPlan)).scalars()],
        [(m.user_id, m.roles, m.user.hsa_id) for m in db.session.execute(
            db.select(Membership).order_by(Membership.id)).scalars() if m.user.username != "intrang"],
        # Skapa ny aktiveringslänk would replace the token, queue a notice and log the action
        [(p.activation_token, p.password_hash) for p in db.session.execute(db.select(Patient)).scalars()],
        db.session.execute(db.select(db.func.count(Notice.id))).scalar_one(),
        db.session.execute(db.select(db.func.count(AccessLog.id))).scalar_one(),
    )


def clinician_routes(app):
    """(url rule, methods) of every staff route: the clinician blueprint plus the profile."""
    return [r for r in app.url_map.iter_rules()
            if r.endpoint.startswith("clinician.") or r.endpoint in ("auth.profile", "auth.choose_unit")]


def build(rule, ids):
    url = rule.rule
    for arg in rule.arguments:
        url = url.replace(f"<int:{arg}>", str(ids[arg])).replace(f"<{arg}>", str(ids[arg]))
    return url


def requests_for(app, ids):
    for rule in clinician_routes(app):
        for method in sorted({"GET", "POST"} & rule.methods):
            yield method, build(rule, ids)


def call(client, method, url):
    return client.get(url) if method == "GET" else client.post(url, data=POST_DATA)


def test_the_matrix_covers_every_clinician_route(app, world):
    urls = {url for _, url in requests_for(app, world["ids"])}
    assert len(urls) >= 30
    assert ("POST", f"/moment/{world['moment'].id}/aktiveringslank") in set(requests_for(app, world["ids"]))
    assert world["moment"].patient.password_hash is None  # so the route would really make a link if let through
    assert f"/moment/{world['moment'].id}/svar/{world['ids']['response_id']}" in urls


def test_anonymous_visitors_are_sent_to_login_everywhere(app, client, world, db):
    before = snapshot(db)
    for method, url in requests_for(app, world["ids"]):
        response = call(client, method, url)
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/logga-in"), (method, url)
    assert snapshot(db) == before


def test_a_logged_in_patient_is_forbidden_everywhere(app, client, world, db, login_patient):
    login_patient(world["moment"].patient)
    before = snapshot(db)
    for method, url in requests_for(app, world["ids"]):
        response = call(client, method, url)
        assert response.status_code == 403, (method, url)
        assert "Hemligt meddelande" not in response.get_data(as_text=True)
    assert snapshot(db) == before


def test_a_clinician_of_another_unit_never_gets_this_units_data(app, client, world, db, login):
    login(world["outsider"])
    before = snapshot(db)
    moment_urls = 0
    for method, url in requests_for(app, world["ids"]):
        response = call(client, method, url)
        body = response.get_data(as_text=True)
        if "/moment/" in url and url != "/moment/nytt":
            moment_urls += 1
            assert response.status_code == 404, (method, url)
        else:
            assert response.status_code in (200, 302, 403, 404, 422), (method, url)
        for secret in ("Doe", "19610831", "Hemligt meddelande", "Marita Andersson"):
            assert secret not in body, (method, url, secret)
    assert moment_urls >= 20
    assert snapshot(db) == before
