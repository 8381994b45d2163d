"""Bounded input: request size, free-text lengths, staff Markdown, activity-plan dates."""
from datetime import date

import pytest

from engine.forms.answers import MSG_TOO_LONG, coerce_answer
from engine.moment.schedule import PlanError, check_dates
from web import limits
from web.services.errors import ServiceError


def test_a_request_over_one_megabyte_is_refused_in_swedish(client, make_moment, login_patient):
    moment = make_moment()
    login_patient(moment.patient)
    response = client.post(f"/stod-och-behandling/{moment.id}/meddelanden/ny",
                           data={"subject": "Hej", "body": "x" * (1024 * 1024 + 1)})
    assert response.status_code == 413
    assert "För mycket data" in response.get_data(as_text=True)


def test_a_too_long_message_is_refused_and_what_was_typed_stays(client, make_moment, login_patient, db):
    from web.models import Message

    moment = make_moment()
    login_patient(moment.patient)
    body = "Mitt långa meddelande " + "a" * limits.MAX_MESSAGE
    response = client.post(f"/stod-och-behandling/{moment.id}/meddelanden/ny", data={"subject": "Hej", "body": body})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Meddelandet får vara högst 10000 tecken." in page
    assert "Mitt långa meddelande aaaa" in page
    assert db.session.execute(db.select(db.func.count(Message.id))).scalar_one() == 0


def test_a_text_answer_over_the_limit_is_an_error_not_stored(programs):
    question = next(q for form in programs["tobakshjalpen"].forms.values() for q in form.questions
                    if q.type == "long_text")
    assert coerce_answer(question, "a" * limits.MAX_ANSWER) == ("a" * 5000, None)
    assert coerce_answer(question, "a" * (limits.MAX_ANSWER + 1)) == (None, MSG_TOO_LONG)
    assert MSG_TOO_LONG == "Svaret får vara högst 5000 tecken."


def test_staff_and_patient_names_are_bounded(app, unit, clinician, clock):
    from web.services.clinician import moments, staff

    with pytest.raises(ServiceError) as caught:
        staff.create_staff(unit, username="lang", name="N" * 121, password=None, roles=["behandlare"])
    assert caught.value.fields["name"] == "Namnet får vara högst 120 tecken."
    with pytest.raises(ServiceError) as caught:
        moments.start_moment(personnummer="196108312460", program_id="tobakshjalpen", user=clinician,
                             membership=clinician.memberships[0], now=clock(), first_name="F" * 81, last_name="Doe")
    assert caught.value.fields["first_name"] == "Förnamnet får vara högst 80 tecken."


def test_a_welcome_text_over_the_limit_is_refused(app, make_moment, clinician, clock):
    from web.services.clinician import moments

    moment = make_moment()
    with pytest.raises(ServiceError) as caught:
        moments.save_welcome_text(moment, "a" * (limits.MAX_WELCOME_TEXT + 1), user=clinician,
                                  membership=clinician.memberships[0], now=clock())
    assert caught.value.message == "Välkomsttexten får vara högst 10000 tecken."


def test_staff_markdown_goes_through_markdown_it_and_keeps_links(monkeypatch):
    from web.content import text

    calls = []
    original = text.USER_MARKDOWN.render
    monkeypatch.setattr(text.USER_MARKDOWN, "render", lambda s: calls.append(s) or original(s))
    html = str(text.render_user_markdown("Läs mer på [1177](https://www.1177.se)."))
    assert calls == ["Läs mer på [1177](https://www.1177.se)."]
    assert '<a href="https://www.1177.se"' in html and ">1177</a>" in html


