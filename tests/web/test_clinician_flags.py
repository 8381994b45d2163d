"""Händelser → Flaggor: subscriptions with parameters, raised flags with explanation, Hantera."""
from web.models import Event, Flag, FlagSubscription, Notice
from web.services.core import messages
from html_assert import has_element


def test_valj_flaggtyp_lists_the_manuals_types_in_its_groups(client, logged_in, moment):
    page = client.get(f"/moment/{moment.id}/handelser").get_data(as_text=True)
    assert "Skapa ny flagga" in page and "Välj flaggtyp" in page
    for group in ("Formulär", "Modul", "Moment"):
        assert f'<optgroup label="{group}">' in page
    for label in ("Formulär sparat", "Granska formulär", "Formulär i mätbatteri sparat", "Nytt mätbatteri startat",
                  "Aktivitet sparat", "Påminnelse på modul", "Påminnelse på datum", "Invånare inaktivitet",
                  "Moment snart slut", "Byte av behandlare", "Nytt meddelande/kommentar"):
        assert f">{label}</option>" in page


def test_choosing_a_type_shows_its_parameters(client, logged_in, moment):
    page = client.get(f"/moment/{moment.id}/handelser?flaggtyp=module_reminder").get_data(as_text=True)
    assert ">Modul</label>" in page and "Dagar kvar när påminnelsen kommer" in page
    assert has_element(page, "input", name="scope", value="alla")


def test_inactivity_flag_is_raised_by_the_tick_after_the_days_and_counted_on_the_overview(
        client, logged_in, moment, db, clock, clinician, tick):
    client.post(f"/moment/{moment.id}/handelser/flaggor", data={"flaggtyp": "patient_inactivity", "days": "7"})
    sub = db.session.execute(db.select(FlagSubscription)).scalar_one()
    assert (sub.type, sub.params, sub.enrollment_id, sub.user_id) == ("patient_inactivity", {"days": 7}, moment.id,
                                                                      clinician.id)
    clock.advance(days=8)
    assert "Invånaren har inte varit aktiv" not in client.get(f"/moment/{moment.id}/hantera").get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(Flag.id))).scalar_one() == 0  # a page view raises nothing
    tick()
    page = client.get(f"/moment/{moment.id}/hantera").get_data(as_text=True)
    assert "Invånaren har inte varit aktiv sedan momentet startade 2026-03-02 09:00 (7 dagar)." in page
    assert "1 flagga" in client.get("/oversikt/alla").get_data(as_text=True)
    tick()
    assert db.session.execute(db.select(db.func.count(Flag.id))).scalar_one() == 1  # raised once


def test_hantera_closes_the_flag_and_records_it_on_the_timeline(client, logged_in, moment, db, clock, tick):
    client.post(f"/moment/{moment.id}/handelser/flaggor", data={"flaggtyp": "patient_inactivity", "days": "3"})
    clock.advance(days=4)
    tick()
    flag = db.session.execute(db.select(Flag)).scalar_one()
    client.post(f"/moment/{moment.id}/handelser/flagga/{flag.id}/hantera")
    db.session.refresh(flag)
    assert flag.handled_at == clock()
    assert "Inga aktuella händelser" in client.get("/oversikt/alla").get_data(as_text=True)
    timeline = client.get(f"/moment/{moment.id}/tidslinje?typ=flaggor").get_data(as_text=True)
    assert "Invånare inaktivitet: Invånaren har inte varit aktiv" in timeline
    assert "Flaggan Invånare inaktivitet hanterades" in timeline


def test_a_new_message_flag_emails_a_clinician_who_chose_email_notices(client, logged_in, moment, db, clock, clinician):
    clinician.email, clinician.notify_email = "marita@example.se", True
    db.session.commit()
    client.post(f"/moment/{moment.id}/handelser/flaggor", data={"flaggtyp": "new_message", "scope": "alla"})
    assert db.session.execute(db.select(FlagSubscription.enrollment_id)).scalar_one() is None
    clock.advance(hours=2)
    messages.send_as_patient(moment, moment.patient, subject="Hej", body="Jag har en fråga om snus.", now=clock())
    flag = db.session.execute(db.select(Flag)).scalar_one()
    assert flag.text == "Invånaren skickade ett nytt meddelande i en ny konversation 2026-03-02 11:00."
    notice = db.session.execute(db.select(Notice).where(Notice.template == "flag_raised")).scalar_one()
    assert (notice.channel, notice.address, notice.recipient_user_id) == ("email", "marita@example.se", clinician.id)
    assert "snus" not in str(notice.context)


