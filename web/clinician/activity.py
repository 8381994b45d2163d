"""Händelser → Aktivitetsplaner: the three-step editor (content, schedule, settings)."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from .. import clock
from ..services.clinician import activity as activity_service
from ..services.errors import ServiceError
from ..services.types import ActivityPlan, Enrollment
from .blueprint import bp
from .common import flash_error, staff_moment
from .forms import ContentStepForm, ScheduleStepForm, SettingsStepForm, StepButtons

INTERVALS = ((1, "Varje vecka"), (2, "Varannan vecka"), (3, "Var tredje vecka"), (4, "Var fjärde vecka"))
STEPS = ((1, "Innehåll"), (2, "Schema"), (3, "Inställningar"))
CONTENT_ELEMENTS, WEEKDAYS = activity_service.CONTENT_ELEMENTS, activity_service.WEEKDAYS
WEEKDAY_LABELS = activity_service.WEEKDAY_LABELS


def _plan(enrollment: Enrollment, plan_id: int | None) -> ActivityPlan | None:
    if plan_id is None:
        return None
    plan = activity_service.plan_of(enrollment, plan_id)
    if plan is None:
        abort(404)
    return plan


@bp.route("/moment/<int:enrollment_id>/handelser/aktivitetsplaner")
@staff_moment("Händelser: Aktivitetsplaner")
def activity_plans(enrollment: Enrollment):
    """The moment's activity plans."""
    return render_template("clinician/activity_plans.html", enrollment=enrollment,
                           plans=activity_service.plans_of(enrollment), elements=CONTENT_ELEMENTS,
                           intervals=dict(INTERVALS), weekday_labels=dict(zip(WEEKDAYS, WEEKDAY_LABELS)),
                           active_moment_tab="handelser", active_events_tab="aktivitetsplaner")


@bp.route("/moment/<int:enrollment_id>/handelser/aktivitetsplaner/ny", methods=["GET", "POST"],
          defaults={"plan_id": None, "step": 1})
@bp.route("/moment/<int:enrollment_id>/handelser/aktivitetsplaner/<int:plan_id>/steg/<int:step>",
          methods=["GET", "POST"])
@staff_moment("Händelser: Aktivitetsplaner")
def activity_editor(enrollment: Enrollment, plan_id: int | None, step: int):
    """Redigera aktivitetsplan in three steps; "Nästa" saves the step and moves on."""
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
        finishing = StepButtons().next.data is not None
        try:
            if step == 1:
                content = ContentStepForm()
                data["name"], data["elements"] = content.name.data, content.elements()
                if finishing:
                    plan = activity_service.save_content(enrollment, plan, name=data["name"],
                                                         elements=data["elements"], user=current_user,
                                                         now=clock.now())
            elif step == 2:
                schedule = ScheduleStepForm()
                data["times"] = schedule.times()
                data["start"], data["until"] = schedule.start._value(), schedule.until._value()
                data["repeat"] = schedule.repeat.data or "tills-vidare"
                data["every_weeks"] = schedule.every_weeks.data or 1
                if finishing:
                    # A row added with "Lägg till tidpunkt" and left empty carries nothing: drop it.
                    filled = [t for t in data["times"] if t["time"] or t["weekdays"]]
                    data["times"] = filled or data["times"]
                    blank = next((n for n, t in enumerate(data["times"], 1) if not t["time"]), None)
                    if blank is not None:
                        raise ServiceError(f"Tidpunkt {blank}: ange en tid, exempelvis 14:00, 17:30, 09:30.")
                    until = schedule.until.data if data["repeat"] == "datum" else None
                    if data["repeat"] == "datum" and until is None:
                        raise ServiceError("Ange ett slutdatum för upprepningen (ÅÅÅÅ-MM-DD).")
                    activity_service.save_schedule(plan, start=schedule.start.data, times=data["times"],
                                                   until=until, every_weeks=data["every_weeks"], now=clock.now())
            else:
                settings = SettingsStepForm()
                fill = settings.fill_days_after.data
                data.update(fill_days_after=settings.fill_days_after._value(),
                            **{k: settings[k].data for k in ("flag_missed", "may_skip", "allow_comments", "active")})
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
