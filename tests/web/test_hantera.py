"""Hantera: summary, unhandled events, welcome text, modules, steps and forms; all changes are events."""
import re
from datetime import timedelta

import pytest

from web.models import AccessLog, EnrollmentModule, Event
from web.services.patient import answers as forms
from accessible_names import button_names


@pytest.fixture
def moment(make_moment):
    return make_moment(mobile="0701234567")


@pytest.fixture
def hantera(client, login, clinician, moment):
    login(clinician)

    def get():
        return client.get(f"/moment/{moment.id}/hantera").get_data(as_text=True)

    return get


def _module(db, moment, module_id):
    db.session.expire_all()
    return db.session.execute(db.select(EnrollmentModule).where(
        EnrollmentModule.enrollment_id == moment.id, EnrollmentModule.module_id == module_id)).scalar_one()


def _section(page, module_title):
    """The HTML of one module's block on the page."""
    start = page.index(f">{module_title}</h3>")
    end = page.find('<li class="module"', start)
    return page[start:end if end > 0 else None]


def test_the_summary_uses_the_manuals_words(hantera, clock):
    clock.advance(days=7)
    page = hantera()
    assert "Dagar i momentet</dt><dd>7 (rek. 365 dagar)" in page
    assert "Moduler avklarade</dt><dd>0 av 14" in page
    assert "Senast aktiv</dt><dd>Aldrig" in page
    assert "Moment startade</dt><dd>2026-03-02" in page
    assert "Ansvarig behandlare</dt><dd>Marita Andersson" in page
    assert "Hämta kontaktuppgifter" in page and "0701234567" in page
    assert "Du har inga ohanterade händelser" in page
    assert "Se historik i tidslinjen" in page


def test_every_view_of_the_moment_is_logged(hantera, db, clinician, moment, unit):
    hantera()
    hantera()
    rows = db.session.execute(db.select(AccessLog)).scalars().all()
    assert [(r.user_id, r.care_unit_id, r.patient_id, r.enrollment_id, r.what) for r in rows] == [
        (clinician.id, unit.id, moment.patient_id, moment.id, "Hantera")] * 2


def test_current_modules_offer_satt_till_avklarad_and_days_left(hantera):
    page = hantera()
    current = page[page.index("Aktuella moduler"):page.index('id="moduler"')]
    assert [t for t in re.findall(r'<h3 id="rubrik-[^"]+">([^<]+)</h3>', current)] == [
        "Inledning", "Bra att veta", "Steg 1 Uppvärmning och förberedelser – lägg en bra grund"]
    assert current.count(">Sätt till avklarad<span class=\"visually-hidden\">: ") == 3
    assert 'id="dagar-steg-1" name="days" type="number" min="0" max="3650" inputmode="numeric" value="7"' in current


def test_upcoming_modules_offer_satt_till_aktuell_with_their_default_days(hantera):
    page = hantera()
    steg2 = _section(page, "Steg 2 Uppstart och stoppfasen – var nyfiken och aktiv")
    assert ">Sätt till aktuell<span class=\"visually-hidden\">: Steg 2 " in steg2 and 'value="14"' in steg2
    assert "Invånarstatus: Dold" in steg2
    assert 'value="42"' in _section(page, "Steg 3 Håll i och håll ut – bygg vidare på säkerheten")


def test_satt_till_avklarad_completes_the_module_and_records_it(client, hantera, moment, db):
    response = client.post(f"/moment/{moment.id}/modul/avklarad", data={"module": "steg-1"})
    assert response.headers["Location"].endswith("/hantera#modul-steg-1")
    row = _module(db, moment, "steg-1")
    assert (row.state, row.status) == ("completed", "read_only")
    assert db.session.execute(db.select(Event.text).where(Event.type == "module_completed")).scalar_one() == \
        "Modul Steg 1 Uppvärmning och förberedelser – lägg en bra grund sattes till avklarad"
    assert "Moduler avklarade</dt><dd>1 av 14" in hantera()


def test_satt_till_aktuell_uses_the_days_typed(client, hantera, moment, db, clock):
    client.post(f"/moment/{moment.id}/modul/aktuell", data={"module": "steg-2", "days": "10"})
    row = _module(db, moment, "steg-2")
    assert (row.state, row.status, row.days, row.activated_at) == ("current", "read_write", 10, clock())
    clock.advance(days=3)
    assert 'id="dagar-steg-2" name="days" type="number" min="0" max="3650" inputmode="numeric" value="7"' in hantera()


