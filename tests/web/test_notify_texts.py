"""No notice carries health content: not the program, not a module, not an answer, not a name."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from notify_support import BASE_URL, seed, sthlm
from web.extensions import db
from web.models import Notice
from web.notify.templates import TEMPLATES, TemplateError, login_url, render, render_notice
from web.services.clinician import flags as flag_service
from web.services.patient import answers as form_service
from web.services.core import messages as message_service
from web.services.operations.tick import run_tick

pytestmark = pytest.mark.app_config(BASE_URL=BASE_URL)

T0 = sthlm(2026, 3, 2, 10)
ACTIVATION = {"url": f"{BASE_URL}/invanare/aktivera/abc123"}


def _forbidden(programs) -> list[str]:
    """Every program name, module name and form title of every installed program."""
    words = []
    for program in programs.values():
        words.append(program.title)
        words += [m.title for m in program.modules]
        words += [f.title for f in program.forms.values()]
    return words


def _assert_neutral(text: str, programs, extra: list[str] = ()) -> None:
    lowered = text.lower()
    for word in [*_forbidden(programs), *extra]:
        assert word.lower() not in lowered, f"{word!r} in notice text {text!r}"


@pytest.mark.parametrize("channel", ["sms", "email"])
@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_no_template_names_the_program_a_module_or_a_form(template, channel, programs):
    rendered = render(template, channel, f"{BASE_URL}/logga-in", ACTIVATION)
    _assert_neutral(rendered.subject + "\n" + rendered.body, programs)
    # the only link is the login page (or the activation link, for activation)
    links = [w for w in rendered.body.split() if "://" in w]
    assert links == [ACTIVATION["url"] if TEMPLATES[template].own_link else f"{BASE_URL}/logga-in"]


def test_an_sms_is_one_short_line_and_an_email_adds_a_greeting_and_a_footer():
    sms = render("new_message", "sms", f"{BASE_URL}/invanare/logga-in")
    assert sms.body == ("Du har ett nytt meddelande från din behandlare. Logga in för att läsa det. "
                        f"{BASE_URL}/invanare/logga-in")
    assert len(sms.body) <= 160
    mail = render("new_message", "email", f"{BASE_URL}/invanare/logga-in")
    assert mail.body.startswith("Hej!\n\nDu har ett nytt meddelande från din behandlare.")
    assert mail.body.rstrip().endswith("Det går inte att svara på det.")


def test_each_kind_of_recipient_is_sent_to_its_own_login_page():
    assert login_url(BASE_URL + "/", "staff") == f"{BASE_URL}/logga-in"
    assert login_url(BASE_URL, "patient") == f"{BASE_URL}/invanare/logga-in"


def test_an_unknown_template_or_an_activation_without_its_link_is_refused():
    with pytest.raises(TemplateError, match="unknown notice template 'diagnos'"):
        render("diagnos", "sms", BASE_URL)
    with pytest.raises(TemplateError, match="needs an http"):
        render("patient_activation", "sms", BASE_URL, {"url": "javascript:alert(1)"})


def test_the_notices_of_a_realistic_moment_carry_no_answer_message_or_name(app, programs):
    world = seed(T0)
    for flag_type in ("form_saved", "new_message", "patient_inactivity"):
        params = {"days": 3} if flag_type == "patient_inactivity" else {}
        flag_service.add_subscription(world.user, world.enrollment, flag_type, params, all_moments=True, now=T0)
    answers = {"skal": ["sjukdom", "annat"], "annat_skal": "Min KOL blir sämre",
               "egna_ord": "Jag hostar blod på morgonen", "viktigt": 9}
    form_service.submit_form(world.enrollment, world.patient, "skal", answers, now=T0 + timedelta(hours=1),
                             module_id="steg-1", step_id="motivation")
    message_service.send_as_patient(world.enrollment, world.patient, body="Jag har fått ångest av plåstren",
                                    subject="Nikotinplåster", now=T0 + timedelta(hours=2))
    message_service.send_as_clinician(world.enrollment, body="Prova en lägre dos av plåstret.",
                                      subject="Svar om plåster", user=world.user, membership=world.membership,
                                      now=T0 + timedelta(hours=3), notify=True)
    run_tick(sthlm(2026, 3, 7, 9, 30))
    notices = db.session.execute(db.select(Notice)).scalars().all()
    assert {"patient_activation", "flag_raised", "new_message", "reminder"} <= {n.template for n in notices}
    secrets = ["KOL", "hostar blod", "ångest", "plåster", "lägre dos", "Jane", "Doe", "19610831", "2460",
               "Marita", "skäl", "Jag vill", "rök", "tobak", "nikotin"]
    for notice in notices:
        rendered = render_notice(notice)
        _assert_neutral(rendered.subject + "\n" + rendered.body, programs, secrets)
        _assert_neutral(json.dumps(notice.context or {}, ensure_ascii=False), programs, secrets)


def test_a_patients_notice_is_in_the_language_they_chose_and_a_staff_notice_in_swedish(make_patient, clinician):
    arabic = make_patient(language="ar")
    english = make_patient(personnummer="198112289874", first_name="John", language="en")
    mail = render_notice(Notice(channel="email", recipient_kind="patient", recipient_patient_id=arabic.id,
                                address="jane@example.se", template="new_message", context={}))
    assert mail.subject == "رسالة جديدة في Stegvis"
    assert mail.body == (f"مرحبًا!\n\nلديك رسالة جديدة من المُعالِج. سجّل الدخول لقراءتها.\n\n{BASE_URL}/invanare/logga-in"
                         "\n\nهذه رسالة تلقائية من Stegvis. لا يمكن الرد عليها.\n")
    sms = render_notice(Notice(channel="sms", recipient_kind="patient", recipient_patient_id=english.id,
                               address="+46701234567", template="reminder", context={}))
    assert sms.body == f"There is something new for you to do. Log in to see what. {BASE_URL}/invanare/logga-in"
    staff = render_notice(Notice(channel="sms", recipient_kind="staff", recipient_user_id=clinician.id,
                                 address="+46701234568", template="flag_raised", context={}))
    assert staff.body.startswith("Det finns en ny händelse hos en av dina invånare.")
