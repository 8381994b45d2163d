"""What a clinical reviewer signs beyond modules and questions: the texts a patient reads, the rules that
check and alert on answers, and what happens by itself over time (batteries, reminders, suggestions).

`stegvis outline` prints these after the modules and questions (engine.authoring.outline); in JSON they
are extra keys of the same outline. Fields another part of the format may not have yet (an alert's
`urgent` and `holds`) are read with a default, so the outline works before and after they exist.
"""
from __future__ import annotations

from typing import Any

from ..model import Alert, AutoStart, Battery, Form, Program, Question, Reminder

#: what a patient receives for a reminder, whatever its title (the notices carry no health content)
REMINDER_NOTICE_SV = ("en neutral avisering per e-post/sms utan titeln (\"Det finns något nytt för dig att göra. "
                      "Logga in för att se vad.\")")


# --- data (JSON) ----------------------------------------------------------------------------------


def form_review_data(form: Form) -> dict[str, Any]:
    """The form's texts, score bands with their feedback, validation rules and alerts."""
    scoring = form.scoring
    return {
        "intro": form.intro,
        "feedback": form.feedback,
        "scoring": None if scoring is None else {
            "method": scoring.method, "expression": scoring.expression, "items": list(scoring.items),
            "reverse": list(scoring.reverse),
            "bands": [{"min": b.min, "max": b.max, "label": b.label, "feedback": b.feedback} for b in scoring.bands]},
        "validations": [{"question": q.id, "rule": v.rule, "message": v.message}
                        for q in form.questions for v in q.validations],
        "alerts": [alert_data(a) for a in form.alerts],
        "computed": [{"id": c.id, "label": c.label, "expr": c.expr, "round": c.round, "unit": c.unit,
                      "trend": c.trend, "bands": [{"min": b.min, "max": b.max, "label": b.label,
                                                   "feedback": b.feedback} for b in c.bands]}
                     for c in form.computed],
        "entries": form.entries,
        "filled_by": form.filled_by,
    }


def alert_data(alert: Alert) -> dict[str, Any]:
    """An alert: when it fires, whether it is urgent, what the patient sees, what it holds."""
    holds = alert.holds
    return {"id": alert.id, "when": alert.when, "title": alert.title, "feedback": alert.feedback,
            "urgent": alert.urgent,
            "holds": None if holds is None else {
                "text": holds.text, "forms": list(holds.forms), "steps": list(holds.steps),
                "modules": list(holds.modules)}}


def review_data(program: Program) -> dict[str, Any]:
    """Program-level keys of the outline: welcome text, batteries, reminders and module suggestions."""
    return {
        "welcome_text": program.welcome_text,
        "batteries": [{"id": b.id, "title": b.title, "forms": list(b.forms), "module": b.module,
                       "starts": _start_data(b.auto_start)} for b in program.batteries],
        "reminders": [{"id": r.id, "title": r.title, "module": r.module, "timing": _timing_data(r),
                       "patient_receives": "neutral_notice"} for r in program.reminders],
        "suggestions": [{"module": m.id, "id": s.id, "form": s.form, "when": s.when, "reason": s.reason}
                        for m in program.modules for s in m.suggest],
    }


def _start_data(auto: AutoStart | None) -> dict[str, Any]:
    if auto is None:
        return {"by": "clinician"}
    if auto.anchor is not None:
        return {"by": "itself", "anchor": {"form": auto.anchor.form, "question": auto.anchor.question,
                                           "pick": auto.anchor.pick},
                "days_after_anchor": auto.days_after_anchor}
    return {"by": "itself", "days_after_start": auto.days_after_start}


def _timing_data(reminder: Reminder) -> dict[str, Any]:
    if reminder.anchor is not None:
        return {"anchor": {"form": reminder.anchor.form, "question": reminder.anchor.question,
                           "pick": reminder.anchor.pick},
                "days_after_anchor": reminder.days_after_anchor}
    if reminder.days_before_deadline is not None:
        return {"days_before_deadline": reminder.days_before_deadline}
    return {"days_after_start": reminder.days_after_start}


# --- text -----------------------------------------------------------------------------------------


def _flat(text: str) -> str:
    """Markdown on one line (a reviewer reads the words; the page keeps its layout)."""
    return " ".join(text.split())


def question_review_lines(question: Question) -> list[str]:
    """The question's validation rules and the message a patient gets when one fails."""
    return [f"       Kontroll: {v.rule} – annars: \"{_flat(v.message)}\"" for v in question.validations]


def form_text_lines(form: Form) -> list[str]:
    """The form's introduction (shown above the questions)."""
    return [f"  Inledning: {_flat(form.intro)}"] if form.intro else []