def test_a_text_full_of_brackets_renders_without_the_link_rules(monkeypatch):
    """Thousands of unbalanced "[" are what makes link parsing slow: such a text skips the link rules."""
    from web.content import text

    used = []
    for name in ("USER_MARKDOWN", "USER_MARKDOWN_NO_LINKS"):
        renderer = getattr(text, name)
        original = renderer.render
        monkeypatch.setattr(renderer, "render", lambda s, n=name, o=original: used.append(n) or o(s))
    flood = "[" * limits.MAX_WELCOME_TEXT
    assert str(text.render_user_markdown(flood)) == "<p>" + flood + "</p>\n"
    assert used == ["USER_MARKDOWN_NO_LINKS"]
    used.clear()
    text.render_user_markdown("[a](https://x.se) " * text.MAX_LINK_BRACKETS)
    assert used == ["USER_MARKDOWN"]


def test_a_text_full_of_emphasis_marks_renders_without_emphasis(monkeypatch):
    from web.content import text

    used = []
    for name in ("USER_MARKDOWN", "USER_MARKDOWN_NO_LINKS", "USER_MARKDOWN_PLAIN"):
        renderer = getattr(text, name)
        original = renderer.render
        monkeypatch.setattr(renderer, "render", lambda s, n=name, o=original: used.append(n) or o(s))
    assert "<em>" not in str(text.render_user_markdown("*a " * 3000))
    assert used == ["USER_MARKDOWN_PLAIN"]
    used.clear()
    assert "<strong>Jane</strong>" in str(text.render_user_markdown("Hej **Jane**"))
    assert used == ["USER_MARKDOWN"]


def test_raw_html_in_a_welcome_text_is_shown_as_text_and_keeps_the_rest():
    from web.content.text import render_user_markdown

    html = str(render_user_markdown("Hej **Jane**\n\n<style>body{}</style>\n\nResten av texten"))
    assert "<strong>Jane</strong>" in html
    assert "&lt;style&gt;" in html and "<style" not in html
    assert "<p>Resten av texten</p>" in html


def test_welcome_text_speech_does_not_run_python_markdown(app, make_moment, monkeypatch, db):
    import markdown

    from web.services.core.audio import welcome_markdown
    from web.services.core.rows import program_for

    moment = make_moment()
    moment.welcome_text = "Hej [Jane"
    db.session.commit()
    monkeypatch.setattr(markdown, "markdown", lambda *a, **k: pytest.fail("Python-Markdown on staff text"))
    assert welcome_markdown(moment, program_for(moment)) == "<p>Hej [Jane</p>\n"


@pytest.mark.parametrize(("start", "until", "message"), [
    (date(1, 1, 1), None, "Startdatum kan inte ligga före momentets start (2026-03-02)."),
    (date(2026, 3, 1), None, "Startdatum kan inte ligga före momentets start (2026-03-02)."),
    (date(2031, 3, 3), None, "Startdatum måste ligga inom 5 år från momentets start (senast 2031-03-02)."),
    (date(2026, 3, 2), date(9999, 12, 31), "Slutdatum måste ligga inom 5 år från momentets start (senast 2031-03-02)."),
])
def test_plan_dates_outside_the_moment_are_refused(start, until, message):
    with pytest.raises(PlanError) as caught:
        check_dates(start, until, date(2026, 3, 2))
    assert str(caught.value) == message


def test_plan_dates_inside_the_moment_are_accepted():
    check_dates(date(2026, 3, 2), date(2031, 3, 2), date(2026, 3, 2))
    check_dates(date(2031, 3, 2), None, date(2026, 3, 2))


def test_saving_a_schedule_from_year_one_is_refused(app, make_moment, clinician, clock):
    from web.services.clinician import activity

    moment = make_moment()
    plan = activity.save_content(moment, None, name="Plan", elements=[{"kind": "registration", "text": "x"}],
                                 user=clinician, now=clock())
    with pytest.raises(ServiceError) as caught:
        activity.save_schedule(plan, start=date(1, 1, 1), times=[{"time": "08:30", "weekdays": ["mon"]}],
                               until=None, every_weeks=1, now=clock())
    assert caught.value.message == "Startdatum kan inte ligga före momentets start (2026-03-02)."
    assert plan.start_date is None
