"""Moving running moments to a newer program version (issue 18): the service, Hantera's button, the CLI.

Version 1.0.0 is tests/data/diff/v1.yaml (`vaner`); 1.1.0 is mapped.yaml (module extra → individuellt,
step steg-2/vikt → steg-2/vikt-och-mat, form vanor → levnadsvanor, question mar/varfor → mar/beratta,
option sallan → aldrig, all mapped) with one question reworded, so a submitted answer can be seen to
keep the text it was given under; breaking.yaml is a 1.1.0 with changed scoring and no mapping.
"""
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from patient_support import JANE, JOHN, html_text

DATA = Path(__file__).resolve().parents[1] / "data" / "diff"
OLD_QUESTION = "Vill du berätta mer?"
NEW_QUESTION = "Berätta gärna mer om hur du mår."
EVENT_TEXT = "Programmet uppdaterades från 1.0.0 till 1.1.0 av Marita Andersson"
BREAKING_REASON = "Formuläret ”Hur mår du?” har ändrad poängsättning"


@pytest.fixture
def versions(tmp_path):
    """{"v1", "v2", "breaking"}: the programs loaded from a private copy of tests/data/diff."""
    from engine.loader import load_program

    folder = tmp_path / "diff"
    shutil.copytree(DATA, folder)
    mapped = folder / "mapped.yaml"
    text = mapped.read_text(encoding="utf-8")
    assert f"text: {OLD_QUESTION}" in text
    mapped.write_text(text.replace(f"text: {OLD_QUESTION}", f"text: {NEW_QUESTION}"), encoding="utf-8")
    return {"v1": load_program(folder / "v1.yaml"), "v2": load_program(mapped),
            "breaking": load_program(folder / "breaking.yaml")}


@pytest.fixture
def app_config(app_config, programs, versions):
    """The shared test configuration with version 1.0.0 of `vaner` installed."""
    return {**app_config, "PROGRAMS": {**programs, "vaner": versions["v1"]}}


@pytest.fixture
def install(app):
    """install(program): the app now serves this version (as a restart with the new files would)."""
    from web.content.programs import EXTENSION_KEY

    def do(program):
        app.extensions[EXTENSION_KEY] = {**app.extensions[EXTENSION_KEY], program.id: program}

    return do


@pytest.fixture
def as_staff(clinician):
    return {"user": clinician, "membership": clinician.memberships[0]}


@pytest.fixture
def moments(db, clock, as_staff):
    """Two moments on 1.0.0 whose modules are, between them, in every state, with answers and progress.

    Jane: start completed (both forms submitted), steg-2 current (vikt read), extra upcoming; her own
    subscription to form vanor. John: start current, steg-2 upcoming, extra current (tips read), and a
    draft of vanor.
    """
    from web.services.clinician import flags
    from web.services.clinician import moments as moment_service
    from web.services.patient import answers

    def started(personnummer, first_name):
        return moment_service.start_moment(personnummer=personnummer, program_id="vaner", first_name=first_name,
                                           last_name="Doe", now=clock(), **as_staff)

    jane, john = started(JANE, "Jane"), started(JOHN, "John")
    p = jane.patient
    answers.view_step(jane, p, "start", "intro", now=clock())
    answers.submit_form(jane, p, "mar", {"humor": "daligt", "varfor": "Jag sover dåligt."}, now=clock(),
                        module_id="start", step_id="intro")
    answers.view_step(jane, p, "start", "vanor", now=clock())
    answers.submit_form(jane, p, "vanor", {"frekvens": "sallan", "antal": 3}, now=clock(),
                        module_id="start", step_id="vanor")
    moment_service.complete_module(jane, "start", now=clock(), **as_staff)
    moment_service.activate_module(jane, "steg-2", days=14, now=clock(), **as_staff)
    answers.view_step(jane, p, "steg-2", "vikt", now=clock())
    flags.add_subscription(as_staff["user"], jane, "form_saved", {"form": "vanor"}, all_moments=False, now=clock())

    moment_service.activate_module(john, "extra", days=7, now=clock(), **as_staff)
    answers.view_step(john, john.patient, "extra", "tips", now=clock())
    answers.save_form(john, john.patient, "vanor", {"frekvens": "sallan", "antal": 2}, now=clock(),
                      module_id="start", step_id="vanor")
    db.session.commit()
    return jane, john


def _modules(enrollment):
    return {m.module_id: (m.state, m.position) for m in enrollment.modules}


def _steps(enrollment):
    return {f"{s.module_id}/{s.step_id}": s.status for s in enrollment.steps}


