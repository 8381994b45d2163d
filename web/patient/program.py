"""Stöd och behandling: the patient's programs, a program's home, modules, steps and their forms."""
from __future__ import annotations

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext

from .. import clock
from ..content.programs import all_programs
from ..services.patient import program as patient_service
from ..services.patient import forms as patient_forms
from ..services.errors import ServiceError
from ..services.patient.program import ModuleView, MomentView
from ..services.types import Form
from .blueprint import bp, moment_required, patient_required
from .audio import step_audio_url, welcome_audio_url
from .forms import AnswerActionForm


@bp.route("/stod-och-behandling/")
@patient_required
def programs():
    """Stöd och behandling: the patient's programs (moments), each with its status."""
    now = clock.now()
    moments = [(e, patient_service.moment_status(e, now)) for e in patient_service.moments_of(g.patient)]
    return render_template("patient/programs.html", moments=moments, programs_by_id=all_programs())


@bp.route("/stod-och-behandling/<int:enrollment_id>/")
@moment_required()
def home(view: MomentView):
    """A program's home: the welcome text (the moment's own if edited) and the modules the patient may see."""
    waiting = patient_service.battery_forms(view) if not view.read_only else []
    following = patient_service.next_step(view, waiting)
    next_url = None
    if following is not None and following.kind == "form":
        next_url = url_for("patient.battery_form", enrollment_id=view.enrollment.id, form_id=following.form_id)
    elif following is not None:
        next_url = url_for("patient.step", enrollment_id=view.enrollment.id, module_id=following.module_id,
                           step_id=following.step_id)
    return render_template(
        "patient/home.html", view=view,
        welcome=patient_service.welcome_text(view.enrollment, view.program),
        welcome_audio=welcome_audio_url(view), welcome_folded=patient_service.visited(view),
        module_url=lambda m: url_for("patient.module", enrollment_id=view.enrollment.id, module_id=m.id),
        battery_forms=[view.program.form(f) for f in waiting], next_step=following, next_url=next_url,
    )


def _module(view: MomentView, module_id: str) -> ModuleView:
    module = view.module_view(module_id)
    if module is None:  # hidden and unknown modules look the same: not found
        abort(404)
    return module


@bp.route("/stod-och-behandling/<int:enrollment_id>/modul/<module_id>/")
@moment_required()
def module(view: MomentView, module_id: str):
    """A module: its steps with the patient's progress (Färdig / Påbörjad / Ej påbörjad)."""
    return render_template(
        "patient/module.html", view=view, mv=_module(view, module_id),
        step_url=lambda s: url_for("patient.step", enrollment_id=view.enrollment.id, module_id=module_id,
                                   step_id=s.id),
    )


def _render_step(view: MomentView, mv: ModuleView, step_id: str, *, posted_form: str | None = None,
                 raw=None, errors=None, status: int = 200):
    sv = mv.step_view(step_id)
    if sv is None:
        abort(404)
    form_views = []
    for form_id in sv.step.forms:
        form = view.program.form(form_id)
        if form is None:
            continue
        mine = form_id == posted_form
        form_views.append(patient_forms.form_view(view.enrollment, form, mv.writable,
                                                  raw=raw if mine else None, errors=errors if mine else None,
                                                  held=view.held_text(mv.module.id, form_id=form_id),
                                                  lang=view.form_language(form_id)))
    steps = [s.step for s in mv.steps]
    index = steps.index(sv.step)
    return render_template(
        "patient/step.html", view=view, mv=mv, sv=sv, form_views=form_views,
        audio_url=step_audio_url(view, mv.module, sv.step),
        previous=steps[index - 1] if index > 0 else None, next=steps[index + 1] if index + 1 < len(steps) else None,
        form_action=lambda f: url_for("patient.step_form", enrollment_id=view.enrollment.id, module_id=mv.module.id,
                                      step_id=sv.step.id, form_id=f.id),
        visible_url=lambda f: url_for("patient.visible", enrollment_id=view.enrollment.id, form_id=f.id),
    ), status


@bp.route("/stod-och-behandling/<int:enrollment_id>/modul/<module_id>/<step_id>")
@moment_required()
def step(view: MomentView, module_id: str, step_id: str):
    """A step page: audio player, the text, then the step's forms. Opening it records a view."""
    mv = _module(view, module_id)
    sv = mv.step_view(step_id)
    if sv is None:
        abort(404)
    held = view.held_text(module_id, step_id)
    if held is not None:  # waits for the clinician: say so, and that they can write meanwhile
        return render_template("patient/held.html", view=view, mv=mv, sv=sv, held=held)
    try:
        patient_service.open_step(view, g.patient, module_id, step_id, clock.now())
    except ServiceError as exc:
        flash(exc.message, "error")
    else:  # progress changed: read the moment again
        view = patient_service.moment_view(view.enrollment, clock.now(), view.language)
        mv = _module(view, module_id)
    return _render_step(view, mv, step_id)


