"""Gallring: confirmation, purge in one transaction, receipt, no trace left, statistics unchanged, CLI."""
import json
from datetime import date

import pytest

import data_support
from web.models import (AccessLog, ActivityPlan, ActivityRegistration, Conversation, Enrollment, Event, Flag,
                        FormResponse, LoginAttempt, Message, Notice, Patient, PurgeReceipt, StatRecord,
                        StepProgress)
from web.services.clinician import statistics as stats

PNR = "197001010011"
SECRET = "Min hemliga fritext om snuset"


@pytest.fixture
def data(db, make_unit, make_staff):
    built = data_support.build(db, make_unit, make_staff)
    e = built["moments_a"][1]  # ended 2025-12-15, not in vidmakthåll
    at = data_support.at(2025, 7, 1)
    e.welcome_text = "Välkommen, Förnamn1!"
    db.session.add(FormResponse(enrollment_id=e.id, form_id="skal", status="draft", answers={"annat_skal": SECRET},
                                questions={}, form_title="Skäl", created_at=at, updated_at=at))
    db.session.add(StepProgress(enrollment_id=e.id, module_id="steg-1", step_id="x", status="done", updated_at=at))
    db.session.add(Event(enrollment_id=e.id, type="message.sent", at=at, actor_kind="patient", actor_id=str(e.patient_id),
                         actor_name="Förnamn1 Efternamn1", text=f"Förnamn1 skrev: {SECRET}"))
    db.session.add(Flag(enrollment_id=e.id, type="form_saved", cause_key="k1", text=SECRET, raised_at=at))
    conversation = Conversation(enrollment_id=e.id, subject=SECRET, started_by="patient", created_at=at,
                                last_message_at=at)
    conversation.messages.append(Message(sender_kind="patient", sender_name="Förnamn1 Efternamn1", body=SECRET,
                                         sent_at=at))
    db.session.add(conversation)
    db.session.add(Notice(channel="sms", recipient_kind="patient", recipient_patient_id=e.patient_id,
                          address="0701234567", template="new_message", context={"name": "Förnamn1"},
                          next_attempt_at=at, idempotency_key="n1", created_at=at, enrollment_id=e.id))
    plan = ActivityPlan(enrollment=e, name="Promenad", elements=[], times=[], created_at=at, updated_at=at)
    plan.registrations.append(ActivityRegistration(occasion_at=at, values={"0": SECRET}, comment=SECRET,
                                                   registered_at=at))
    db.session.add(plan)
    db.session.add(LoginAttempt(username=f"invanare:{PNR}", ip="127.0.0.1", at=at, success=True))
    db.session.add(AccessLog(user_id=built["clinicians"][0].id, care_unit_id=e.care_unit_id,
                             patient_id=e.patient_id, enrollment_id=e.id, what="Hantera", at=at))
    db.session.commit()
    return built


def _filters(data):
    a = data["units"][0]
    return stats.Filters("2025-01", "2026-03", a.region_id, a.id)


def _everything(db) -> str:
    """Every value of every column of every table, as one text."""
    parts = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()).all():
            parts.append(json.dumps([str(v) for v in row], ensure_ascii=False))
    return "\n".join(parts)