def _responses(db, enrollment):
    from web.models import FormResponse

    return db.session.execute(db.select(FormResponse).where(FormResponse.enrollment_id == enrollment.id)
                              .order_by(FormResponse.id)).scalars().all()


def _events(db, enrollment, type_=None):
    from web.models import Event

    query = db.select(Event).where(Event.enrollment_id == enrollment.id)
    if type_:
        query = query.where(Event.type == type_)
    return db.session.execute(query.order_by(Event.id)).scalars().all()


def _upgrade(enrollment, clock, as_staff):
    from web.services.clinician import upgrade

    return upgrade.move_moment(enrollment, now=clock(), **as_staff)


def test_the_moments_start_in_every_module_state(moments):
    jane, john = moments
    assert _modules(jane) == {"start": ("completed", 0), "steg-2": ("current", 1), "extra": ("upcoming", 2)}
    assert _modules(john) == {"start": ("current", 0), "steg-2": ("upcoming", 1), "extra": ("current", 2)}


def test_a_moved_moment_keeps_its_module_states_and_step_progress_under_the_new_ids(db, moments, install,
                                                                                    versions, clock, as_staff):
    jane, john = moments
    before = {e: (_steps(e)) for e in (jane, john)}
    install(versions["v2"])
    for enrollment in (jane, john):
        _upgrade(enrollment, clock, as_staff)
    db.session.expire_all()
    assert (jane.program_version, jane.program_digest) == ("1.1.0", versions["v2"].digest)
    assert _modules(jane) == {"start": ("completed", 0), "steg-2": ("current", 1), "individuellt": ("upcoming", 2)}
    assert _modules(john) == {"start": ("current", 0), "steg-2": ("upcoming", 1), "individuellt": ("current", 2)}
    assert before[jane]["steg-2/vikt"] == "done"
    assert _steps(jane) == {"start/intro": "done", "start/vanor": "done", "steg-2/vikt-och-mat": "done"}
    assert before[john] == {"extra/tips": "done", "start/vanor": "started"}  # the draft started its step
    assert _steps(john) == {"individuellt/tips": "done", "start/vanor": "started"}


def test_submitted_answers_keep_their_text_and_version_and_still_count_as_submitted(db, moments, install, versions,
                                                                                   clock, as_staff):
    from web.services.core.rows import build_state

    jane, _ = moments
    install(versions["v2"])
    _upgrade(jane, clock, as_staff)
    db.session.expire_all()
    mar, vanor = _responses(db, jane)
    assert (mar.form_id, mar.given_form_id, mar.status) == ("mar", "mar", "submitted")
    assert mar.answers == {"humor": "daligt", "varfor": "Jag sover dåligt."}
    assert mar.questions["varfor"]["text"] == OLD_QUESTION and mar.program_digest == versions["v1"].digest
    assert (vanor.form_id, vanor.given_form_id) == ("levnadsvanor", "vanor")
    assert vanor.answers == {"frekvens": "sallan", "antal": 3}
    assert vanor.questions["frekvens"]["options"]["sallan"] == "Sällan"
    assert build_state(jane).submitted_forms == {"mar", "levnadsvanor"}


def test_the_clinician_still_reads_the_answer_with_the_question_text_it_was_given_under(
        client, login, clinician, db, moments, install, versions, clock, as_staff):
    jane, _ = moments
    install(versions["v2"])
    _upgrade(jane, clock, as_staff)
    login(clinician)
    mar = _responses(db, jane)[0]
    page = html_text(client.get(f"/moment/{jane.id}/svar/{mar.id}"))
    assert f"<dt>{OLD_QUESTION}</dt>" in page and NEW_QUESTION not in page and "Jag sover dåligt." in page


def test_a_draft_follows_to_the_new_form_with_its_answers_under_the_new_ids(db, moments, install, versions, clock,
                                                                            as_staff):
    _, john = moments
    install(versions["v2"])
    _upgrade(john, clock, as_staff)
    db.session.expire_all()
    (draft,) = _responses(db, john)
    assert (draft.form_id, draft.status, draft.program_digest) == ("levnadsvanor", "draft", None)
    assert draft.answers == {"frekvens": "aldrig", "antal": 2}
    assert draft.questions["frekvens"]["options"] == {"aldrig": "Sällan", "ibland": "Ibland", "ofta": "Ofta"}


