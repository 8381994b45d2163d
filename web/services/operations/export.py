"""Export of moments and answers as CSV, XLSX or FHIR R4 NDJSON, streamed and access-logged.

Rows are read with `yield_per`, so an export of 100 000 moments never holds them all (bench/bench_export.py).
Pseudonymised by default: the personnummer becomes HMAC-SHA256(export key, personnummer), the same
for every export made with the same key (STEGVIS_EXPORT_KEY, else SECRET_KEY); the identified variant
needs a stated purpose. Free text (short_text and long_text answers) is left out unless the export is
identified and the Dataadmin explicitly includes it: a patient who writes their name or phone number in a
text answer would otherwise be identified in a "pseudonymised" file. Every export writes an ExportLog row:
who, what, how many rows, identified, purpose (and free_text among its filters when included).
"""
from __future__ import annotations

import csv
import hashlib
import hmac
import io
import itertools
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import IO, Any, Iterator

from flask import current_app
from sqlalchemy import func, select

from engine.localtime import at_local, days_between, local_date

from ...extensions import db
from ...models import CareUnit, Enrollment, EnrollmentModule, ExportLog, FormResponse, Patient
from ...content.programs import all_programs, get_program
from ..core.access import add_bulk_read
from ..core.bulk import without_jit
from ..errors import ServiceError
from . import xlsx_stream

KINDS = {"moments": "Moment", "answers": "Formulärsvar"}
FORMATS = {"csv": "CSV", "xlsx": "Excel (XLSX)", "fhir": "FHIR R4 (NDJSON)"}
MOMENT_COLUMNS = ("moment", "program", "version", "status", "startdatum", "slutdatum", "avslutningsorsak",
                  "moduler_avklarade", "moduler_totalt", "dagar_i_momentet", "invanare")
ANSWER_COLUMNS = ("invanare", "moment", "program", "version", "vardenhet", "formular", "modul", "steg",
                  "inskickad", "poang", "niva")
BATCH = 500
MIN_PURPOSE = 10
#: question types whose answers are the patient's own words: only in an identified export that asks for them
FREE_TEXT_TYPES = frozenset({"short_text", "long_text"})


@dataclass(frozen=True)
class ExportRequest:
    kind: str = "answers"
    format: str = "csv"
    date_from: date | None = None
    date_to: date | None = None
    program_id: str | None = None
    unit_id: int | None = None
    identified: bool = False
    purpose: str | None = None
    #: the Dataadmin's explicit choice to include free-text answers (identified exports only)
    free_text: bool = False

    def check(self) -> None:
        if self.kind not in KINDS or self.format not in FORMATS:
            raise ServiceError("Välj vad som ska exporteras och i vilket format.")
        if self.kind == "moments" and self.format == "fhir":
            raise ServiceError("FHIR-exporten gäller formulärsvar.")
        if self.program_id and self.program_id not in all_programs():
            raise ServiceError(f"Okänt program {self.program_id!r}.")
        if self.identified and len((self.purpose or "").strip()) < MIN_PURPOSE:
            raise ServiceError("Ange syftet med en export med personnummer (minst 10 tecken).",
                               {"purpose": "Ange syftet med exporten."})
        if self.free_text and not self.identified:
            raise ServiceError("Fritextsvar kan bara tas med i en export med personnummer och angivet syfte.",
                               {"free_text": "Fritext kräver export med personnummer."})

    def keeps(self, question: Any) -> bool:
        """Whether a question's answers go into the file (free text only when explicitly included)."""
        return self.free_text or question.type not in FREE_TEXT_TYPES

    def columns(self, form: Any, answers: dict[str, Any] | None) -> list[str]:
        """The question ids exported for a form; for a form no longer in any program (types unknown) every
        answer only with free text included, else none."""
        if form is None:
            return sorted(answers or {}) if self.free_text else []
        return [q.id for q in form.questions if self.keeps(q)]


def export_key() -> bytes:
    return (current_app.config.get("EXPORT_KEY") or current_app.config["SECRET_KEY"]).encode()


def pseudonym(personnummer: str, key: bytes | None = None) -> str:
    """A stable pseudonym: the first 20 hex digits of HMAC-SHA256(key, personnummer)."""
    return hmac.new(key or export_key(), personnummer.encode(), hashlib.sha256).hexdigest()[:20]


