"""Händelser → Aktivitetsplaner: the three-step editor (content, schedule, settings)."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from engine.moment.schedule import CONTENT_ELEMENTS, WEEKDAY_LABELS, WEEKDAYS

from .. import clock
from ..decorators import role_required
from ..extensions import db
from ..models import ActivityPlan, Enrollment
from ..services.clinician import activity as activity_service
from ..services.errors import ServiceError
from . import bp
from .common import flash_error, form_int, load_moment, parse_date

INTERVALS = ((1, "Varje vecka"), (2, "Varannan vecka"), (3, "Var tredje vecka"), (4, "Var fjärde vecka"))
STEPS = ((1, "Innehåll"), (2, "Schema"), (3, "Inställningar"))


def _plan(enrollment: Enrollment, plan_id: int | None) -> ActivityPlan | None:
    if plan_id is None:
        return None
    plan = db.session.get(ActivityPlan, plan_id)
    if plan is None or plan.enrollment_id != enrollment.id:
        abort(404)
    return plan


def _posted_rows(field: str, limit: int = 50):
    """(index, value) of the editor's numbered rows `field-0`, `field-1` …, skipping the row asked to be removed."""
    for i in range(limit):
        value = request.form.get(f"{field}-{i}")
        if value is None:
            return
        if request.form.get("remove") != str(i):
            yield i, value


def _elements_from_form() -> list[dict]:
    """Content elements posted as element-kind-N / element-text-N / element-min-N / element-max-N."""
    out = []
    for i, kind in _posted_rows("element-kind"):
        element = {"kind": kind, "text": request.form.get(f"element-text-{i}", "").strip()}
        if kind == "scale":
            for bound in ("min", "max"):
                raw = request.form.get(f"element-{bound}-{i}", "").strip()
                element[bound] = int(raw) if raw.lstrip("-").isdigit() else None
        out.append(element)
    added = request.form.get("add")
    if added in CONTENT_ELEMENTS:
        out.append({"kind": added, "text": CONTENT_ELEMENTS[added], **({"min": 0, "max": 10} if added == "scale" else {})})
    return out


def _times_from_form() -> list[dict]:
    """Time slots posted as time-N plus weekday checkboxes day-N (values mon…sun)."""
    out = []
    for i, raw in _posted_rows("time"):
        out.append({"time": raw.strip(), "weekdays": [d for d in request.form.getlist(f"day-{i}") if d in WEEKDAYS]})
    if request.form.get("add") == "time":
        out.append({"time": "", "weekdays": []})
    return out


@bp.route("/moment/<int:enrollment_id>/handelser/aktivitetsplaner")
@role_required("behandlare")
def activity_plans(enrollment_id: int):
    """The moment's activity plans."""
    enrollment = load_moment(enrollment_id, "Händelser: Aktivitetsplaner")
    return render_template("clinician/activity_plans.html", enrollment=enrollment,
                           plans=activity_service.plans_of(enrollment), elements=CONTENT_ELEMENTS,
                           intervals=dict(INTERVALS), weekday_labels=dict(zip(WEEKDAYS, WEEKDAY_LABELS)),
                           active_moment_tab="handelser", active_events_tab="aktivitetsplaner")


@bp.route("/moment/<int:enrollment_id>/handelser/aktivitetsplaner/ny", methods=["GET", "POST"],
          defaults={"plan_id": None, "step": 1})
@bp.route("/moment/<int:enrollment_id>/handelser/aktivitetsplaner/<int:plan_id>/steg/<int:step>",
          methods=["GET", "POST"])