def test_bad_parameters_are_explained_and_nothing_is_stored(client, logged_in, moment, db):
    page = client.post(f"/moment/{moment.id}/handelser/flaggor", data={"flaggtyp": "patient_inactivity", "days": "x"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Antal dagar utan aktivitet måste vara ett heltal, 0 eller större." in page
    assert db.session.execute(db.select(FlagSubscription)).first() is None


def test_a_subscription_can_be_removed_by_its_owner(client, logged_in, moment, db):
    client.post(f"/moment/{moment.id}/handelser/flaggor", data={"flaggtyp": "clinician_changed"})
    sub = db.session.execute(db.select(FlagSubscription)).scalar_one()
    client.post(f"/moment/{moment.id}/handelser/flaggor/{sub.id}/ta-bort")
    assert db.session.execute(db.select(FlagSubscription)).first() is None


def test_flags_never_count_events_from_before_the_subscription(client, logged_in, moment, db, clock):
    clock.advance(hours=1)
    messages.send_as_patient(moment, moment.patient, subject="Hej", body="Tidigt", now=clock())
    clock.advance(hours=1)
    client.post(f"/moment/{moment.id}/handelser/flaggor", data={"flaggtyp": "new_message"})
    assert db.session.execute(db.select(Flag)).first() is None
    assert db.session.execute(db.select(db.func.count(Event.id)).where(Event.type == "flag_raised")).scalar_one() == 0


def test_chosen_flags_show_their_parameters_by_label_and_leave_out_empty_ones(client, logged_in, moment):
    client.post(f"/moment/{moment.id}/handelser/flaggor", data={"flaggtyp": "patient_inactivity", "days": "7"})
    client.post(f"/moment/{moment.id}/handelser/flaggor", data={"flaggtyp": "date_reminder", "date": "2026-12-01",
                                                                "note": ""})
    page = client.get(f"/moment/{moment.id}/handelser").get_data(as_text=True)
    assert "Invånare inaktivitet (Antal dagar utan aktivitet: 7)" in page
    assert "Påminnelse på datum (Datum: 2026-12-01)" in page


def test_an_open_flag_whose_text_has_its_time_shows_that_time_once(client, logged_in, moment, db, clock):
    client.post(f"/moment/{moment.id}/handelser/flaggor", data={"flaggtyp": "new_message"})
    clock.advance(hours=2)
    messages.send_as_patient(moment, moment.patient, subject="Fråga", body="Hej!", now=clock())
    assert "2026-03-02 11:00" in db.session.execute(db.select(Flag.text)).scalar_one()
    for tab in ("handelser", "hantera"):
        page = client.get(f"/moment/{moment.id}/{tab}").get_data(as_text=True)
        assert page.count("2026-03-02 11:00") == 1


def test_handelser_lists_own_subscriptions_then_others_on_this_moment_in_one_statement(
        moment, clinician, make_staff, db, clock, count_queries):
    """Her own (this moment's and her global ones), then other staff's on this moment; not another's global one."""
    from web.services.clinician.flags import subscriptions_listed

    other = make_staff()

    def sub(user, on_moment, flag_type):
        row = FlagSubscription(user_id=user.id, enrollment_id=moment.id if on_moment else None, type=flag_type,
                               params={}, created_at=clock())
        db.session.add(row)
        db.session.flush()
        return row.id

    others_here = sub(other, True, "patient_message")
    own_global = sub(clinician, False, "module_completed")
    own_here = sub(clinician, True, "patient_message")
    sub(other, False, "module_completed")  # another's subscription for all her moments: not this page's
    db.session.commit()
    assert moment.clinician_id == clinician.id  # (loaded again after the commit, before counting)
    with count_queries() as statements:
        listed = [s.id for s in subscriptions_listed(moment, clinician)]
    assert listed == [own_global, own_here, others_here]
    assert len(statements) == 1