def neutralise(value: Any) -> Any:
    """Text starting with = + - @ (or a tab/CR) gets a leading ' so a spreadsheet never runs it as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _bounds(req: ExportRequest, column) -> list:
    """From the start of date_from to the end of date_to, in Stockholm calendar days (engine.localtime)."""
    where = []
    if req.date_from:
        where.append(column >= at_local(req.date_from))
    if req.date_to:
        where.append(column < at_local(req.date_to + timedelta(days=1)))
    return where


def _scope(req: ExportRequest) -> list:
    where = []
    if req.program_id:
        where.append(Enrollment.program_id == req.program_id)
    if req.unit_id:
        where.append(Enrollment.care_unit_id == req.unit_id)
    return where


def _who(req: ExportRequest, personnummer: str, key: bytes) -> str:
    return personnummer if req.identified else pseudonym(personnummer, key)


# --- moments ----------------------------------------------------------------------------------


def _moments_query(req: ExportRequest):
    done = (select(func.count()).where(EnrollmentModule.enrollment_id == Enrollment.id,
                                       EnrollmentModule.state == "completed").scalar_subquery())
    total = select(func.count()).where(EnrollmentModule.enrollment_id == Enrollment.id).scalar_subquery()
    return (select(Enrollment.id, Enrollment.program_id, Enrollment.program_version, Enrollment.status,
                   Enrollment.maintain_until, Enrollment.started_at, Enrollment.ended_at, Enrollment.end_reason,
                   done.label("done"), total.label("total"), Patient.personnummer)
            .join(Patient, Patient.id == Enrollment.patient_id)
            .where(*_scope(req), *_bounds(req, Enrollment.started_at)).order_by(Enrollment.id))


def moment_rows(req: ExportRequest, now: datetime) -> Iterator[list[Any]]:
    """One row per moment (MOMENT_COLUMNS), streamed."""
    key, today = export_key(), local_date(now)
    without_jit()
    for r in db.session.execute(_moments_query(req).execution_options(yield_per=BATCH)):
        status = "ended" if r.status == "maintenance" and r.maintain_until and today > r.maintain_until else r.status
        until = min(now, r.ended_at) if r.ended_at else now
        yield [r.id, r.program_id, r.program_version, status, local_date(r.started_at).isoformat(),
               local_date(r.ended_at).isoformat() if r.ended_at else "", r.end_reason or "", r.done, r.total,
               max(0, days_between(r.started_at, until)), _who(req, r.personnummer, key)]


# --- answers ----------------------------------------------------------------------------------


def forms_in_scope(req: ExportRequest) -> list[tuple[str, Any]]:
    """(program id, Form) of every form the export may contain, in program order."""
    programs = [get_program(req.program_id)] if req.program_id else list(all_programs().values())
    return [(p.id, form) for p in programs for form in p.forms.values()]


def answers_query(req: ExportRequest):
    """Plain columns (no ORM objects): each row is read, written and dropped."""
    return (select(FormResponse.id, FormResponse.enrollment_id, FormResponse.form_id, FormResponse.module_id,
                   FormResponse.step_id, FormResponse.submitted_at, FormResponse.score, FormResponse.band,
                   FormResponse.answers, Patient.personnummer, Enrollment.program_id, Enrollment.program_version,
                   CareUnit.name.label("unit_name"))
            .join(Enrollment, Enrollment.id == FormResponse.enrollment_id)
            .join(Patient, Patient.id == Enrollment.patient_id)
            .join(CareUnit, CareUnit.id == Enrollment.care_unit_id)
            .where(FormResponse.status == "submitted", *_scope(req), *_bounds(req, FormResponse.submitted_at))
            .order_by(FormResponse.form_id, FormResponse.submitted_at, FormResponse.id))


def answer_records(req: ExportRequest) -> Iterator[tuple[Any, dict[str, Any]]]:
    """(row with id, form_id, answers, submitted_at …; fixed columns) per submitted form, by form, streamed."""
    key = export_key()
    without_jit()
    for row in db.session.execute(answers_query(req).execution_options(yield_per=BATCH)):
        yield row, {"invanare": _who(req, row.personnummer, key), "moment": row.enrollment_id,
                    "program": row.program_id, "version": row.program_version, "vardenhet": row.unit_name,
                    "formular": row.form_id, "modul": row.module_id or "", "steg": row.step_id or "",
                    "inskickad": row.submitted_at.isoformat(timespec="seconds"), "poang": row.score,
                    "niva": row.band or ""}


def cell_value(value: Any) -> Any:
    """An answer as a spreadsheet cell: choices joined with ',', yes/no as ja/nej."""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return neutralise(value) if value is not None else ""


def count_rows(req: ExportRequest) -> int:
    if req.kind == "moments":
        query = select(func.count()).select_from(Enrollment).where(*_scope(req), *_bounds(req, Enrollment.started_at))
    else:
        query = (select(func.count()).select_from(FormResponse)
                 .join(Enrollment, Enrollment.id == FormResponse.enrollment_id)
                 .where(FormResponse.status == "submitted", *_scope(req), *_bounds(req, FormResponse.submitted_at)))
    return db.session.execute(query).scalar_one()


def log_export(req: ExportRequest, *, user_id: int | None, user_name: str, unit_id: int | None,
               now: datetime) -> ExportLog:
    """Check the request, count its rows and write (commit) the export log before any data is produced."""
    req.check()
    filters = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(req).items()
               if k in ("date_from", "date_to", "program_id", "unit_id", "free_text") and v}
    row = ExportLog(at=now, user_id=user_id, user_name=user_name[:120], care_unit_id=unit_id, kind=req.kind,
                    format=req.format, filters=filters, rows=count_rows(req), identified=req.identified,
                    purpose=(req.purpose or "").strip() or None if req.identified else None)
    db.session.add(row)
    if req.identified and user_id is not None:
        # an identified export reads every patient in it: one access-log row with their number
        add_bulk_read(user_id, unit_id, f"Export med personnummer: {KINDS[req.kind]}, {FORMATS[req.format]}, "
                                        f"syfte: {row.purpose}", count_patients(req), now)
    db.session.commit()
    return row


def count_patients(req: ExportRequest) -> int:
    """How many patients an export names (moments: their patients; answers: the patients who answered)."""
    query = select(func.count(func.distinct(Enrollment.patient_id))).select_from(Enrollment)
    if req.kind == "moments":
        query = query.where(*_scope(req), *_bounds(req, Enrollment.started_at))
    else:
        query = (query.join(FormResponse, FormResponse.enrollment_id == Enrollment.id)
                 .where(FormResponse.status == "submitted", *_scope(req), *_bounds(req, FormResponse.submitted_at)))
    return db.session.execute(query).scalar_one()


def recent_exports(unit_id: int, limit: int = 20) -> list[ExportLog]:
    return list(db.session.execute(db.select(ExportLog).where(ExportLog.care_unit_id == unit_id)
                                   .order_by(ExportLog.at.desc(), ExportLog.id.desc()).limit(limit)).scalars())


# --- writers ----------------------------------------------------------------------------------


def _csv_line(values) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerow(values)
    return out.getvalue()


def csv_chunks(req: ExportRequest, now: datetime) -> Iterator[str]:
    """The export as CSV text chunks: UTF-8 BOM, `;`, one header row, formula injection neutralised."""
    yield "\ufeff"
    if req.kind == "moments":
        yield _csv_line(MOMENT_COLUMNS)
        for row in moment_rows(req, now):
            yield _csv_line([neutralise(v) for v in row])
        return
    questions = [(form.id, q_id) for _, form in forms_in_scope(req) for q_id in req.columns(form, None)]
    slices: dict[str, tuple[int, list[str]]] = {}
    for index, (form_id, question_id) in enumerate(questions):
        slices.setdefault(form_id, (index, []))[1].append(question_id)
    yield _csv_line([*ANSWER_COLUMNS, *(f"{f}.{q}" for f, q in questions)])
    for response, fixed in answer_records(req):
        cells = [""] * len(questions)
        start, ids = slices.get(response.form_id, (0, []))
        answers = response.answers or {}
        for offset, question_id in enumerate(ids):
            cells[start + offset] = cell_value(answers.get(question_id))
        yield _csv_line([neutralise(fixed[c]) if fixed[c] is not None else "" for c in ANSWER_COLUMNS] + cells)


def xlsx_chunks(req: ExportRequest, now: datetime) -> Iterator[bytes]:
    """The export as XLSX bytes, streamed (xlsx_stream): moments on one sheet, answers one sheet per form."""
    if req.kind == "moments":
        rows = ([neutralise(v) for v in row] for row in moment_rows(req, now))
        return xlsx_stream.xlsx_chunks([("Moment", itertools.chain([list(MOMENT_COLUMNS)], rows))])
    return xlsx_stream.xlsx_chunks(_answer_sheets(req))


def _answer_sheets(req: ExportRequest) -> Iterator[tuple[str, Iterator[list[Any]]]]:
    """(title, header and rows) per form, in the answers' order (by form); "Inga svar" if there are none."""
    forms = {form.id: form for _, form in forms_in_scope(req)}
    empty = True
    for form_id, records in itertools.groupby(answer_records(req), key=lambda record: record[0].form_id):
        empty = False
        first = next(records)
        form = forms.get(form_id)
        columns = req.columns(form, first[0].answers)
        yield form_id, itertools.chain([[*ANSWER_COLUMNS, *columns]],
                                       (_answer_row(r, f, columns) for r, f in itertools.chain([first], records)))
    if empty:
        yield "Inga svar", iter([list(ANSWER_COLUMNS)])


def _answer_row(response: Any, fixed: dict[str, Any], columns: list[str]) -> list[Any]:
    answers = response.answers or {}
    return ([neutralise(fixed[c]) if fixed[c] is not None else None for c in ANSWER_COLUMNS]
            + [cell_value(answers.get(q)) if q in answers else None for q in columns])


def write_xlsx(req: ExportRequest, now: datetime, target: IO[bytes] | str) -> None:
    """The export as an XLSX file (the command line): the streamed pieces written to a path or binary file."""
    if isinstance(target, str):
        with open(target, "wb") as out:
            write_xlsx(req, now, out)
        return
    for piece in xlsx_chunks(req, now):
        target.write(piece)