def test_gallra_invanare_confirms_purges_leaves_no_trace_and_keeps_statistics(client, login, make_staff, data, db):
    admin = make_staff("behorig", roles="behorighetsadmin", name="Bea Behörig", unit=data["units"][0])
    before = stats.report(_filters(data), date(2026, 3, 2))
    assert PNR in _everything(db) and SECRET in _everything(db)
    login(admin)
    page = client.post("/administration/gallring", data={"personnummer": "19700101-0011"}).get_data(as_text=True)
    assert "Bekräfta gallring av Efternamn1, Förnamn1" in page
    for row in ("<th scope=\"row\">Moment</th><td>1</td>", "<th scope=\"row\">Formulärsvar</th><td>2</td>",
                "<th scope=\"row\">Utkast</th><td>1</td>", "<th scope=\"row\">Meddelanden</th><td>1</td>",
                "<th scope=\"row\">Aktivitetsregistreringar</th><td>1</td>", "<th scope=\"row\">Invånare</th><td>1</td>"):
        assert row in page
    assert db.session.execute(db.select(Patient).where(Patient.personnummer == PNR)).scalar_one()  # nothing yet
    response = client.post("/administration/gallring", data={"personnummer": "19700101-0011", "bekrafta": "ja"})
    assert response.status_code == 302
    text = _everything(db)
    for trace in (PNR, "0101-0011", "Förnamn1", "Efternamn1", SECRET, "0701234567"):
        assert trace not in text, trace
    receipt = db.session.execute(db.select(PurgeReceipt)).scalar_one()
    assert receipt.user_name == "Bea Behörig" and receipt.patients == 1
    assert receipt.counts["Moment"] == 1 and receipt.counts["Meddelanden"] == 1
    assert receipt.counts["Statistikrader sparade (avidentifierade)"] == 1
    assert db.session.execute(db.select(StatRecord)).scalar_one().end_reason == "genomford"
    # the log of who read the patient is kept, without the patient: the lookups (search, confirm) each
    # wrote a unit row and a row of the patient's own
    assert db.session.execute(db.select(AccessLog.patient_id)).scalars().all() == [None] * 5
    assert stats.report(_filters(data), date(2026, 3, 2)) == before
    listed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Gallringskvitton" in listed and "Bea Behörig" in listed and "Moment: 1" in listed


def test_a_patient_with_an_active_moment_has_nothing_to_purge(client, login, make_staff, data):
    login(make_staff("behorig", roles="behorighetsadmin", unit=data["units"][0]))
    page = client.post("/administration/gallring", data={"personnummer": "19700101-0078"}).get_data(as_text=True)
    assert "inga avslutade moment" in page and "Bekräfta" not in page


def test_gallring_is_for_behorighetsadmin(client, login, data):
    login(data["clinicians"][0])
    assert client.get("/administration/gallring").status_code == 403


def test_cli_dry_run_lists_and_gallra_purges_by_the_retention_rule(app, db, data, clock):
    from click.testing import CliRunner

    from commands.data.records import gallra_command

    a, ca = data["units"][0], data["clinicians"][0]
    old = data_support.add_moment(db, a, ca, "196001010005", data_support.at(2023, 1, 1),
                                  ended=data_support.at(2024, 1, 15), reason="avbruten")
    kept = data_support.add_moment(db, a, ca, "196001010005", data_support.at(2025, 1, 1),
                                   ended=data_support.at(2025, 2, 1), reason="annan")
    db.session.commit()
    old_id, kept_id = old.id, kept.id
    before = stats.report(_filters(data), date(2026, 3, 2))
    dry = CliRunner().invoke(gallra_command, ["--dry-run"], obj=app)
    assert dry.exit_code == 0, dry.output
    assert "1 invånare med moment som skulle gallras." in dry.output and "Moment: 1" in dry.output
    assert db.session.get(Enrollment, old_id) is not None
    done = CliRunner().invoke(gallra_command, [], obj=app)
    assert done.exit_code == 0, done.output
    db.session.expire_all()
    assert db.session.get(Enrollment, old_id) is None and db.session.get(Enrollment, kept_id) is not None
    # the patient still has a moment, so the patient row stays
    assert db.session.execute(db.select(Patient).where(Patient.personnummer == "196001010005")).scalar_one()
    receipt = db.session.execute(db.select(PurgeReceipt)).scalar_one()
    assert receipt.user_id is None and "24 månader" in receipt.rule and receipt.counts == {
        "Moment": 1, "Statistikrader sparade (avidentifierade)": 1}
    assert stats.report(_filters(data), date(2026, 3, 2)) == before