@role_required("behandlare")
def activity_editor(enrollment_id: int, plan_id: int | None, step: int):
    """Redigera aktivitetsplan in three steps; "Nästa" saves the step and moves on."""
    enrollment = load_moment(enrollment_id, "Händelser: Aktivitetsplaner")
    plan = _plan(enrollment, plan_id)
    if step not in (1, 2, 3) or (plan is None and step != 1) or (plan is not None and step > plan.editor_step + 1):
        abort(404)
    data = {
        "name": plan.name if plan else "", "elements": list(plan.elements) if plan else [],
        "start": plan.start_date.isoformat() if plan and plan.start_date else clock.today().isoformat(),
        "times": list(plan.times) if plan and plan.times else [{"time": "", "weekdays": []}],
        "until": plan.repeat_until.isoformat() if plan and plan.repeat_until else "",
        "repeat": "datum" if plan and plan.repeat_until else "tills-vidare",
        "every_weeks": plan.interval_weeks if plan else 1,
        "fill_days_after": plan.fill_days_after if plan else 5,
        "flag_missed": plan.flag_missed if plan else False, "may_skip": plan.may_skip if plan else False,
        "allow_comments": plan.allow_comments if plan else False,
        # a plan seen in step 3 for the first time starts ticked as Aktiverad
        "active": plan.active if plan and plan.editor_step >= 3 else True,
    }
    if request.method == "POST":
        finishing = "next" in request.form
        try:
            if step == 1:
                data["name"], data["elements"] = request.form.get("name", ""), _elements_from_form()
                if finishing:
                    plan = activity_service.save_content(enrollment, plan, name=data["name"],
                                                         elements=data["elements"], user=current_user,
                                                         now=clock.now())
            elif step == 2:
                data["times"] = _times_from_form()
                data["start"], data["until"] = request.form.get("start", ""), request.form.get("until", "")
                data["repeat"] = request.form.get("repeat", "tills-vidare")
                data["every_weeks"] = form_int("every_weeks", minimum=1, maximum=4) or 1
                if finishing:
                    # A row added with "Lägg till tidpunkt" and left empty carries nothing: drop it.
                    filled = [t for t in data["times"] if t["time"] or t["weekdays"]]
                    data["times"] = filled or data["times"]
                    blank = next((n for n, t in enumerate(data["times"], 1) if not t["time"]), None)
                    if blank is not None:
                        raise ServiceError(f"Tidpunkt {blank}: ange en tid, exempelvis 14:00, 17:30, 09:30.")
                    until = parse_date(data["until"]) if data["repeat"] == "datum" else None
                    if data["repeat"] == "datum" and until is None:
                        raise ServiceError("Ange ett slutdatum för upprepningen (ÅÅÅÅ-MM-DD).")
                    activity_service.save_schedule(plan, start=parse_date(data["start"]), times=data["times"],
                                                   until=until, every_weeks=data["every_weeks"], now=clock.now())
            else:
                fill = form_int("fill_days_after", maximum=365)
                data.update(fill_days_after=request.form.get("fill_days_after", ""),
                            **{k: bool(request.form.get(k)) for k in ("flag_missed", "may_skip", "allow_comments",
                                                                       "active")})
                if fill is None:
                    raise ServiceError("Antal dagar måste vara ett heltal mellan 0 och 365.")
                activity_service.save_settings(plan, fill_days_after=fill, flag_missed=data["flag_missed"],
                                               may_skip=data["may_skip"], allow_comments=data["allow_comments"],
                                               active=data["active"], user=current_user, membership=g.membership,
                                               now=clock.now())
        except ServiceError as exc:
            flash_error(exc)
        else:
            if finishing and step < 3:
                return redirect(url_for("clinician.activity_editor", enrollment_id=enrollment.id, plan_id=plan.id,
                                        step=step + 1))
            if step == 3:
                flash(f"Aktivitetsplanen {plan.name} är sparad.", "success")
                return redirect(url_for("clinician.activity_plans", enrollment_id=enrollment.id))
    return render_template(
        "clinician/activity_editor.html", enrollment=enrollment, plan=plan, step=step, steps=STEPS, data=data,
        elements=CONTENT_ELEMENTS, weekdays=list(zip(WEEKDAYS, WEEKDAY_LABELS)), intervals=INTERVALS,
        active_moment_tab="handelser", active_events_tab="aktivitetsplaner",
    )