def test_the_moments_own_subscription_follows_the_renamed_form(db, moments, install, versions, clock, as_staff):
    from web.models import FlagSubscription

    jane, _ = moments
    install(versions["v2"])
    _upgrade(jane, clock, as_staff)
    sub = db.session.execute(db.select(FlagSubscription).where(FlagSubscription.enrollment_id == jane.id)).scalar_one()
    assert sub.params == {"form": "levnadsvanor"}


def test_the_move_is_one_event_on_the_timeline(client, login, clinician, db, moments, install, versions, clock,
                                               as_staff):
    jane, _ = moments
    install(versions["v2"])
    _upgrade(jane, clock, as_staff)
    (event,) = _events(db, jane, "program_upgraded")
    assert event.text == EVENT_TEXT and event.actor_name == "Marita Andersson"
    assert event.data["from"] == "1.0.0" and event.data["to"] == "1.1.0"
    assert event.data["renamed"]["vanor"] == "levnadsvanor" and event.data["renamed"]["extra"] == "individuellt"
    login(clinician)
    assert EVENT_TEXT in html_text(client.get(f"/moment/{jane.id}/tidslinje"))


def _snapshot(db, enrollment):
    db.session.expire_all()
    return (enrollment.program_version, enrollment.program_digest, _modules(enrollment), _steps(enrollment),
            [(r.form_id, r.status, r.answers) for r in _responses(db, enrollment)], len(_events(db, enrollment)))


def test_a_breaking_change_without_mapping_is_refused_with_its_reason_and_changes_nothing(db, moments, install,
                                                                                          versions, clock, as_staff):
    from web.services.errors import ServiceError

    jane, _ = moments
    before = _snapshot(db, jane)
    install(versions["breaking"])
    with pytest.raises(ServiceError) as refused:
        _upgrade(jane, clock, as_staff)
    assert refused.value.message.startswith("Momentet kan inte flyttas till version 1.1.0: ")
    assert BREAKING_REASON in refused.value.message
    assert _snapshot(db, jane) == before


def test_a_moment_already_on_the_installed_version_is_refused(db, moments, clock, as_staff):
    from web.services.errors import ServiceError

    jane, _ = moments
    with pytest.raises(ServiceError, match="Momentet har redan version 1.0.0"):
        _upgrade(jane, clock, as_staff)


# --- Hantera ---------------------------------------------------------------------------------------------------


def test_hantera_offers_the_move_and_the_confirmation_page_writes_nothing(client, login, clinician, db, moments,
                                                                         install, versions):
    jane, _ = moments
    login(clinician)
    assert "Flytta till version" not in html_text(client.get(f"/moment/{jane.id}/hantera"))
    install(versions["v2"])
    page = html_text(client.get(f"/moment/{jane.id}/hantera"))
    assert f'href="/moment/{jane.id}/flytta-version">Flytta till version 1.1.0</a>' in page
    before = _snapshot(db, jane)
    confirm = html_text(client.get(f"/moment/{jane.id}/flytta-version"))
    assert "<li>extra → individuellt</li>" in confirm and "<li>vanor → levnadsvanor</li>" in confirm
    assert f'name="to" value="{versions["v2"].digest}"' in confirm
    assert _snapshot(db, jane) == before


def test_the_confirmed_post_moves_the_moment(client, login, clinician, db, moments, install, versions):
    jane, _ = moments
    login(clinician)
    install(versions["v2"])
    response = client.post(f"/moment/{jane.id}/flytta-version", data={"to": versions["v2"].digest})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/moment/{jane.id}/hantera")
    page = html_text(client.get(f"/moment/{jane.id}/hantera"))
    assert "Momentet är flyttat från version 1.0.0 till version 1.1.0." in page
    assert "<dt>Programversion</dt><dd>1.1.0</dd>" in page and "Flytta till version" not in page
    assert [e.text for e in _events(db, jane, "program_upgraded")] == [EVENT_TEXT]


def test_a_post_confirmed_for_another_version_is_refused(client, login, clinician, db, moments, install, versions):
    jane, _ = moments
    login(clinician)
    install(versions["v2"])
    before = _snapshot(db, jane)
    client.post(f"/moment/{jane.id}/flytta-version", data={"to": versions["breaking"].digest})
    assert "En annan programversion har installerats sedan sidan visades." in html_text(
        client.get(f"/moment/{jane.id}/hantera"))
    assert _snapshot(db, jane) == before


def test_hantera_shows_why_a_move_is_refused_and_no_button(client, login, clinician, db, moments, install, versions):
    jane, _ = moments
    login(clinician)
    install(versions["breaking"])
    page = html_text(client.get(f"/moment/{jane.id}/hantera"))
    assert "Momentet kan inte flyttas till version 1.1.0: " in page and BREAKING_REASON in page
    assert "Flytta till version" not in page


