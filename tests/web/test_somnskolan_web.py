"""Sömnskolan through the web: the nightly diary's entries (computed values with the earlier nights,
the table and the trend chart on the patient's page and on Hantera) and the sleep window the clinician
sets on Hantera, which the patient sees and the diary measures against."""
from datetime import time, timedelta

import pytest

from web.models import Event, FormResponse
from web.services.clinician import moments, set_values
from web.services.errors import ServiceError
from web.services.patient import answers

NIGHTS = [  # by hand: time in bed, sleep time, efficiency (rounded half up)
    {"lagg": time(23, 30), "slackte": time(23, 30), "insomning": 30, "uppvaknanden": 1, "vaken_natt": 30,
     "vaknade": time(6, 30),
     "upp": time(6, 30)},                                           # 420, 360, 86 %
    {"lagg": time(23, 0), "slackte": time(23, 0), "insomning": 45, "uppvaknanden": 3, "vaken_natt": 60,
     "vaknade": time(6, 30),
     "upp": time(7, 0)},                                            # 480, 345, 72 %
    {"lagg": time(0, 30), "slackte": time(0, 30), "insomning": 20, "uppvaknanden": 1, "vaken_natt": 20,
     "vaknade": time(6, 30),
     "upp": time(7, 0)},                                            # 390, 320, 82 %
]


def _start(db, make_patient, clinician, clock):
    make_patient("196108312460", first_name="Jane", last_name="Doe")
    return moments.start_moment(personnummer="196108312460", program_id="somnskolan", user=clinician,
                                membership=clinician.memberships[0], now=clock())


def _nights(moment, clock, nights=NIGHTS):
    for night in nights:
        clock.advance(days=1)
        answers.submit_form(moment, moment.patient, "somndagbok", night, now=clock(), module_id="dagbok")


def test_each_diary_entry_records_its_values_and_the_mean_over_the_earlier_nights(db, make_patient, clinician,
                                                                                  clock):
    moment = _start(db, make_patient, clinician, clock)
    _nights(moment, clock)
    events = db.session.execute(db.select(Event).where(Event.enrollment_id == moment.id,
                                                       Event.type == "form_submitted")
                                .order_by(Event.at)).scalars().all()
    computed = [e.data["computed"] for e in events]
    assert [c["effektivitet"] for c in computed] == [86, 72, 82]
    assert [c["effektivitet_7"] for c in computed] == [86, 79, 80]   # 86; 158 / 2; 240 / 3
    assert len(db.session.execute(db.select(FormResponse).where(FormResponse.form_id == "somndagbok",
                                                                FormResponse.status == "submitted")).all()) == 3


def test_the_clinician_sets_the_sleep_window_and_the_next_night_is_measured_against_it(db, make_patient,
                                                                                      clinician, clock):
    moment = _start(db, make_patient, clinician, clock)
    with pytest.raises(ServiceError) as refused:
        set_values.set_values(moment, "somnfonster", {"lagg": "02:00", "upp": "06:00"}, user=clinician,
                              membership=clinician.memberships[0], now=clock())
    assert refused.value.fields == {"upp": "Sömnfönstret ska vara minst 5 timmar."}
    set_values.set_values(moment, "somnfonster", {"lagg": "23:30", "upp": "06:00"}, user=clinician,
                          membership=clinician.memberships[0], now=clock())
    with pytest.raises(ServiceError):
        answers.submit_form(moment, moment.patient, "somnfonster", {"lagg": time(22), "upp": time(7)}, now=clock())
    _nights(moment, clock, [{"lagg": time(23, 0), "slackte": time(23, 0), "insomning": 20, "uppvaknanden": 1,
                             "vaken_natt": 10,
                             "vaknade": time(6, 0), "upp": time(6, 0)}])
    event = db.session.execute(db.select(Event).where(Event.form_id == "somndagbok")).scalar_one()
    assert event.data["computed"]["over_fonstret"] == 30   # 420 minutes in bed, the window 390
    setters, _ = set_values.for_hantera(moment)
    [window] = setters
    assert window.computed == [("Tid i sängen enligt sömnfönstret", "390 min"), ("Sömnfönstrets längd", "6,5 h")]


