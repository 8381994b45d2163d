"""web/ui/module_rows.py: Hantera's module rows render exactly what the Jinja they replaced rendered (the reference,
verbatim from clinician/_days_form.html and clinician/hantera.html before the change, in
tests/data/templates/module_rows_reference.html), for many modules."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings, strategies as st
from markupsafe import Markup

from web.services.clinician.hantera import FormView, ModuleView, StepView
from web.ui import module_rows, templating

#: the macros and the two loops as they were (the reference), verbatim
ORIGINAL = (Path(__file__).parent.parent / "data" / "templates" / "module_rows_reference.html").read_text()

_text = st.lists(st.sampled_from(list('aÅ <>&"\'/-:–') + ["Steg 2", "&amp;", "modul"]), max_size=6).map("".join)
#: titles as plain text or as Markup (not escaped again): the cached rows keep the two apart
_title = st.one_of(_text, _text.map(Markup))
_step = st.builds(StepView, _text, _title, st.sampled_from(["not_started", "started", "done"]))
_latest = st.one_of(st.none(), st.integers(1, 9999).map(lambda i: SimpleNamespace(id=i)))
_form = st.builds(FormView, _text, _text, _latest, st.booleans())
_days = st.one_of(st.none(), st.integers(0, 400))
_module = st.builds(ModuleView, id=_text, title=_title, kind=st.sampled_from(["mandatory", "individual"]),
                    state=st.sampled_from(["upcoming", "current", "completed"]),
                    status=st.sampled_from(["hidden", "read_write", "read_only"]), days_left=_days, days=_days,
                    steps=st.lists(_step, max_size=4), forms=st.lists(_form, max_size=3))


def _reference(app, modules, current, active, enrollment_id, max_days):
    return app.jinja_env.from_string(ORIGINAL).render(
        modules=modules, current=current, view=SimpleNamespace(status="active" if active else "ended"),
        enrollment=SimpleNamespace(id=enrollment_id), max_days=max_days,
        PATIENT_STATUS_LABELS=templating.PATIENT_STATUS_LABELS, MODULE_STATE_LABELS=templating.MODULE_STATE_LABELS,
        STEP_PROGRESS_LABELS=templating.STEP_PROGRESS_LABELS)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # the app is only read
@given(modules=st.lists(_module, max_size=3), current=st.booleans(), active=st.booleans(),
       enrollment_id=st.integers(1, 99999), max_days=st.integers(1, 3650))
def test_module_rows_match_the_jinja_they_replaced(app, modules, current, active, enrollment_id, max_days):
    row = module_rows.current_module if current else module_rows.other_module
    with app.test_request_context():
        ours = "".join(f"{row(m, enrollment_id, active, max_days)}\n" for m in modules)
        assert ours == _reference(app, modules, current, active, enrollment_id, max_days)
        assert all(isinstance(row(m, enrollment_id, active, max_days), Markup) for m in modules)


def test_the_addresses_are_the_moments_own_when_a_request_renders_two_moments(app):
    module = ModuleView("steg-1", "Steg 1", "mandatory", "current", "read_write", 3, 7,
                        [StepView("1.1", "Motivation", "done")], [])
    with app.test_request_context():
        first = module_rows.current_module(module, 1, True, 30)
        second = module_rows.current_module(module, 2, True, 30)
        assert second == _reference(app, [module], True, True, 2, 30).removesuffix("\n")
        assert "/moment/2/" in second and "/moment/1/" not in second and "/moment/1/" in first


def test_the_remembered_texts_tell_plain_text_from_markup_and_each_progress(app):
    """Step rows and module names are remembered per text (a version's texts never change): the same text as
    plain text and as Markup, and a step in each progress, each render as the Jinja did."""
    with app.test_request_context():
        for title in ("Steg <1> & mer", Markup("Steg <1> & mer"), "Steg <1> & mer"):
            for progress in ("done", "started", "not_started", "done"):
                module = ModuleView("steg-1", title, "mandatory", "current", "read_write", 3, 7,
                                    [StepView("1.1", title, progress)], [])
                ours = module_rows.current_module(module, 5, True, 30)
                assert ours == _reference(app, [module], True, True, 5, 30).removesuffix("\n"), (title, progress)


def test_the_rows_are_given_to_hantera_only_not_as_globals(app):
    """Jinja compares every global on each `{% from … import %}` of every page: the rows are passed to hantera.html
    by its view, so the other pages do not pay for them."""
    assert not {"current_module_row", "other_module_row"} & set(app.jinja_env.globals)