# --- stegvis moments upgrade -------------------------------------------------------------------------------------


def _cli(app, *args):
    from commands.data.moments import moments_group

    result = CliRunner().invoke(moments_group, ["upgrade", *args], obj=app)
    return result


def test_the_cli_dry_run_lists_the_moments_and_changes_nothing(app, db, moments, install, versions):
    jane, john = moments
    before = [_snapshot(db, e) for e in (jane, john)]
    install(versions["v2"])
    result = _cli(app, "vaner", "--from", "1.0.0", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "vaner 1.0.0 → 1.1.0: 2 moment (torrkörning, inget ändras)",
        f"moment {jane.id}: flyttas", f"moment {john.id}: flyttas", "2 skulle flyttas, 0 vägrade."]
    assert [_snapshot(db, e) for e in (jane, john)] == before


def test_the_cli_moves_every_moment_of_the_version(app, db, moments, install, versions):
    jane, john = moments
    install(versions["v2"])
    result = _cli(app, "vaner", "--from", "1.0.0")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "2 flyttade, 0 vägrade."
    db.session.expire_all()
    assert [(e.program_version, e.program_digest) for e in (jane, john)] == [("1.1.0", versions["v2"].digest)] * 2
    event = _events(db, jane, "program_upgraded")[0]
    assert event.actor_kind == "system" and event.text.startswith(
        "Programmet uppdaterades från 1.0.0 till 1.1.0 av stegvis moments upgrade (")
    assert _cli(app, "vaner", "--from", "1.0.0").output.splitlines()[-1] == "0 flyttade, 0 vägrade."


def test_the_cli_lists_refusals_with_the_reason(app, db, moments, install, versions):
    jane, john = moments
    before = [_snapshot(db, e) for e in (jane, john)]
    install(versions["breaking"])
    result = _cli(app, "vaner", "--from", "1.0.0")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].startswith(f"moment {jane.id}: vägras: ") and BREAKING_REASON in lines[1]
    assert lines[-1] == "0 flyttade, 2 vägrade."
    assert [_snapshot(db, e) for e in (jane, john)] == before


def test_the_cli_unit_option_leaves_other_units_alone(app, db, moments, install, versions, clinician):
    install(versions["v2"])
    unit = clinician.memberships[0].care_unit_id
    result = _cli(app, "vaner", "--from", "1.0.0", "--dry-run", "--unit", str(unit + 1000))
    assert result.output.splitlines() == ["vaner 1.0.0 → 1.1.0: 0 moment (torrkörning, inget ändras)",
                                          "0 skulle flyttas, 0 vägrade."]
    result = _cli(app, "vaner", "--from", "1.0.0", "--dry-run", "--unit", str(unit))
    assert result.output.splitlines()[-1] == "2 skulle flyttas, 0 vägrade."


def test_a_module_reminder_raised_before_the_move_is_not_raised_again_under_the_new_module_id(
        db, moments, install, versions, clock, as_staff):
    # the flag keeps its cause under the new module id; its flag_raised event keeps the old one, and the tick
    # reads the Flag rows' causes, not those events (web.services.core.flags.flags_to_raise)
    from datetime import timedelta

    from web.models import Flag
    from web.services.clinician import flags
    from web.services.operations.tick import run_tick

    _, john = moments
    flags.add_subscription(as_staff["user"], john, "module_reminder", {"module": "extra", "days_before": 3},
                           all_moments=False, now=clock())
    db.session.commit()
    at = clock() + timedelta(days=5)  # extra was activated for 7 days: two days left
    assert run_tick(at, deliver=False).flags == 1
    raised = db.session.execute(db.select(Flag).where(Flag.enrollment_id == john.id)).scalar_one()
    assert raised.type == "module_reminder" and ":extra:" in f"{raised.cause_key}:"
    install(versions["v2"])
    _upgrade(john, clock, as_staff)
    db.session.commit()
    assert ":individuellt:" in f"{raised.cause_key}:" and ":extra:" not in f"{raised.cause_key}:"
    assert [e.data["cause"] for e in _events(db, john, "flag_raised")] != [raised.cause_key]  # the event's old id
    assert run_tick(at + timedelta(hours=1), deliver=False).flags == 0
    assert run_tick(at + timedelta(days=1), deliver=False).flags == 0
    assert db.session.execute(db.select(db.func.count()).select_from(Flag)
                              .where(Flag.enrollment_id == john.id)).scalar_one() == 1
