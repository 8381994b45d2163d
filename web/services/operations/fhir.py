"""FHIR R4 for the export: each form as a Questionnaire (from the YAML), each submission a QuestionnaireResponse.

Plain dicts, one resource per NDJSON line as FHIR Bulk Data does; tests validate them with
fhir.resources (R4B models, whose Questionnaire and QuestionnaireResponse match R4 for what we use).
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, Iterator

from engine.model import Form, Program, Question

from .export import ExportRequest, answer_records, forms_in_scope

BASE = "https://stegvis.se/fhir"
PSEUDONYM_SYSTEM = f"{BASE}/sid/pseudonym"
PERSONNUMMER_SYSTEM = "http://electronichealth.se/identifier/personnummer"
ITEM_TYPES = {"short_text": "string", "long_text": "text", "number": "decimal", "single_choice": "choice",
              "multiple_choice": "choice", "scale": "integer", "yes_no": "boolean", "date": "date", "time": "time"}
_SIMPLE = re.compile(r'^\s*([a-z0-9_]+)\s*(==|!=)\s*(true|false|"[^"]*"|-?\d+(?:\.\d+)?)\s*$')
_CONTAINS = re.compile(r'^\s*"([^"]*)"\s+in\s+([a-z0-9_]+)\s*$')


def questionnaire_id(program_id: str, form_id: str) -> str:
    return f"{program_id}-{form_id}"


def questionnaire_url(program_id: str, form_id: str) -> str:
    return f"{BASE}/Questionnaire/{questionnaire_id(program_id, form_id)}"


def _answer_for(question: Question | None, raw: str) -> dict[str, Any]:
    if raw in ("true", "false"):
        return {"answerBoolean": raw == "true"}
    if raw.startswith('"'):
        value = raw[1:-1]
        if question is not None and question.type in ("single_choice", "multiple_choice"):
            return {"answerCoding": {"code": value}}
        return {"answerString": value}
    return {"answerDecimal": float(raw)} if "." in raw else {"answerInteger": int(raw)}


def enable_when(form: Form, show_if: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """enableWhen for `x == v`, `x != v`, `"o" in x` and `or`/`and` of those; ([], None) otherwise."""
    if not show_if:
        return [], None
    for joiner, behavior in ((" or ", "any"), (" and ", "all")):
        parts = show_if.split(joiner)
        if len(parts) > 1 and not any(" or " in p or " and " in p for p in parts):
            conditions = [enable_when(form, p)[0] for p in parts]
            if all(len(c) == 1 for c in conditions):
                return [c[0] for c in conditions], behavior
            return [], None
    simple = _SIMPLE.match(show_if)
    if simple:
        qid, op, raw = simple.groups()
        return [{"question": qid, "operator": "=" if op == "==" else "!=",
                 **_answer_for(form.question(qid), raw)}], None
    contains = _CONTAINS.match(show_if)
    if contains:
        value, qid = contains.groups()
        return [{"question": qid, "operator": "=", "answerCoding": {"code": value}}], None
    return [], None


def questionnaire(program: Program, form: Form) -> dict[str, Any]:
    """A Questionnaire resource for one form: item types, options, required, enableWhen where expressible."""
    items = []
    for q in form.questions:
        item: dict[str, Any] = {"linkId": q.id, "text": q.text, "type": ITEM_TYPES.get(q.type, "string"),
                                "required": q.required}
        if q.type == "multiple_choice":
            item["repeats"] = True
        if q.options:
            item["answerOption"] = [{"valueCoding": {"code": o.id, "display": o.label}} for o in q.options]
        conditions, behavior = enable_when(form, q.show_if)
        if conditions:
            item["enableWhen"] = conditions
            if len(conditions) > 1:
                item["enableBehavior"] = behavior
        items.append(item)
    return {"resourceType": "Questionnaire", "id": questionnaire_id(program.id, form.id),
            "url": questionnaire_url(program.id, form.id), "version": program.version, "name": _name(form.id),
            "title": form.title, "status": "active", "item": items}


def _name(form_id: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", form_id)) or "Form"


def _answers(question: Question | None, value: Any) -> list[dict[str, Any]]:
    values = value if isinstance(value, list) else [value]
    out = []
    for v in values:
        if v is None or v == "":
            continue
        kind = question.type if question else None
        if isinstance(v, bool):
            out.append({"valueBoolean": v})
        elif kind in ("single_choice", "multiple_choice"):
            out.append({"valueCoding": {"code": str(v)}})
        elif kind == "scale" and isinstance(v, (int, float)):
            out.append({"valueInteger": int(v)})
        elif isinstance(v, (int, float)):
            out.append({"valueDecimal": v})
        elif kind == "date":
            out.append({"valueDate": str(v)})
        elif kind == "time":
            out.append({"valueTime": f"{v}:00" if len(str(v)) == 5 else str(v)})
        else:
            out.append({"valueString": str(v)})
    return out


def questionnaire_response(response, fixed: dict[str, Any], form: Form | None, req: ExportRequest) -> dict[str, Any]:
    """One submitted form; free-text answers only when the request includes them (ExportRequest.columns)."""
    system = PERSONNUMMER_SYSTEM if req.identified else PSEUDONYM_SYSTEM
    items = []
    for qid in req.columns(form, response.answers):
        answers = _answers(form.question(qid) if form else None, (response.answers or {}).get(qid))
        if answers:
            items.append({"linkId": qid, "answer": answers})
    submitted: datetime = response.submitted_at
    return {"resourceType": "QuestionnaireResponse", "id": f"svar-{response.id}",
            "questionnaire": f"{questionnaire_url(fixed['program'], response.form_id)}|{fixed['version']}",
            "status": "completed", "authored": submitted.isoformat(timespec="seconds"),
            "subject": {"identifier": {"system": system, "value": fixed["invanare"]}}, "item": items}


def ndjson_lines(req: ExportRequest) -> Iterator[str]:
    """Questionnaires first, then one QuestionnaireResponse per submitted form; one JSON object per line."""
    from ...content.programs import get_program

    forms = {}
    for program_id, form in forms_in_scope(req):
        forms[(program_id, form.id)] = form
        yield json.dumps(questionnaire(get_program(program_id), form), ensure_ascii=False) + "\n"
    for response, fixed in answer_records(req):
        form = forms.get((fixed["program"], response.form_id))
        yield json.dumps(questionnaire_response(response, fixed, form, req), ensure_ascii=False) + "\n"