def test_dagar_kvar_can_be_changed_on_a_current_module(client, hantera, moment, db, clock):
    clock.advance(days=2)
    client.post(f"/moment/{moment.id}/modul/dagar", data={"module": "steg-1", "days": "10"})
    assert _module(db, moment, "steg-1").days == 12  # two days gone + ten left
    assert 'id="dagar-steg-1" name="days" type="number" min="0" max="3650" inputmode="numeric" value="10"' in hantera()


@pytest.mark.parametrize("days", ["-1", "x", "", "3651"])
def test_bad_days_are_refused_with_a_message_and_change_nothing(client, hantera, moment, db, days):
    response = client.post(f"/moment/{moment.id}/modul/aktuell", data={"module": "steg-2", "days": days},
                           follow_redirects=True)
    assert "Dagar kvar måste vara ett heltal mellan 0 och 3650." in response.get_data(as_text=True)
    assert _module(db, moment, "steg-2").state == "upcoming"


def test_engine_refusals_are_shown_and_nothing_is_half_saved(client, hantera, moment, db):
    events_before = db.session.execute(db.select(db.func.count(Event.id))).scalar_one()
    response = client.post(f"/moment/{moment.id}/modul/avklarad", data={"module": "steg-2"}, follow_redirects=True)
    assert "bara aktuella moduler kan sättas till avklarad" in response.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(Event.id))).scalar_one() == events_before


def test_satt_till_kommande_hides_the_module(client, hantera, moment, db):
    client.post(f"/moment/{moment.id}/modul/kommande", data={"module": "bra-att-veta"})
    row = _module(db, moment, "bra-att-veta")
    assert (row.state, row.status) == ("upcoming", "hidden")


def test_invanarstatus_can_be_set(client, hantera, moment, db):
    client.post(f"/moment/{moment.id}/modul/status", data={"module": "steg-1", "status": "read_only"})
    assert _module(db, moment, "steg-1").status == "read_only"
    assert "Invånarstatus för modul Steg 1" in db.session.execute(
        db.select(Event.text).where(Event.type == "status_changed")).scalar_one()


def test_welcome_text_is_the_programs_until_edited_and_saved(client, hantera, moment, db):
    assert "Hej och välkommen!" in hantera()
    edit = client.get(f"/moment/{moment.id}/hantera?redigera=1").get_data(as_text=True)
    assert '<textarea id="welcome" name="text"' in edit and ">Spara</button>" in edit
    client.post(f"/moment/{moment.id}/valkomsttext", data={"text": "Hej Jane!\n\nVi hörs på **måndag**."})
    page = hantera()
    assert "<strong>måndag</strong>" in page and "Hej och välkommen!" not in page
    db.session.refresh(moment)
    assert moment.welcome_text == "Hej Jane!\n\nVi hörs på **måndag**."
    assert db.session.execute(db.select(Event.text).where(Event.type == "welcome_text_changed")).scalar_one() == \
        "Välkomsttexten ändrades"


