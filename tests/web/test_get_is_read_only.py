"""No GET raises flags or queues notices: time-based flags are the tick's work, a page view never sends e-mail.

The world has flags that are due (Inaktivitet after 1 day, three days without activity; a missed
activity occurrence). Every GET route of the app is opened as a clinician holding every role and as
the patient; the Flag and Notice rows must stay as they were. Events may only be written by the few
reads that record what the product requires (submitted answers opened, the patient's step-view progress).
"""
import pytest

from web.models import Event, Flag, Notice
from web.services.clinician import activity, flags
from web.services.core import messages
from web.services.core.unit import raise_due, transaction
from web.services.patient import answers as forms

ALL_ROLES = "behandlare behorighetsadmin invanaradmin dataadmin forfattare"
#: GET routes whose read is itself an event of the moment: opening submitted answers marks them read;
#: the patient's first view of a step is their step-view progress
EVENT_WRITING_READS = {"clinician.answers", "patient.step"}


@pytest.fixture
def world(app, db, make_moment, make_staff, make_unit, clock):
    """A moment with due time-based flags, one answer, one conversation and an activity plan."""
    staff = make_staff("allroller", roles=ALL_ROLES, name="Alla Roller")
    membership = staff.memberships[0]
    moment = make_moment(user=staff, mobile="0701234567", email="jane@example.org")
    response = forms.submit_form(moment, moment.patient, "skal", {"skal": ["halsa"], "viktigt": 5}, now=clock(),
                                 module_id="steg-1")
    message, _ = messages.send_as_clinician(moment, subject="Hej", body="Hej Jane", user=staff,
                                            membership=membership, now=clock())
    flags.add_subscription(staff, moment, "patient_inactivity", {"days": 1}, all_moments=False, now=clock())
    plan = activity.save_content(moment, None, name="Promenad", elements=[{"kind": "registration", "text": "Gick du?"}],
                                 user=staff, now=clock())
    activity.save_schedule(plan, start=clock().date(), times=[{"time": "10:00", "weekdays": ["mon", "tue", "wed"]}],
                           until=None, every_weeks=1, now=clock())
    activity.save_settings(plan, fill_days_after=0, flag_missed=True, may_skip=False, allow_comments=False,
                           active=True, user=staff, membership=membership, now=clock())
    clock.advance(days=3)
    ids = {"enrollment_id": moment.id, "response_id": response.id, "conversation_id": message.conversation_id,
           "plan_id": plan.id, "step": 1, "tab": "alla", "key": "tobakshjalpen", "module_id": "steg-1",
           "step_id": "motivation", "form_id": "skal", "audio_key": "0" * 16, "token": "ingen-token",
           # the confirmation pages of Byte av behandlare and Överlämna name a colleague and another unit
           "clinician_id": make_staff("kollega", name="Karin Kollega").id, "unit_id": make_unit("Annan enhet").id,
           "membership_id": membership.id}
    return {"moment": moment, "staff": staff, "ids": ids}


def counts(db):
    db.session.expire_all()
    return {model.__name__: db.session.execute(db.select(db.func.count(model.id))).scalar_one()
            for model in (Flag, Notice, Event)}


def get_urls(app, ids):
    """(endpoint, url) of every GET route with its ids filled in, plus the query strings that do work."""
    out = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", str(ids[arg])).replace(f"<{arg}>", str(ids[arg]))
        out.append((rule.endpoint, url))
    moment = ids["enrollment_id"]
    out += [("clinician.export", "/export?format=csv"), ("clinician.hantera", f"/moment/{moment}?redigera=1"),
            ("clinician.timeline", f"/moment/{moment}/tidslinje?period=vecka"),
            ("clinician.administration", "/administration?personnummer=19610831-2460"),
            ("author.program", "/author/tobakshjalpen/?dag=5"),
            ("clinician.confirm_end", f"/moment/{moment}/avsluta/bekrafta?reason=genomford&maintain=1&until=2026-12-31"),
            ("clinician.confirm_clinician", f"/moment/{moment}/behandlare/bekrafta?clinician={ids['clinician_id']}"),
            ("clinician.confirm_hand_over", f"/moment/{moment}/overlamna/bekrafta?unit={ids['unit_id']}")]
    return out


def open_everything(client, app, db, ids):
    """GET every route; (endpoint, url, status, counts before, counts after) for each."""
    seen = []
    for endpoint, url in get_urls(app, ids):
        before = counts(db)
        status = client.get(url).status_code
        seen.append((endpoint, url, status, before, counts(db)))
    return seen


def assert_read_only(seen):
    for endpoint, url, status, before, after in seen:
        # /readyz answers 503 by design here: no worker has written a heartbeat in this test
        assert status < 500 or (endpoint == "ops.readyz" and status == 503), (url, status)
        assert after["Flag"] == before["Flag"], f"GET {url} raised flags"
        assert after["Notice"] == before["Notice"], f"GET {url} queued notices"
        if endpoint not in EVENT_WRITING_READS:
            assert after["Event"] == before["Event"], f"GET {url} wrote events"


def test_flags_are_due_in_the_world(app, db, world, clock):
    """The premise: the tick would raise flags here (so a GET that raised them would be caught)."""
    before = counts(db)["Flag"]
    with transaction():
        raise_due(world["moment"], clock())
    assert counts(db)["Flag"] >= before + 2  # Inaktivitet and the missed activity


def test_no_get_writes_flags_or_notices_for_staff(app, client, db, world, login):
    login(world["staff"])
    seen = open_everything(client, app, db, world["ids"])
    assert {endpoint for endpoint, _, status, _, _ in seen if status == 200} >= {
        "clinician.hantera", "clinician.flags", "clinician.activity_plans", "clinician.timeline",
        "clinician.messages", "clinician.answers", "clinician.overview", "clinician.export",
        "clinician.administration", "author.program", "clinician.confirm_end", "clinician.confirm_clinician",
        "clinician.confirm_hand_over", "clinician.egenskaper"}
    assert_read_only(seen)


def test_no_get_writes_flags_or_notices_for_the_patient(app, client, db, world, login_patient):
    login_patient(world["moment"].patient)
    seen = open_everything(client, app, db, world["ids"])
    assert {endpoint for endpoint, _, status, _, _ in seen if status == 200} >= {
        "patient.programs", "patient.home", "patient.module", "patient.step", "patient.activities",
        "patient.messages", "patient.conversation"}
    assert_read_only(seen)
