"""Meddelanden: conversations, replies, read flags and "Avisera till inkorgen i e-tjänsterna"."""
from datetime import timedelta

import pytest

from web.models import Conversation, Message, Notice
from web.extensions import db as _db
from web.services.core import messages

#: notices about new messages (starting a moment also queues the patient's activation link)
NEW_MESSAGE_NOTICES = _db.select(Notice).where(Notice.template == "new_message")


@pytest.fixture
def moment(make_moment):
    return make_moment(mobile="0701234567")


def test_skapa_ny_konversation_sends_the_first_message(client, logged_in, moment, db):
    response = client.post(f"/moment/{moment.id}/meddelanden/ny",
                           data={"subject": "Välkommen", "body": "Hej Jane!"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Meddelandet är skickat." in page
    assert "Välkommen" in page and "Hej Jane!" in page
    message = db.session.execute(db.select(Message)).scalar_one()
    assert (message.sender_kind, message.sender_name, message.notify) == ("clinician", "Marita Andersson", False)
    assert db.session.execute(NEW_MESSAGE_NOTICES).first() is None


def test_ticking_avisera_queues_an_sms_notice_without_health_content(client, logged_in, moment, db, clock):
    page = client.post(f"/moment/{moment.id}/meddelanden/ny",
                       data={"subject": "Steg 2", "body": "Nu öppnar jag Steg 2.", "notify": "1"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Invånaren aviseras via sms." in page
    notice = db.session.execute(NEW_MESSAGE_NOTICES).scalar_one()
    message = db.session.execute(db.select(Message)).scalar_one()
    assert (notice.channel, notice.address, notice.template, notice.status) == ("sms", "0701234567", "new_message",
                                                                                "queued")
    assert notice.recipient_patient_id == moment.patient_id and notice.next_attempt_at == clock()
    assert notice.idempotency_key == f"message:{message.id}:sms"
    assert "Steg 2" not in str(notice.context)
    assert message.notify is True


def test_avisera_uses_the_patients_chosen_channels(client, logged_in, make_moment, db):
    moment = make_moment(email="jane@example.se", mobile="0701234567", notify_email=True, notify_sms=False)
    client.post(f"/moment/{moment.id}/meddelanden/ny", data={"subject": "Hej", "body": "Hej!", "notify": "1"})
    assert [n.channel for n in db.session.execute(NEW_MESSAGE_NOTICES).scalars()] == ["email"]


def test_avisera_without_any_address_says_no_notice_could_be_sent(client, logged_in, make_moment, db):
    moment = make_moment()
    page = client.post(f"/moment/{moment.id}/meddelanden/ny", data={"subject": "Hej", "body": "Hej!", "notify": "1"},
                       follow_redirects=True).get_data(as_text=True)
    assert "ingen avisering kunde skickas" in page
    assert db.session.execute(db.select(Message)).scalar_one() is not None


def test_replies_go_into_the_conversation(client, logged_in, moment, db):
    client.post(f"/moment/{moment.id}/meddelanden/ny", data={"subject": "Ämne", "body": "Första"})
    conversation = db.session.execute(db.select(Conversation)).scalar_one()
    client.post(f"/moment/{moment.id}/meddelanden/{conversation.id}", data={"body": "Andra"})
    bodies = db.session.execute(db.select(Message.body).where(Message.conversation_id == conversation.id)
                                .order_by(Message.id)).scalars().all()
    assert bodies == ["Första", "Andra"]
    page = client.get(f"/moment/{moment.id}/meddelanden").get_data(as_text=True)
    assert page.index("Andra") < page.index("Första")  # newest first, under the reply field


def test_an_empty_message_is_refused_and_nothing_is_stored(client, logged_in, moment, db):
    page = client.post(f"/moment/{moment.id}/meddelanden/ny", data={"subject": "", "body": "  "},
                       follow_redirects=True).get_data(as_text=True)
    assert "Ange ett ämne." in page and "Skriv ett meddelande." in page
    assert db.session.execute(db.select(Conversation)).first() is None


def test_patient_messages_are_unread_until_the_clinician_opens_meddelanden(client, logged_in, moment, db, clock):
    messages.send_as_patient(moment, moment.patient, subject="Fråga", body="Får jag använda snus?", now=clock())
    assert "1 oläst meddelande" in client.get("/oversikt/alla").get_data(as_text=True)
    page = client.get(f"/moment/{moment.id}/meddelanden").get_data(as_text=True)
    assert "Får jag använda snus?" in page and "Nytt" in page
    assert "Inga aktuella händelser" in client.get("/oversikt/alla").get_data(as_text=True)
    message = db.session.execute(db.select(Message)).scalar_one()
    assert message.read_by_clinician_at == clock()


def test_meddelanden_reads_in_a_fixed_number_of_statements_and_writes_only_when_something_is_unread(
        client, logged_in, moment, db, clock, count_queries):
    def opened():
        db.session.expire_all()
        with count_queries() as statements:
            page = client.get(f"/moment/{moment.id}/meddelanden").get_data(as_text=True)
        # the session store's own touch (last seen) comes and goes with the clock: not the page's work
        return page, [" ".join(s.split()[:2]) for s in statements if "web_session" not in s.split()[:3]]

    first = messages.send_as_patient(moment, moment.patient, subject="Fråga 1", body="Första", now=clock())
    page, one = opened()
    assert "Första" in page and "Nytt" in page and one.count("UPDATE message") == 1
    for n in range(2, 6):  # more conversations, each with a new patient message and a reply
        clock.advance(minutes=1)
        sent = messages.send_as_patient(moment, moment.patient, subject=f"Fråga {n}", body=f"Fråga nummer {n}",
                                        now=clock())
        messages.send_as_patient(moment, moment.patient, body="Och en sak till", now=clock(),
                                 conversation=sent.conversation)
    page, five = opened()
    assert five.count("UPDATE message") == 1 and len(five) == len(one)
    assert page.count("Nytt") == 8 and "Fråga nummer 5" in page and "Första" in page
    page, again = opened()
    assert "UPDATE message" not in again and "Nytt" not in page and len(again) == len(one) - 1
    db.session.expire_all()
    assert db.session.get(Message, first.id).read_by_clinician_at == clock() - timedelta(minutes=4)


def test_a_reply_to_a_conversation_of_another_moment_is_not_found(client, logged_in, moment, make_moment, db):
    other = make_moment("197503121233", first_name="Anna", last_name="Andersson")
    client.post(f"/moment/{other.id}/meddelanden/ny", data={"subject": "Anna", "body": "Hej Anna"})
    conversation = db.session.execute(db.select(Conversation)).scalar_one()
    assert client.post(f"/moment/{moment.id}/meddelanden/{conversation.id}", data={"body": "x"}).status_code == 404


def test_no_messages_can_be_sent_in_an_ended_moment(client, logged_in, moment, db, clinician, clock):
    from web.services.clinician import moments

    moments.end_moment(moment, "avbruten", user=clinician, membership=clinician.memberships[0], now=clock())
    page = client.post(f"/moment/{moment.id}/meddelanden/ny", data={"subject": "Hej", "body": "Hej"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Momentet är avslutat." in page
    assert db.session.execute(db.select(Message)).first() is None


def test_each_moment_lists_its_own_conversations_from_the_statement_built_once(make_moment, clinician, clock, db):
    """`conversations` runs one statement built once per loading choice, its moment a parameter."""
    first, second = make_moment(), make_moment("197503121233", first_name="Anna")
    membership = clinician.memberships[0]
    for moment, subject in ((first, "Till Jane"), (second, "Till Anna")):
        messages.send_as_clinician(moment, subject=subject, body="Hej", user=clinician, membership=membership,
                                   now=clock())
    for with_messages in (False, True):
        assert [c.subject for c in messages.conversations(first, with_messages=with_messages)] == ["Till Jane"]
        assert [c.subject for c in messages.conversations(second, with_messages=with_messages)] == ["Till Anna"]
    assert messages._conversations_statement(True) is messages._conversations_statement(True)
    assert [m.body for m in messages.conversations(second, with_messages=True)[0].messages] == ["Hej"]
