"""Meddelanden, Inställningar and Aktiviteter for the patient."""
from datetime import date, datetime, timedelta

import pytest

from patient_support import html_text, with_alla_typer
from html_assert import has_element

pytestmark = pytest.mark.app_config(PROGRAMS=with_alla_typer)


def _clinician_writes(enrollment, clinician, now, body="Hej Jane!", subject="Välkommen", conversation=None):
    from web.services.core import messages

    message, _ = messages.send_as_clinician(enrollment, body=body, user=clinician, membership=clinician.memberships[0],
                                            now=now, subject=subject, conversation=conversation)
    return message


def test_conversation_list_shows_unread_counts_per_conversation(client, start, patient_login, clinician, clock):
    enrollment = start()
    first = _clinician_writes(enrollment, clinician, clock())
    _clinician_writes(enrollment, clinician, clock(), body="Och en sak till", conversation=first.conversation)
    _clinician_writes(enrollment, clinician, clock(), subject="Påminnelse", body="Glöm inte Steg 1")
    patient_login()
    page = html_text(client.get(f"/stod-och-behandling/{enrollment.id}/meddelanden/"))
    assert "Välkommen" in page and "<strong>2 olästa</strong>" in page
    assert "Påminnelse" in page and "<strong>1 oläst</strong>" in page
    assert "Meddelanden (3 olästa)" in page  # the tab


def test_opening_a_conversation_marks_only_its_messages_read(client, start, patient_login, clinician, clock):
    enrollment = start()
    first = _clinician_writes(enrollment, clinician, clock())
    _clinician_writes(enrollment, clinician, clock(), subject="Påminnelse", body="Glöm inte Steg 1")
    patient_login()
    page = html_text(client.get(f"/stod-och-behandling/{enrollment.id}/meddelanden/{first.conversation_id}"))
    assert "Hej Jane!" in page and "Nytt" in page
    listing = html_text(client.get(f"/stod-och-behandling/{enrollment.id}/meddelanden/"))
    assert listing.count("<strong>1 oläst</strong>") == 1 and "Meddelanden (1 oläst)" in listing
    welcome_item = listing[listing.index(">Välkommen</a>"):listing.index("</li>", listing.index(">Välkommen</a>"))]
    assert "oläst" not in welcome_item


def test_patient_starts_a_conversation_and_replies(client, start, patient_login, db, clock):
    from web.models import Conversation, Event, Message

    enrollment = start()
    patient_login()
    empty = client.post(f"/stod-och-behandling/{enrollment.id}/meddelanden/ny", data={"subject": "", "body": ""})
    assert empty.status_code == 422
    assert "Ange ett ämne." in html_text(empty) and "Skriv ett meddelande." in html_text(empty)
    response = client.post(f"/stod-och-behandling/{enrollment.id}/meddelanden/ny",
                           data={"subject": "En fråga", "body": "Får jag använda nikotinplåster?"})
    assert response.status_code == 302
    conv = db.session.execute(db.select(Conversation)).scalar_one()
    assert conv.started_by == "patient" and conv.subject == "En fråga"
    reply = client.post(f"/stod-och-behandling/{enrollment.id}/meddelanden/{conv.id}", data={"body": "Och tuggummi?"})
    assert reply.status_code == 302
    bodies = db.session.execute(db.select(Message.body).order_by(Message.id)).scalars().all()
    assert bodies == ["Får jag använda nikotinplåster?", "Och tuggummi?"]
    assert db.session.execute(db.select(db.func.count(Event.id)).where(Event.type == "message_sent")).scalar_one() == 2
    page = html_text(client.get(f"/stod-och-behandling/{enrollment.id}/meddelanden/{conv.id}"))
    assert page.index("Och tuggummi?") < page.index("Får jag använda nikotinplåster?")  # newest first


def test_message_text_is_escaped(client, start, patient_login, db):
    from web.models import Conversation

    enrollment = start()
    patient_login()
    client.post(f"/stod-och-behandling/{enrollment.id}/meddelanden/ny",
                data={"subject": "<b>Ämne</b>", "body": "<script>alert(1)</script>"})
    conv = db.session.execute(db.select(Conversation)).scalar_one()
    page = html_text(client.get(f"/stod-och-behandling/{enrollment.id}/meddelanden/{conv.id}"))
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


def test_settings_save_contact_details_and_notice_choices(client, start, patient_login, db):
    enrollment = start()
    patient_login()
    bad = client.post("/invanare/installningar", data={"mobile": "", "email": "inte-en-adress", "notify_sms": "y"})
    assert bad.status_code == 422
    assert "Ange ett mobilnummer för att få sms-aviseringar." in html_text(bad)
    assert "Ange en giltig e-postadress" in html_text(bad)
    ok = client.post("/invanare/installningar", data={"mobile": "070-123 45 67", "email": "jane@example.se",
                                                      "notify_sms": "y"})
    assert ok.status_code == 302
    patient = enrollment.patient
    db.session.refresh(patient)
    assert (patient.mobile, patient.email, patient.notify_sms, patient.notify_email) == \
        ("070-123 45 67", "jane@example.se", True, False)
    page = html_text(client.get("/invanare/installningar"))
    assert has_element(page, "input", name="mobile", value="070-123 45 67")
    assert has_element(page, "input", id="notify_sms", name="notify_sms", type="checkbox", value="y")


