"""Forms on the patient's step pages: what each form shows, drafts, submissions and their feedback.

Web strings become typed answers through engine.forms (coerce, visible_questions, submit); the
engine's lifecycle decides whether the patient may write (through web.services.forms). A
submission carries a one-time token from the page, and `FormResponse.submit_token` is unique, so a
double submit stores one submission.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from functools import cache
from datetime import datetime
from typing import Any, Mapping

from sqlalchemy.exc import IntegrityError

from engine.localtime import local_date
from engine import forms
from engine.errors import AnswerError
from engine.forms.client import client_rules
from engine.forms.scoring import band_for
from engine.model import Band, Form

from ...extensions import db
from ...models import Enrollment, FormResponse, Patient
from ..core.reads import read
from ..core.entries import EntryTable, entry_table, stored_alert_ids, trend_points
from ..core.trend import trend_svg
from . import answers as form_service
from ..errors import ServiceError

Raw = Mapping[str, Any]
#: a FormResponse, or a read-only row of its columns (what the patient's pages read)
Response = Any
_TOKEN = re.compile(r"[0-9a-f]{32}")
SUBMIT_ERROR = "Svaren kunde inte skickas in. Rätta det som är markerat."
DRAFT_ERROR = "Utkastet är sparat, men några svar kunde inte läsas. Rätta det som är markerat."


@dataclass
class FormView:
    """Everything a template needs to show one form to the patient."""

    form: Form
    #: the patient may save and submit in this place now
    writable: bool
    #: what each input shows: question id → string (or list of option ids)
    raw: dict[str, Any]
    #: question ids shown for these answers (show_if applied)
    visible: set[str]
    #: question id → Swedish message beside the question
    errors: dict[str, str] = field(default_factory=dict)
    #: the unsent draft, if any (a FormResponse, or a row with its columns)
    draft: Response | None = None
    #: the newest submission, if any (likewise)
    last: Response | None = None
    #: one-time token for the next submission
    token: str = ""
    #: the inputs start open (a draft or errors), even after an earlier submission
    open: bool = False
    #: an alert holds this form until the clinician has looked: the patient's text saying so
    held: str | None = None
    #: the language the form's texts are in, when the page may be in another (lang attribute)
    lang: str | None = None
    #: (label, shown value) of the newest submission's computed values
    computed: list[tuple[str, str]] = field(default_factory=list)
    #: a form with entries: every entry with its computed values
    table: EntryTable | None = None
    #: (title, SVG markup) of each computed value shown as a trend
    charts: list[tuple[str, str]] = field(default_factory=list)
    #: the alert ids recorded when the newest submission was stored (None: work them out from the answers)
    stored_alerts: list[str] | None = None
    #: the author preview tries every form, the clinician's too
    trial: bool = False

    @property
    def submitted(self) -> bool:
        """The patient has submitted this form at least once."""
        return self.last is not None

    @property
    def can_submit(self) -> bool:
        """Inputs are shown: writable, not held by an alert, not the clinician's to fill in, and not yet
        submitted unless the form may be submitted again (or is filled again and again)."""
        if self.form.filled_by == "clinician" and not self.trial:
            return False
        return self.writable and not self.held and (not self.submitted or self.form.resubmit or self.form.entries)

    @property
    def show_if_rules(self) -> dict[str, Any] | None:
        """The form's show_if for the browser (web/static/show_if.js); None when nothing depends on answers."""
        return client_rules(self.form)

    @property
    def alert_feedback(self) -> tuple[str, ...]:
        """The feedback of the form's alerts that the newest submission triggered (shown before the band's)."""
        if self.last is None or not self.form.alerts:
            return ()
        if self.stored_alerts is not None:  # as decided then, with the earlier entries and other forms
            return forms.alert_feedback(self.form, self.stored_alerts)
        values = forms.from_json(self.form, self.last.answers or {})
        return forms.alert_feedback(self.form, [a.id for a in forms.alerts_for(self.form, values)])

    @property
    def band(self) -> Band | None:
        """The score band of the newest submission (with its authored feedback), if any."""
        if self.last is None or not self.last.band or self.form.scoring is None:
            return None
        same = next((b for b in self.form.scoring.bands if b.label == self.last.band), None)
        # the stored label is Swedish: a translated form finds its band by the stored score instead
        return same or band_for(self.form, self.last.score)


