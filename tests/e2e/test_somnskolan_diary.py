"""Sömnskolan in headless Chromium: the patient fills seven nights of the sleep diary and sees the trend
chart and the table; the clinician sees the same on Hantera and sets the sleep window, which the
patient then sees."""
import pytest
from playwright.sync_api import expect

from patient_e2e_support import PASSWORD, assert_accessible, assert_fits_the_screen, patient_logs_in, staff_logs_in

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite_only]

#: (in bed, minutes to fall asleep, awakenings, minutes awake, last awakening, up) and, by hand, the efficiency
NIGHTS = [("23:30", "30", "1", "30", "06:30", "06:30", "86 %"), ("23:00", "45", "3", "60", "06:30", "07:00", "72 %"),
          ("00:30", "20", "1", "20", "06:30", "07:00", "82 %"), ("22:30", "60", "2", "90", "06:30", "06:30", "69 %"),
          ("23:15", "15", "1", "15", "06:30", "06:45", "90 %"), ("23:00", "30", "2", "40", "07:00", "07:30", "80 %"),
          ("23:30", "20", "1", "15", "06:30", "06:30", "92 %")]


@pytest.fixture
def jane_sleeps(app, make_patient, clinician, clock):
    """Jane Doe's Sömnskolan moment with her password set and "Ditt sömnfönster" open."""
    from web.extensions import db
    from web.services.clinician import moments
    from web.services.core.accounts import set_password

    make_patient("196108312460", first_name="Jane", last_name="Doe")
    enrollment = moments.start_moment(personnummer="196108312460", program_id="somnskolan", user=clinician,
                                      membership=clinician.memberships[0], now=clock())
    moments.activate_module(enrollment, "somnfonster", days=None, user=clinician,
                            membership=clinician.memberships[0], now=clock())
    set_password(enrollment.patient, PASSWORD)
    db.session.commit()
    return enrollment


def test_seven_nights_make_a_trend_the_clinician_sees_too_and_the_window_reaches_the_patient(
        jane_sleeps, phone, clinician, clock, axe):
    page = phone()
    patient_logs_in(page)
    diary_url = f"/stod-och-behandling/{jane_sleeps.id}/modul/dagbok/sa-fyller-du-i-dagboken"
    for lagg, insomning, uppvaknanden, vaken, vaknade, upp, _ in NIGHTS:
        clock.advance(days=1)
        page.goto(diary_url)
        form = page.locator("#formular-somndagbok")
        form.get_by_label("När gick du och la dig?").fill(lagg)
        form.get_by_label("När släckte du för att sova?").fill(lagg)
        form.get_by_label("Hur många minuter tog det innan du somnade?").fill(insomning)
        form.get_by_label("Hur många gånger vaknade du under natten?").fill(uppvaknanden)
        form.get_by_label("Hur många minuter var du vaken under natten, sammanlagt?").fill(vaken)
        form.get_by_label("När vaknade du för sista gången?").fill(vaknade)
        form.get_by_label("När steg du upp ur sängen?").fill(upp)
        form.get_by_role("button", name="Skicka in").click()
        page.wait_for_load_state()
    page.goto(diary_url)
    expect(page.locator("svg.trend")).to_be_visible()
    rows = page.locator(".entry-table tbody tr")
    expect(rows).to_have_count(7)
    efficiency = page.locator(".entry-table tbody tr td:nth-child(4)")  # date, time in bed, sleep time, efficiency
    expect(efficiency).to_have_text([night[-1] for night in NIGHTS])
    assert_accessible(axe, page)
    assert_fits_the_screen(page)

    staff = phone()
    staff_logs_in(staff, clinician.username)
    staff.goto(f"/moment/{jane_sleeps.id}/hantera")
    expect(staff.locator("#poster-somndagbok svg.trend")).to_be_visible()
    expect(staff.locator("#poster-somndagbok .entry-table tbody tr")).to_have_count(7)
    assert_accessible(axe, staff)
    window = staff.locator("#varden-somnfonster")
    window.get_by_label("Gå och lägg dig tidigast").fill("23:30")
    window.get_by_label("Stig upp senast").fill("06:00")
    window.get_by_role("button", name="Spara värden").click()
    expect(staff.get_by_text("Värdena är sparade. Invånaren ser dem nu.")).to_be_visible()

    page.goto(f"/stod-och-behandling/{jane_sleeps.id}/modul/somnfonster/ditt-somnfonster")
    expect(page.get_by_text("390 min")).to_be_visible()
    expect(page.get_by_text("6,5 h")).to_be_visible()
