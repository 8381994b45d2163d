"""A program outline for clinical review: as JSON-friendly data and as plain Swedish text."""
from __future__ import annotations

from typing import Any

from .. import forms
from ..model import Form, Module, Program, Question
from ..text import plural
from .outline_review import (form_review_data, form_review_lines, form_text_lines, question_review_lines,
                             review_data, review_lines)
from .text_stats import lix, words

KIND_SV = {"mandatory": "obligatorisk", "individual": "individuell"}
QUESTION_TYPE_SV = {
    "short_text": "kort text",
    "long_text": "lång text",
    "number": "tal",
    "single_choice": "ett val",
    "multiple_choice": "flera val",
    "scale": "skala",
    "yes_no": "ja/nej",
    "date": "datum",
    "time": "tid",
}
METHOD_SV = {"sum": "summa", "mean": "medelvärde"}


def outline_data(program: Program) -> dict[str, Any]:
    """The outline as `{id, title, version, digest, recommended_days, modules, forms, welcome_text, batteries,
    reminders, suggestions}` (see `stegvis outline`); each form has its texts, bands, validations and alerts."""
    return {
        "id": program.id,
        "title": program.title,
        "version": program.version,
        "digest": program.digest,
        "recommended_days": program.recommended_days,
        "modules": [
            {
                "id": m.id,
                "title": m.title,
                "kind": m.kind,
                "default_days": m.default_days,
                "starts_with_moment": m.starts_with_moment,
                "steps": [
                    {
                        "id": s.id,
                        "number": s.number,
                        "title": s.title,
                        "forms": list(s.forms),
                        "words": words(s.text),
                        "lix": round(lix(s.text), 1),
                    }
                    for s in m.steps
                ],
            }
            for m in program.modules
        ],
        "forms": [{"id": f.id, "title": f.title, "questions": [_question_data(q) for q in f.questions],
                   **form_review_data(f)}
                  for f in program.forms.values()],
        **review_data(program),
    }




def _question_data(q: Question) -> dict[str, Any]:
    data: dict[str, Any] = {"id": q.id, "type": q.type, "text": q.text, "required": q.required}
    if q.options:
        data["options"] = [{"id": o.id, "label": o.label, "score": o.score} for o in q.options]
    return data


def outline_text(program: Program) -> str:
    """A plain-language Swedish outline a clinician can review: modules, steps, forms with their texts, rules and
    alerts, score bands, batteries, reminders and suggestions."""
    lines = [
        f"{program.title} (id {program.id}, version {program.version})",
        f"Rekommenderad längd: {plural(program.recommended_days, 'dag', 'dagar')}",
        f"Kontrollsumma: {program.digest[:12]}",
        "",
        f"Moduler ({len(program.modules)})",
    ]
    for number, module in enumerate(program.modules, start=1):
        lines.append(f"{number}. {module.title}")
        lines.append(f"   {_module_facts(module)}")
        for step in module.steps:
            stats = f"{words(step.text)} ord, LIX {lix(step.text):.0f}"
            lines.append(f"   {step.number} {step.title} ({stats})")
            for form_id in step.forms:
                form = program.form(form_id)
                lines.append(f"       Formulär: {form.title if form else form_id}")
    lines += ["", f"Formulär ({len(program.forms)})"]
    for form in program.forms.values():
        lines += _form_lines(form)
        lines += form_review_lines(program, form)
    lines += review_lines(program)
    return "\n".join(lines) + "\n"


def _module_facts(module: Module) -> str:
    days = f"Dagar: {module.default_days}" if module.default_days else "ingen tidsgräns"
    start = "startar med momentet" if module.starts_with_moment else "startas av behandlaren"
    return f"{KIND_SV.get(module.kind, module.kind)}, {days}, {start}"


def _form_lines(form: Form) -> list[str]:
    lines = ["", f"{form.title} [{form.id}]", *form_text_lines(form)]
    if form.filled_by == "clinician":
        lines.append("  Fylls i av behandlaren; invånaren ser värdena")
    if form.entries:
        lines.append("  Fylls i gång på gång (en post varje gång, med tabell över posterna)")
    for number, q in enumerate(form.questions, start=1):
        facts = [QUESTION_TYPE_SV.get(q.type, q.type)]
        if q.required:
            facts.append("obligatorisk")
        if q.type == "scale":
            facts.append(f"{_num(q.min)}–{_num(q.max)}")
        if q.show_if:
            facts.append(f"visas om {q.show_if}")
        lines.append(f"  {number}. {q.text} ({', '.join(facts)})")
        for option in q.options:
            score = f" ({_num(option.score)} p)" if option.score is not None else ""
            lines.append(f"       - {option.label}{score}")
        lines += question_review_lines(q)
    scoring = form.scoring
    if scoring is not None:
        how = "uttryck " + scoring.expression if scoring.expression else METHOD_SV.get(scoring.method, scoring.method)
        lines.append(f"  Poäng: {how}")
        if scoring.reverse:
            # clinicians review by question number, not by the author's ids
            numbers = {q.id: str(i) for i, q in enumerate(form.questions, start=1)}
            reverse = ", ".join(numbers.get(qid, qid) for qid in scoring.reverse)
            lines.append(f"  Omvänd poängsättning: fråga {reverse}")
        for band in scoring.bands:
            lines.append(f"    {forms.span_sv(band)}: {band.label}")
    for computed in form.computed:
        unit = f" ({computed.unit})" if computed.unit else ""
        lines.append(f"  Beräknat värde: {computed.label}{unit} = {computed.expr}")
        lines += [f"    {forms.span_sv(band)}: {band.label}" for band in computed.bands]
    return lines




def _num(value: float | None) -> str:
    if value is None:
        return "?"
    return str(int(value)) if float(value).is_integer() else str(value)