def new_token() -> str:
    """A fresh one-time submission token for a rendered form."""
    return secrets.token_hex(16)


def clean_token(value: str | None) -> str | None:
    """The token if it has the shape we hand out, else None (a forged value is simply ignored)."""
    return value if value and _TOKEN.fullmatch(value) else None


def latest_submission(enrollment: Enrollment, form_id: str) -> FormResponse | None:
    """The patient's newest submission of a form in this moment."""
    return db.session.execute(
        db.select(FormResponse).where(FormResponse.enrollment_id == enrollment.id, FormResponse.form_id == form_id,
                                      FormResponse.status == "submitted")
        .order_by(FormResponse.submitted_at.desc(), FormResponse.id.desc()).limit(1)
    ).scalar_one_or_none()


@cache
def _draft_and_latest_statement() -> Any:
    """The statement of `_draft_and_latest`, built once, of the columns only: a step page shows its forms on
    every view, and ORM objects cost several times the query (the page only reads them)."""
    return db.select(*FormResponse.__table__.c).where(
        FormResponse.enrollment_id == db.bindparam("enrollment_id"), FormResponse.form_id == db.bindparam("form_id"),
        FormResponse.status.in_(("draft", "submitted"))).order_by(FormResponse.submitted_at.desc(),
                                                                  FormResponse.id.desc())


def _draft_and_latest(enrollment: Enrollment, form_id: str) -> tuple[Response | None, Response | None]:
    """The unsent draft and the newest submission of a form, in one query (as draft_for and latest_submission),
    as read-only rows with FormResponse's columns."""
    rows = read(_draft_and_latest_statement(),
                              {"enrollment_id": enrollment.id, "form_id": form_id}).all()
    drafts = [r for r in rows if r.status == "draft"]  # at most one: save_form keeps a single draft
    submitted = [r for r in rows if r.status == "submitted"]
    return (drafts[0] if drafts else None), (submitted[0] if submitted else None)


def _stored_raw(form: Form, answers: Mapping[str, Any] | None) -> dict[str, Any]:
    try:
        return forms.to_raw(form, forms.from_json(form, answers or {}))
    except AnswerError:  # stored by an older program version: show what can be shown
        return forms.to_raw(form, {})


def visible_ids(form: Form, raw: Raw) -> set[str]:
    """Question ids shown for these (possibly half-filled) answers."""
    values, _ = forms.coerce(form, raw)
    return {q.id for q in forms.visible_questions(form, values)}


def form_view(enrollment: Enrollment, form: Form, writable: bool, *, raw: Raw | None = None,
              errors: Mapping[str, str] | None = None, held: str | None = None, lang: str | None = None) -> FormView:
    """The form as the patient sees it now; `raw`/`errors` re-show a rejected post exactly as typed;
    `held` is the text of an alert's hold on it, `lang` the language its texts are in."""
    draft, last = _draft_and_latest(enrollment, form.id)
    if raw is not None:
        shown = {q.id: _posted(raw, q.id, q.type == "multiple_choice") for q in form.questions}
    elif draft is not None:
        shown = _stored_raw(form, draft.answers)
    elif last is not None and not form.entries:  # a new entry starts empty
        shown = _stored_raw(form, last.answers)
    else:
        shown = forms.to_raw(form, {})
    view = FormView(form=form, writable=writable, raw=shown, visible=visible_ids(form, shown),
                    errors=dict(errors or {}), draft=draft, last=last, token=new_token(),
                    open=bool(errors) or raw is not None or draft is not None, held=held, lang=lang)
    if form.computed and last is not None:
        with_computed(view, enrollment)
    if form.alerts and last is not None:
        view.stored_alerts = stored_alert_ids(last)
    return view