def test_a_too_long_welcome_text_comes_back_in_the_form_as_typed(client, hantera, moment, db):
    from web.limits import MAX_WELCOME_TEXT

    typed = "Hej Jane & välkommen <3\n\n" + "x" * MAX_WELCOME_TEXT
    response = client.post(f"/moment/{moment.id}/valkomsttext", data={"text": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"Välkomsttexten får vara högst {MAX_WELCOME_TEXT} tecken." in page
    textarea = page[page.index('<textarea id="welcome"'):page.index("</textarea>")]
    assert 'aria-invalid="true"' in textarea and 'aria-describedby="welcome-fel welcome-hjalp"' in textarea
    assert textarea.split(">", 1)[1] == "Hej Jane &amp; välkommen &lt;3\n\n" + "x" * MAX_WELCOME_TEXT
    db.session.refresh(moment)
    assert moment.welcome_text is None  # nothing saved
    assert not db.session.execute(db.select(Event).where(Event.type == "welcome_text_changed")).first()


def test_welcome_text_html_is_sanitised(client, hantera, moment):
    client.post(f"/moment/{moment.id}/valkomsttext", data={"text": "Hej <script>alert(1)</script> <b onclick='x'>du</b>"})
    page = hantera()
    assert "<script>alert(1)" not in page and "<b onclick" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # raw HTML is shown as text (markdown-it, html off)


def test_step_progress_is_shown_in_colour_and_in_words(client, hantera, moment, clock):
    clock.advance(hours=1)
    forms.view_step(moment, moment.patient, "steg-1", "tidigare-erfarenheter", now=clock())
    forms.view_step(moment, moment.patient, "steg-1", "motivation", now=clock())
    section = _section(hantera(), "Steg 1 Uppvärmning och förberedelser – lägg en bra grund")
    assert re.search(r'class="progress-done">.*1\.3 Lär dig av tidigare erfarenheter.*\(färdig\)', section)
    assert re.search(r'class="progress-started">.*1\.1 Så här ökar du motivationen.*\(påbörjad\)', section)
    assert re.search(r'class="progress-not_started">.*1\.4 Stoppdagen.*\(ej påbörjad\)', section)
    assert "Synliga formulär i steg" in section
    assert "1.1. Vilka är dina viktigaste skäl för tobaksstoppet?" in section


def test_a_submitted_form_is_unhandled_until_opened_then_it_reaches_the_timeline(client, hantera, moment, clock, db):
    clock.advance(hours=1)
    response = forms.submit_form(moment, moment.patient, "skal", {"skal": ["halsa", "annat"], "annat_skal": "Barnen",
                                                                  "viktigt": 9}, now=clock(), module_id="steg-1")
    page = hantera()
    assert "Olästa formulär" in page and "Du har inga ohanterade händelser" not in page
    timeline = client.get(f"/moment/{moment.id}/tidslinje").get_data(as_text=True)
    assert "skickades in" not in timeline
    answers = client.get(f"/moment/{moment.id}/svar/{response.id}").get_data(as_text=True)
    assert "Vilka skäl har du för att sluta med tobak?" in answers
    assert "Jag vill få en bättre hälsa, Annat skäl" in answers and "Barnen" in answers
    assert "Du har inga ohanterade händelser" in hantera()
    timeline = client.get(f"/moment/{moment.id}/tidslinje").get_data(as_text=True)
    assert "Formulär 1.1. Vilka är dina viktigaste skäl för tobaksstoppet? skickades in" in timeline
    assert "öppnades" in timeline
    logged = db.session.execute(db.select(AccessLog.what).order_by(AccessLog.id)).scalars().all()
    assert "Formulärsvar: 1.1. Vilka är dina viktigaste skäl för tobaksstoppet?" in logged


def test_opening_answers_twice_records_one_opening(client, hantera, moment, clock, db):
    clock.advance(hours=1)
    response = forms.submit_form(moment, moment.patient, "skal", {"skal": ["halsa"], "viktigt": 3}, now=clock(),
                                 module_id="steg-1")
    client.get(f"/moment/{moment.id}/svar/{response.id}")
    client.get(f"/moment/{moment.id}/svar/{response.id}")
    assert db.session.execute(db.select(db.func.count(Event.id)).where(Event.type == "form_opened")).scalar_one() == 1


def test_answers_of_another_moment_are_not_found(client, hantera, moment, make_moment, clock):
    other = make_moment("197503121233", first_name="Anna", last_name="Andersson")
    clock.advance(hours=1)
    response = forms.submit_form(other, other.patient, "skal", {"skal": ["halsa"], "viktigt": 3}, now=clock(),
                                 module_id="steg-1")
    assert client.get(f"/moment/{moment.id}/svar/{response.id}").status_code == 404


def test_one_statement_gives_the_same_handover_choices_and_unhandled_items(
        app, db, clinician, moment, make_staff, make_unit, other_unit, count_queries, clock):
    """Hantera's combined statements list what the separate queries list (Byte av behandlare, Överlämna,
    open flags, unread messages), in the same order."""
    from web.models import Flag, User
    from web.services.clinician import hantera as pages
    from web.services.clinician.flags import open_flags
    from web.services.clinician.moments import eligible_clinicians
    from web.services.core.messages import send_as_patient, unread_for_clinician

    make_unit("Aardvarkenheten", "Region Örebro län")  # sorts before the moment's own unit
    make_staff(name="Anders Ek")
    make_staff(name="Öberg Admin", roles="behorighetsadmin")  # no Behandlare role: not a choice
    make_staff(name="Bo Borta", active=False)  # inactive: not a choice
    make_staff(name="Cecilia Annan", units=[other_unit])  # another unit's clinician: not a choice
    db.session.refresh(moment)  # loaded, as on the page
    with count_queries() as statements:
        clinicians, units = pages.handover_choices(moment)
    assert len(statements) == 1
    assert [u.id for u in clinicians] == [u.id for u in eligible_clinicians(moment.care_unit_id)]
    assert [u.name for u in clinicians] == ["Anders Ek", "Marita Andersson"]
    assert [u.id for u in units] == [u.id for u in pages.other_units(moment)]
    assert [u.name for u in units] == ["Aardvarkenheten", "Vårdcentralen Ekhagen"]
    # read as columns: the names Överlämna shows are the units' own, with their regions
    assert [u.display_name for u in units] == [u.display_name for u in pages.other_units(moment)]
    assert units[0].display_name == "Region Örebro län, Aardvarkenheten"

    assert pages._open_flags_and_unread_messages(moment) == ([], 0)
    for minutes, cause in ((1, "a"), (2, "b")):
        db.session.add(Flag(enrollment_id=moment.id, type="inactivity", cause_key=cause, text=cause,
                            raised_at=clock() + timedelta(minutes=minutes)))
    db.session.add(Flag(enrollment_id=moment.id, type="inactivity", cause_key="c", text="c", raised_at=clock(),
                        handled_at=clock(), handled_by_id=db.session.execute(db.select(User.id)).scalars().first()))
    db.session.commit()
    for body in ("Hej", "Hej igen"):
        send_as_patient(moment, moment.patient, body=body, subject="Fråga", now=clock())
    db.session.refresh(moment)
    with count_queries() as statements:
        flags, unread = pages._open_flags_and_unread_messages(moment)
    assert len(statements) == 1
    assert [f.id for f in flags] == [f.id for f in open_flags(moment)] and [f.text for f in flags] == ["b", "a"]
    assert unread == unread_for_clinician(moment) == 2


def test_no_two_buttons_on_hantera_share_an_accessible_name(hantera, moment, clock):
    forms.view_step(moment, moment.patient, "steg-1", "motivation", now=clock())
    forms.submit_form(moment, moment.patient, "skal", {"skal": ["halsa"], "viktigt": 7}, now=clock(),
                      module_id="steg-1")
    names = [name for _, name in button_names(hantera())]
    assert len(names) > 40  # every module's buttons and disclosures were read
    assert "Spara invånarstatus: Steg 2 Uppstart och stoppfasen – var nyfiken och aktiv" in names
    repeated = sorted({name for name in names if names.count(name) > 1})
    assert repeated == []


def test_an_ended_moments_hantera_has_no_two_buttons_of_the_same_name(hantera, moment, clinician, clock):
    from web.services.clinician import moments
    moments.end_and_maintain(moment, "genomford", (clock() + timedelta(days=30)).date(), user=clinician,
                             membership=clinician.memberships[0], now=clock())
    names = [name for _, name in button_names(hantera())]
    assert "Spara vidmakthåll" in names and [n for n in names if names.count(n) > 1] == []


def test_modules_not_in_use_are_folded_and_keep_their_actions(hantera):
    page = hantera()
    others = page[page.index('id="moduler"'):]
    steg2 = others[others.index('id="modul-steg-2"'):]
    steg2 = steg2[:steg2.index("</li>")]
    assert '<details class="module-fold">' in steg2 and "<details class=\"module-fold\" open" not in page
    fold = steg2[steg2.index('<details class="module-fold">'):]
    assert 'action="/moment/' in fold and "Sätt till aktuell" in fold and "Spara invånarstatus" in fold
    # the current modules are not folded: their actions are at hand
    current = page[page.index("Aktuella moduler"):page.index('id="moduler"')]
    assert "module-fold" not in current


@pytest.mark.parametrize("path, builds_state", [
    ("hantera", True), ("meddelanden", False), ("tidslinje", False), ("tidslinje?period=vecka", False),
    ("handelser", False)])
def test_only_pages_that_build_the_moments_state_read_its_modules_and_steps(
        client, logged_in, moment, count_queries, path, builds_state):
    """Meddelanden, Tidslinje and Händelser show the moment's header and their own rows: the moment is read
    without its modules and step progress (web.services.core.access, state=False); Hantera reads them."""
    client.get(f"/moment/{moment.id}/{path}")  # warm (program caches)
    with count_queries() as statements:
        response = client.get(f"/moment/{moment.id}/{path}")
    assert response.status_code == 200
    reads = " ".join(s for s in statements if s.lstrip().upper().startswith("SELECT"))
    assert ("enrollment_module" in reads and "step_progress" in reads) is builds_state


def test_hantera_reads_the_modules_and_step_progress_as_plain_rows(client, logged_in, moment, count_queries):
    """Hantera only shows the moment's state: its modules and step progress are read in one statement as plain
    rows (web.services.core.moment_rows), never loaded as EnrollmentModule and StepProgress objects."""
    from sqlalchemy import event

    from web.models import StepProgress

    client.get(f"/moment/{moment.id}/hantera")  # warm (program caches)
    loaded = []
    remember = lambda target, context: loaded.append(type(target).__name__)  # noqa: E731
    event.listen(EnrollmentModule, "load", remember)
    event.listen(StepProgress, "load", remember)
    try:
        with count_queries() as statements:
            response = client.get(f"/moment/{moment.id}/hantera")
    finally:
        event.remove(EnrollmentModule, "load", remember)
        event.remove(StepProgress, "load", remember)
    assert response.status_code == 200 and "Aktuella moduler" in response.get_data(as_text=True)
    assert loaded == []
    reads = [s for s in statements if "enrollment_module" in s or "step_progress" in s]
    assert len(reads) == 1 and "UNION ALL" in reads[0].upper(), reads


def test_a_hantera_view_runs_only_statements_built_once(client, logged_in, moment, monkeypatch):
    """Every statement a Hantera view runs is built once and reused (its SQLAlchemy cache key made once):
    building and keying an ORM statement costs more CPU than running it."""
    from sqlalchemy.sql.cache_key import HasCacheKey

    path = f"/moment/{moment.id}/hantera"
    client.get(path)  # warm: the statements are built
    keyed = []
    generate = HasCacheKey._generate_cache_key

    def spy(self):
        keyed.append(self)
        return generate(self)

    monkeypatch.setattr(HasCacheKey, "_generate_cache_key", spy)
    response = client.get(path)
    monkeypatch.undo()
    assert response.status_code == 200 and "Aktuella moduler" in response.get_data(as_text=True)
    assert keyed == []


def test_hantera_reads_submitted_answers_as_plain_rows(client, hantera, moment, clock, db):
    """The newest answers of each form and the unread ones are read as rows of what Hantera shows (no
    FormResponse objects with their question snapshots); the links and the unread list stay as they were."""
    from sqlalchemy import event

    from web.models import FormResponse

    clock.advance(hours=1)
    response = forms.submit_form(moment, moment.patient, "skal", {"skal": ["halsa"], "viktigt": 3}, now=clock(),
                                 module_id="steg-1")
    hantera()  # warm (program caches)
    answers_link = f'href="/moment/{moment.id}/svar/{response.id}"'
    path = f"/moment/{moment.id}/hantera"
    db.session.remove()  # what the form's submission loaded is not the page's
    loaded = []
    remember = lambda target, context: loaded.append(target)  # noqa: E731
    event.listen(FormResponse, "load", remember)
    try:
        page = client.get(path).get_data(as_text=True)
    finally:
        event.remove(FormResponse, "load", remember)
    assert loaded == []
    assert page.count(answers_link) == 2  # Olästa formulär and Visa svar
    assert "Olästa formulär" in page and '<span class="badge badge-form">Oläst</span>' in page


def test_a_moment_pages_access_log_row_is_one_insert_without_a_flush(client, logged_in, moment, db):
    """Every read of a moment writes its access-log row (who, unit, patient, moment, what, when) as one INSERT:
    no AccessLog object goes through the unit of work's flush on a page view."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    path, patient_id, moment_id = f"/moment/{moment.id}/hantera", moment.patient_id, moment.id
    client.get(path)  # warm (program caches)
    flushes = []
    remember = lambda session, context, instances: flushes.append(list(session.new))  # noqa: E731
    event.listen(Session, "before_flush", remember)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(Session, "before_flush", remember)
    assert flushes == []
    rows = db.session.execute(db.select(AccessLog).where(AccessLog.enrollment_id == moment_id)
                              .order_by(AccessLog.id)).scalars().all()
    assert len(rows) == 2 and {(r.patient_id, r.user_id, r.what, r.hits) for r in rows} == {
        (patient_id, logged_in.id, "Hantera", None)}