def _plan(enrollment, clinician, clock, **settings):
    from web.services.clinician import activity

    user, membership = clinician, clinician.memberships[0]
    plan = activity.save_content(enrollment, None, name="Promenad",
                                 elements=[{"kind": "scale", "text": "Hur kändes det?", "min": 1, "max": 5},
                                           {"kind": "registration", "text": "Vad gjorde du?"},
                                           {"kind": "service", "text": "Ring 1177 om du mår dåligt."}],
                                 user=user, now=clock())
    activity.save_schedule(plan, start=date(2026, 3, 2), times=[{"time": "08:30", "weekdays": ["mon", "thu"]}],
                           until=None, every_weeks=1, now=clock())
    defaults = {"fill_days_after": 2, "flag_missed": False, "may_skip": True, "allow_comments": True, "active": True}
    activity.save_settings(plan, **{**defaults, **settings}, user=user, membership=membership, now=clock())
    return plan


def test_activities_list_open_occasions_and_register_one(client, start, patient_login, clinician, clock, db):
    from web.models import ActivityRegistration

    enrollment = start()
    plan = _plan(enrollment, clinician, clock)
    clock.advance(hours=1)  # 10:00 on Monday: the 08:30 occasion is due
    patient_login()
    page = html_text(client.get(f"/stod-och-behandling/{enrollment.id}/aktiviteter/"))
    assert "Promenad" in page and "Tillfälle 2026-03-02 08:30" in page
    assert "Ring 1177 om du mår dåligt." in page and "Hoppa över" in page and "Kommentar" in page
    occasion = datetime(2026, 3, 2, 8, 30, tzinfo=clock.at.tzinfo).isoformat()
    bad = client.post(f"/stod-och-behandling/{enrollment.id}/aktiviteter/{plan.id}",
                      data={"tillfalle": occasion, "element-0": "9"})
    assert bad.status_code == 422 and "Välj ett värde mellan 1 och 5." in html_text(bad)
    ok = client.post(f"/stod-och-behandling/{enrollment.id}/aktiviteter/{plan.id}",
                     data={"tillfalle": occasion, "element-0": "4", "element-1": "Gick runt sjön", "comment": "Skönt"})
    assert ok.status_code == 302
    reg = db.session.execute(db.select(ActivityRegistration)).scalar_one()
    assert (reg.status, reg.values, reg.comment) == ("done", {"0": 4, "1": "Gick runt sjön"}, "Skönt")
    page = html_text(client.get(f"/stod-och-behandling/{enrollment.id}/aktiviteter/"))
    assert "Inget tillfälle att fylla i just nu. Nästa tillfälle: 2026-03-05 08:30." in page


def test_skipping_is_only_possible_where_the_plan_allows_it(client, start, patient_login, clinician, clock, db):
    from web.models import ActivityRegistration

    enrollment = start()
    plan = _plan(enrollment, clinician, clock, may_skip=False)
    clock.advance(hours=1)
    patient_login()
    assert "Hoppa över" not in html_text(client.get(f"/stod-och-behandling/{enrollment.id}/aktiviteter/"))
    occasion = (clock.at - timedelta(minutes=90)).isoformat()
    rejected = client.post(f"/stod-och-behandling/{enrollment.id}/aktiviteter/{plan.id}",
                           data={"tillfalle": occasion, "stegvis-atgard": "hoppa"})
    assert rejected.status_code == 422 and "tillåter inte" in html_text(rejected)
    assert db.session.execute(db.select(ActivityRegistration)).first() is None


def test_a_late_occasion_can_be_filled_in_within_the_window_but_not_after(client, start, patient_login, clinician,
                                                                         clock):
    enrollment = start()
    _plan(enrollment, clinician, clock)
    patient_login()
    clock.advance(days=2)  # Wednesday: Monday's occasion is late but inside the two-day window
    page = html_text(client.get(f"/stod-och-behandling/{enrollment.id}/aktiviteter/"))
    assert "Tillfälle 2026-03-02 08:30 (kan fyllas i i efterhand)" in page
    clock.advance(days=1, hours=1)  # Thursday 10:00: Monday's window closed, Thursday's occasion is due
    page = html_text(client.get(f"/stod-och-behandling/{enrollment.id}/aktiviteter/"))
    assert "2026-03-02 08:30" not in page and "Tillfälle 2026-03-05 08:30" in page