def _with_band(computed: Any, value: Any, shown: str) -> str:
    """"82 %" followed by its band's label when the value has bands: "82 % – Under 85 %"."""
    band = forms.computed_band(computed, value)
    return f"{shown} – {band.label}" if band is not None else shown


def with_computed(view: FormView, enrollment: Enrollment) -> None:
    """Add the newest computed values, and for a form with entries the table and the trend charts."""
    table = entry_table(enrollment, view.form)
    if table.rows:
        _, values, shown = table.rows[-1]
        view.computed = [(c.label, _with_band(c, value, text)) for c, value, text in zip(table.columns, values, shown)]
    if view.form.entries:
        view.table = table
        view.charts = [(c.label, trend_svg(trend_points(table, c.id), c.label))
                       for c in view.form.computed if c.trend]


def _posted(raw: Raw, key: str, many: bool) -> Any:
    if many:
        return list(raw.getlist(key)) if hasattr(raw, "getlist") else list(raw.get(key) or [])
    value = raw.get(key)
    return value if isinstance(value, str) else ""


def save_draft(enrollment: Enrollment, patient: Patient, form: Form, raw: Raw, *, now: datetime,
               module_id: str | None, step_id: str | None) -> dict[str, str]:
    """Spara utkast: keep every answer that could be read; returns messages for those that could not."""
    values, problems = forms.coerce(form, raw)
    shown = {q.id for q in forms.visible_questions(form, values)}
    kept = {k: v for k, v in values.items() if v is not None}
    form_service.save_form(enrollment, patient, form.id, kept, now=now, module_id=module_id, step_id=step_id)
    return {k: v for k, v in problems.items() if k in shown}


def submit(enrollment: Enrollment, patient: Patient, form: Form, raw: Raw, *, token: str | None, now: datetime,
           module_id: str | None, step_id: str | None) -> tuple[FormResponse, bool]:
    """Skicka in: (the submission, whether this call stored it). Invalid answers raise ServiceError per question.

    A token already used returns the earlier submission unchanged, so a double click stores one.
    """
    token = clean_token(token)
    earlier = _by_token(enrollment, token)
    if earlier is not None:
        return earlier, False
    try:
        cleaned = forms.submit(form, raw, today=local_date(now))
    except AnswerError as exc:
        raise ServiceError(SUBMIT_ERROR, dict(exc.errors)) from exc
    try:
        row = form_service.submit_form(enrollment, patient, form.id, cleaned, now=now, module_id=module_id,
                                       step_id=step_id, submit_token=token)
    except IntegrityError:
        # the same page was submitted twice at once: the other request stored it
        db.session.rollback()
        earlier = _by_token(enrollment, token)
        if earlier is None:
            raise
        return earlier, False
    return row, True


def _by_token(enrollment: Enrollment, token: str | None) -> FormResponse | None:
    if token is None:
        return None
    return db.session.execute(
        db.select(FormResponse).where(FormResponse.submit_token == token, FormResponse.enrollment_id == enrollment.id)
    ).scalar_one_or_none()


def number_text(value: int | float) -> str:
    """A number as a Swedish reader writes it: 12,5, and 3 rather than 3.0."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return forms.format_number(value)


def answer_lines(response: Response) -> list[tuple[str, str]]:
    """(question text, answer as the patient wrote it) for a submission, from its stored question texts."""
    lines = []
    for qid, snapshot in (response.questions or {}).items():
        value = (response.answers or {}).get(qid)
        if value is None or value == "" or value == []:
            continue
        lines.append((snapshot.get("text", qid), _display(value, snapshot)))
    return lines


def _display(value: Any, snapshot: Mapping[str, Any]) -> str:
    options = snapshot.get("options") or {}
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if isinstance(value, list):
        return ", ".join(options.get(v, str(v)) for v in value)
    if isinstance(value, (int, float)):
        return number_text(value)
    return options.get(value, str(value))