def _form_of(view: MomentView, form_id: str, allowed: tuple[str, ...]) -> Form:
    form = view.program.form(form_id)
    if form is None or form_id not in allowed:
        abort(404)
    return form


def _handle_form(view: MomentView, form: Form, *, module_id: str | None, step_id: str | None, rerender, done_url):
    """Spara utkast or Skicka in; JSON for the autosave script, else redirect or re-render with errors."""
    posted = AnswerActionForm()
    action = posted.action.data
    now = clock.now()
    wants_json = request.headers.get("X-Stegvis-Autosave") == "1"
    try:
        if action == "skicka":
            _, stored = patient_forms.submit(view.enrollment, g.patient, form, request.form,
                                             token=posted.token.data, now=now,
                                             module_id=module_id, step_id=step_id)
            flash(gettext("Tack! Dina svar är inskickade.") if stored else gettext("Dina svar var redan inskickade."),
                  "success")
            return redirect(done_url)
        problems = patient_forms.save_draft(view.enrollment, g.patient, form, request.form, now=now,
                                            module_id=module_id, step_id=step_id)
    except ServiceError as exc:
        if wants_json:
            return jsonify(saved=False, message=gettext(exc.message), errors=exc.fields), 422
        flash(gettext(exc.message), "error")  # fixed messages are translated (web.i18n.MARKED_MESSAGES)
        return rerender(raw=request.form, errors=exc.fields, status=422)
    if wants_json:
        return jsonify(saved=True, message=gettext("Utkastet sparades %(time)s.", time=clock.format_datetime(now)),
                       errors=problems)
    if problems:
        flash(gettext(patient_forms.DRAFT_ERROR), "error")
        return rerender(raw=request.form, errors=problems, status=422)
    flash(gettext("Utkastet är sparat."), "success")
    return redirect(done_url)


@bp.route("/stod-och-behandling/<int:enrollment_id>/modul/<module_id>/<step_id>/formular/<form_id>",
          methods=["POST"])
@moment_required()
def step_form(view: MomentView, module_id: str, step_id: str, form_id: str):
    """Spara utkast / Skicka in for one form of a step."""
    mv = _module(view, module_id)
    sv = mv.step_view(step_id)
    if sv is None:
        abort(404)
    form = _form_of(view, form_id, sv.step.forms)
    done = url_for("patient.step", enrollment_id=view.enrollment.id, module_id=module_id, step_id=step_id,
                   _anchor=f"formular-{form_id}")
    return _handle_form(
        view, form, module_id=module_id, step_id=step_id, done_url=done,
        rerender=lambda **kw: _render_step(view, mv, step_id, posted_form=form_id, **kw),
    )


def _render_battery_form(view: MomentView, form: Form, *, raw=None, errors=None, status: int = 200):
    fv = patient_forms.form_view(view.enrollment, form, not view.read_only, raw=raw, errors=errors,
                                 held=view.held_text(form_id=form.id),
                                 lang=view.form_language(form.id))
    return render_template(
        "patient/form_page.html", view=view, fv=fv,
        form_action=lambda f: url_for("patient.battery_form", enrollment_id=view.enrollment.id, form_id=f.id),
        visible_url=lambda f: url_for("patient.visible", enrollment_id=view.enrollment.id, form_id=f.id),
    ), status


def _battery_form_ids(view: MomentView) -> tuple[str, ...]:
    started = [b for b in view.program.batteries if b.id in view.state.batteries]
    return tuple(f for b in started for f in b.forms)


@bp.route("/stod-och-behandling/<int:enrollment_id>/formular/<form_id>", methods=["GET", "POST"])
@moment_required()
def battery_form(view: MomentView, form_id: str):
    """A form of a started mätbatteri, answered outside the steps (e.g. a follow-up)."""
    form = _form_of(view, form_id, _battery_form_ids(view))
    if request.method == "GET":
        return _render_battery_form(view, form)
    done = url_for("patient.battery_form", enrollment_id=view.enrollment.id, form_id=form_id)
    return _handle_form(view, form, module_id=None, step_id=None, done_url=done,
                        rerender=lambda **kw: _render_battery_form(view, form, **kw))


@bp.route("/stod-och-behandling/<int:enrollment_id>/formular/<form_id>/synliga", methods=["POST"])
@moment_required(ended_page=False)
def visible(view: MomentView, form_id: str):
    """Which questions show for the answers so far (the optional script applies show_if live)."""
    shown_forms = {f for mv in view.modules for s in mv.steps for f in s.step.forms} | set(_battery_form_ids(view))
    form = _form_of(view, form_id, tuple(shown_forms))
    return jsonify(visible=sorted(patient_forms.visible_ids(form, request.form)))