def test_hantera_shows_the_window_form_the_entries_table_and_the_trend_chart(client, db, make_patient, clinician,
                                                                            clock, login):
    moment = _start(db, make_patient, clinician, clock)
    _nights(moment, clock)
    login(clinician)
    page = client.get(f"/moment/{moment.id}/hantera").get_data(as_text=True)
    assert 'id="varden-somnfonster"' in page and "Inte satt ännu." in page
    assert '<svg class="trend"' in page and "<figcaption>Sömneffektivitet</figcaption>" in page
    table = page[page.index('class="entry-table"'):]
    assert "<td>86 %</td>" in table and "<td>72 %</td>" in table and "<td>82 %</td>" in table
    posted = client.post(f"/moment/{moment.id}/varden/somnfonster",
                         data={"lagg": "23:30", "upp": "04:00"})
    assert posted.status_code == 400
    again = posted.get_data(as_text=True)
    assert "Sömnfönstret ska vara minst 5 timmar." in again and 'value="04:00"' in again  # nothing lost
    saved = client.post(f"/moment/{moment.id}/varden/somnfonster", data={"lagg": "23:30", "upp": "06:00"})
    assert saved.status_code == 302
    page = client.get(f"/moment/{moment.id}/hantera").get_data(as_text=True)
    assert "<dd>390 min</dd>" in page


def test_the_patient_sees_each_night_in_a_table_and_a_chart_and_the_window_the_clinician_set(
        client, db, make_patient, clinician, clock, login_patient):
    moment = _start(db, make_patient, clinician, clock)
    _nights(moment, clock)
    moments.activate_module(moment, "somnfonster", days=None, user=clinician,
                            membership=clinician.memberships[0], now=clock())
    set_values.set_values(moment, "somnfonster", {"lagg": "23:30", "upp": "06:00"}, user=clinician,
                          membership=clinician.memberships[0], now=clock())
    login_patient(moment.patient)
    diary = client.get(f"/stod-och-behandling/{moment.id}/modul/dagbok/sa-fyller-du-i-dagboken").get_data(as_text=True)
    assert '<svg class="trend"' in diary
    table = diary[diary.index('class="entry-table"'):]
    assert [row for row in ("<td>86 %</td>", "<td>72 %</td>", "<td>82 %</td>") if row in table] == [
        "<td>86 %</td>", "<td>72 %</td>", "<td>82 %</td>"]
    assert "<dd>82 % – Under 85 %</dd>" in diary            # the newest night's efficiency and its band
    assert "<dd>80 % – Under 85 % – fönstret kan bli 15 minuter kortare</dd>" in diary  # (86 + 72 + 82) / 3
    assert 'name="lagg"' in diary and "Fyll i formuläret igen" not in diary  # tonight's entry starts open
    window = client.get(f"/stod-och-behandling/{moment.id}/modul/somnfonster/ditt-somnfonster").get_data(as_text=True)
    assert "<dd>390 min</dd>" in window and "<dd>6,5 h</dd>" in window
    assert 'name="upp"' not in window          # the clinician's values are read-only to the patient


def test_the_trend_chart_draws_a_point_per_known_value_and_labels_every_day():
    from datetime import date

    from web.services.core.entries import TrendPoint
    from web.services.core.trend import trend_svg

    points = [TrendPoint(date(2026, 3, 3), 86, "86 %"), TrendPoint(date(2026, 3, 4), None, "–"),
              TrendPoint(date(2026, 3, 5), 72, "72 %")]
    svg = trend_svg(points, "Sömneffektivitet <7 nätter>")
    assert svg.count("<circle") == 2 and ">3/3<" in svg and ">4/3<" in svg and ">5/3<" in svg
    assert "<title>2026-03-05: 72 %</title>" in svg
    assert 'aria-label="Sömneffektivitet &lt;7 nätter&gt;"' in svg   # escaped, never markup
    assert trend_svg([TrendPoint(date(2026, 3, 4), None, "–")], "x") == ""


def test_thoughts_of_suicide_in_the_safety_screen_point_the_patient_to_112_and_flag_the_clinician(
        client, db, make_patient, clinician, clock, login_patient):
    from web.models import Flag

    moment = _start(db, make_patient, clinician, clock)
    answers.submit_form(moment, moment.patient, "sakerhet", {"sjalvmordstankar": True, "somnig_bil": False,
                                                             "andningsuppehall": True, "bipolar": False,
                                                             "epilepsi": False}, now=clock(), module_id="inledning")
    flags = db.session.execute(db.select(Flag).where(Flag.enrollment_id == moment.id)).scalars().all()
    assert sorted(f.type for f in flags) == ["answer_alert", "answer_alert"]
    assert any("Tankar på att ta sitt liv" in f.text for f in flags)
    login_patient(moment.patient)
    page = client.get(f"/stod-och-behandling/{moment.id}/modul/inledning/sakerhet").get_data(as_text=True)
    alert = page[page.index('class="alert-feedback"'):]
    assert "<strong>ring 112</strong>" in alert and "<strong>Självmordslinjen på 90101</strong>" in alert
    assert "psykiatrisk akutmottagning" in alert and "sömnapné" in alert
