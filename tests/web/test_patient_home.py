"""The program home: one primary action Fortsätt, unread messages as a badge link, the welcome text folded
after the first visit, Dagar kvar in words that never alarm."""
import re

import pytest

from patient_support import html_text, step_url, with_alla_typer

pytestmark = pytest.mark.app_config(PROGRAMS=with_alla_typer)


def _home(client, enrollment) -> str:
    return html_text(client.get(f"/stod-och-behandling/{enrollment.id}/"))


def _fortsatt(page: str) -> str | None:
    found = re.search(r'<a class="button primary next-step-button" href="([^"]+)">Fortsätt ', page)
    return found.group(1) if found else None


def test_fortsatt_is_the_first_thing_in_the_content_and_leads_to_the_first_step_not_finished(
        client, start, patient_login):
    enrollment = start()
    patient_login()
    page = _home(client, enrollment)
    assert _fortsatt(page) == step_url(enrollment, "start", "fragor")
    main = page[page.index('<main id="innehall"'):]
    first_link = re.search(r"<a [^>]*>", main).group(0)
    assert "next-step-button" in first_link and '<span class="next-step-what">1.1 ' in main
    # read and not yet submitted, "fragor" stays the next thing; the page without forms is done once read
    client.get(step_url(enrollment, "start", "fragor"))
    assert _fortsatt(_home(client, enrollment)) == step_url(enrollment, "start", "fragor")


def test_fortsatt_skips_finished_steps(client, start, patient_login, db, clock):
    from web.services.patient import answers

    enrollment = start()
    patient_login()
    answers.view_step(enrollment, enrollment.patient, "start", "fragor", now=clock())
    answers.submit_form(enrollment, enrollment.patient, "alla",
                        {"kort": "Jane", "antal": 2, "val": "var", "skala": 5, "janej": True}, now=clock(),
                        module_id="start")
    assert _fortsatt(_home(client, enrollment)) == step_url(enrollment, "start", "poang")


def test_a_waiting_battery_form_comes_before_the_steps(client, start, patient_login, clinician, clock):
    from web.services.clinician import moments

    enrollment = start()
    moments.start_battery(enrollment, "manad", user=clinician, membership=clinician.memberships[0], now=clock())
    patient_login()
    assert _fortsatt(_home(client, enrollment)) == f"/stod-och-behandling/{enrollment.id}/formular/uppfoljning"


def test_no_fortsatt_when_every_current_step_is_done(client, start, patient_login, clinician, clock):
    from web.services.clinician import moments

    enrollment = start()
    moments.complete_module(enrollment, "start", user=clinician, membership=clinician.memberships[0], now=clock())
    patient_login()
    assert _fortsatt(_home(client, enrollment)) is None


def test_unread_messages_are_a_badge_linking_to_meddelanden(client, start, patient_login, clinician, clock):
    from web.services.core import messages

    enrollment = start()
    patient_login()
    assert "olästa meddelanden" not in _home(client, enrollment)
    for body in ("Hej!", "Hur går det?"):
        messages.send_as_clinician(enrollment, subject="Fråga", body=body, user=clinician,
                                   membership=clinician.memberships[0], now=clock())
    page = _home(client, enrollment)
    assert (f'<a class="badge-link" href="/stod-och-behandling/{enrollment.id}/meddelanden/">'
            '<span class="badge badge-message">2</span> olästa meddelanden</a>') in page


def test_the_welcome_text_is_folded_after_the_first_visit(client, start, patient_login):
    enrollment = start()
    patient_login()
    first = _home(client, enrollment)
    assert "Hej och välkommen till testprogrammet!" in first and "welcome-fold" not in first
    client.get(step_url(enrollment, "start", "lasa"))
    later = _home(client, enrollment)
    assert '<details class="welcome-fold">' in later and "Hej och välkommen till testprogrammet!" in later


@pytest.mark.parametrize(("days", "shown", "not_shown"), [
    (None, "Ingen tidsgräns", "dagar kvar"),
    (0, "Planerad tid slut, fortsätt i din egen takt", "0 dagar kvar"),
    (1, "1 dag kvar", "Planerad tid slut"),
])
def test_dagar_kvar_never_reads_as_an_alarm(client, start, patient_login, clinician, clock, days, shown, not_shown):
    from web.services.clinician import moments

    enrollment = start()
    moments.set_days_left(enrollment, "start", days, user=clinician, membership=clinician.memberships[0], now=clock())
    patient_login()
    for page in (_home(client, enrollment), html_text(client.get(f"/stod-och-behandling/{enrollment.id}/modul/start/"))):
        assert shown in page and not_shown not in page