def form_review_lines(program: Program, form: Form) -> list[str]:
    """After the questions: band feedback, the feedback after submission and every alert."""
    lines: list[str] = []
    if form.scoring is not None:
        for band in form.scoring.bands:
            if band.feedback:
                lines.append(f"    Återkoppling vid {band.label}: {_flat(band.feedback)}")
    if form.feedback:
        lines.append(f"  Återkoppling efter inskickat: {_flat(form.feedback)}")
    for alert in form.alerts:
        lines += _alert_lines(program, alert)
    return lines


def _alert_lines(program: Program, alert: Alert) -> list[str]:
    urgent = "BRÅDSKANDE, skickas direkt till ansvarig behandlare" if alert.urgent else "inte brådskande"
    lines = [f"  Larm: {alert.title} (när {alert.when}; {urgent})"]
    if alert.feedback:
        lines.append(f"    Invånaren ser: {_flat(alert.feedback)}")
    holds = alert.holds
    if holds is not None:
        held = [f"formulär {_form_title(program, f)}" for f in holds.forms]
        held += [f"avsnitt {_step_title(program, s)}" for s in holds.steps]
        held += [f"modul {_module_title(program, m)}" for m in holds.modules]
        lines.append(f"    Spärrar tills flaggan är hanterad: {', '.join(held) or '–'}")
        if holds.text:
            lines.append(f"    Invånaren ser under spärren: {_flat(holds.text)}")
    return lines


def review_lines(program: Program) -> list[str]:
    """Welcome text, batteries and how they start, reminders and their timing, module suggestions."""
    lines = ["", "Välkomsttext", f"  {_flat(program.welcome_text)}", "", f"Mätbatterier ({len(program.batteries)})"]
    for battery in program.batteries:
        lines += _battery_lines(program, battery)
    lines += ["", f"Påminnelser ({len(program.reminders)})"]
    if program.reminders:
        lines.append(f"  Invånaren får {REMINDER_NOTICE_SV}.")
    for reminder in program.reminders:
        lines.append(f"  {reminder.title} [{reminder.id}]: {_timing_text(program, reminder)}")
    suggestions = [(m, s) for m in program.modules for s in m.suggest]
    if suggestions:
        lines += ["", f"Förslag till behandlaren ({len(suggestions)})"]
        for module, rule in suggestions:
            lines.append(f"  {module.title} föreslås när {rule.when} i {_form_title(program, rule.form)}: "
                         f"{_flat(rule.reason)}")
    return lines


def _battery_lines(program: Program, battery: Battery) -> list[str]:
    forms = ", ".join(_form_title(program, f) for f in battery.forms)
    module = f", modul {_module_title(program, battery.module)}" if battery.module else ""
    return [f"  {battery.title} [{battery.id}]: {forms}{module}", f"    {_start_text(program, battery.auto_start)}"]


def _start_text(program: Program, auto: AutoStart | None) -> str:
    if auto is None:
        return "Startas av behandlaren."
    if auto.anchor is not None:
        return (f"Startar av sig själv {_days(auto.days_after_anchor)} efter datumet i "
                f"{_anchor_text(program, auto.anchor.form, auto.anchor.question, auto.anchor.pick)} "
                "(efter momentets start så länge datumet saknas).")
    return f"Startar av sig själv {_days(auto.days_after_start)} efter momentets start."


def _timing_text(program: Program, reminder: Reminder) -> str:
    module = f", när modulen {_module_title(program, reminder.module)} är synlig" if reminder.module else ""
    if reminder.anchor is not None:
        return (f"kl. 09:00 {_days(reminder.days_after_anchor)} efter datumet i "
                f"{_anchor_text(program, reminder.anchor.form, reminder.anchor.question, reminder.anchor.pick)} "
                f"(efter momentets start så länge datumet saknas){module}")
    if reminder.days_before_deadline is not None:
        return (f"kl. 09:00 {_days(reminder.days_before_deadline)} före sista dagen i modulen "
                f"{_module_title(program, reminder.module)}")
    return f"{_days(reminder.days_after_start)} efter momentets start, samma klockslag{module}"


def _days(n: int | None) -> str:
    return "1 dag" if n == 1 else f"{n} dagar"


def _form_title(program: Program, form_id: str) -> str:
    form = program.form(form_id)
    return f"{form.title} [{form_id}]" if form else form_id


def _module_title(program: Program, module_id: str | None) -> str:
    module = program.module(module_id) if module_id else None
    return module.title if module else str(module_id)


def _step_title(program: Program, key: str) -> str:
    module_id, _, step_id = key.partition("/")
    step = program.step(module_id, step_id)
    return f"{step.number} {step.title}" if step else key


def _anchor_text(program: Program, form_id: str, question_id: str, pick: str = "newest") -> str:
    form = program.form(form_id)
    question = form.question(question_id) if form else None
    where = f"\"{_flat(question.text)}\"" if question else question_id
    which = "det första svaret" if pick == "first" else "det senaste svaret"
    return f"{where} ({_form_title(program, form_id)}, {which})"
