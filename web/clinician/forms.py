"""Every form and query string of the clinician blueprint, as WTForms classes (see web/ui/forms.py)."""
from __future__ import annotations

from wtforms import Field
from wtforms.validators import ValidationError

from ..ui.forms import Checkbox, Choices, IsoDate, PostForm, Present, QueryForm, Text, WholeNumber
from ..services.clinician import activity as activity_service
from ..services.clinician.admin import ROLES
from ..services.clinician.days import MAX_DAYS
from ..services.clinician.flag_params import DAY_PARAMS, param_specs
from ..services.clinician.timeline import CATEGORIES

DAYS_ERROR = f"Dagar kvar måste vara ett heltal mellan 0 och {MAX_DAYS}."
UNTIL_ERROR = "Ange ett datum för vidmakthåll (ÅÅÅÅ-MM-DD)."


# --- Behandlarvyn, Starta nytt moment -------------------------------------------------------------------------

class OverviewQuery(QueryForm):
    program = Text()
    #: the filter text: posted only (a personnummer never goes in a URL)
    q = Text()
    #: the opaque token the session keeps the posted filter text under
    sok = Text()
    sida = WholeNumber(minimum=1)
    #: Nästa / Föregående: the moment on the row just before / after the page (keyset pagination)
    efter = WholeNumber(minimum=1)
    fore = WholeNumber(minimum=1)
    #: "Har ohanterade händelser" and the order ("namn" or "aldsta": oldest unhandled event first)
    ohanterade = Checkbox()
    sortera = Text()


class WorklistQuery(QueryForm):
    """Att göra: the event type filter and the pages (keyset on the flag next to the page)."""

    typ = Text()
    sida = WholeNumber(minimum=1)
    efter = WholeNumber(minimum=1)
    fore = WholeNumber(minimum=1)


class NewMomentForm(PostForm):
    personnummer = Text()
    program = Text()
    first_name = Text()
    last_name = Text()
    email = Text()
    mobile = Text()
    checked = Text()
    action = Text()

    def values(self) -> dict[str, str]:
        """What the page shows back in its inputs."""
        return {k: self[k].data for k in ("personnummer", "program", "first_name", "last_name", "email", "mobile")}


# --- Hantera -------------------------------------------------------------------------------------------------

class HanteraQuery(QueryForm):
    redigera = Text()


class ModuleForm(PostForm):
    module = Text()
    status = Text()


class DaysForm(ModuleForm):
    """Dagar kvar: a number of days, or the box "Ingen tidsgräns" ticked (then the number is ignored)."""

    days = WholeNumber(maximum=MAX_DAYS)
    no_limit = Checkbox()

    def validate_days(self, field: Field) -> None:
        if not self.no_limit.data and field.data is None:
            raise ValidationError(DAYS_ERROR)

    @property
    def chosen(self) -> int | None:
        """The days chosen; None = no time limit."""
        return None if self.no_limit.data else self.days.data


class WelcomeTextForm(PostForm):
    text = Text(strip_text=False)


class _EndFields:
    reason = Text(validators=[Present("Välj en avslutningsorsak.")])
    maintain = Checkbox()
    until = IsoDate()

    def validate_until(self, field: Field) -> None:
        if self.maintain.data and field.data is None:
            raise ValidationError(UNTIL_ERROR)

    @property
    def chosen_until(self):
        """Vidmakthåll till och med, when "Moment Vidmakthåll" is ticked."""
        return self.until.data if self.maintain.data else None


class EndForm(_EndFields, PostForm):
    """Avsluta, posted from its confirmation page (`confirm`); without it the view asks first."""

    confirm = Checkbox()


class EndQuery(_EndFields, QueryForm):
    """Avsluta as chosen on Hantera, shown on the confirmation page."""


class MaintainForm(PostForm):
    until = IsoDate(validators=[Present(UNTIL_ERROR)])


class PickForm(PostForm):
    """One row picked from a list: Byte av behandlare (clinician), Överlämna (unit), Länkade moment (other)."""

    clinician = WholeNumber(minimum=1)
    unit = WholeNumber(minimum=1)
    other = WholeNumber(minimum=1)
    battery = Text()
    #: posted by a confirmation page (Byte av behandlare, Överlämna)
    confirm = Checkbox()


class PickQuery(QueryForm):
    """Byte av behandlare or Överlämna as chosen on Hantera, shown on the confirmation page."""

    clinician = WholeNumber(minimum=1)
    unit = WholeNumber(minimum=1)


# --- Händelser: Flaggor, Aktivitetsplaner -------------------------------------------------------------------

class FlagsQuery(QueryForm):
    flaggtyp = Text()


class FlagTypeForm(PostForm):
    flaggtyp = Text()
    scope = Text()


def flag_params_form(flag_type: str) -> PostForm:
    """The posted parameters of a flag type: a form class built from the type's parameter specs."""

    class FlagParamsForm(PostForm):
        def params(self) -> dict:
            return {name: field.data for name, field in self._fields.items() if field.data not in (None, "")}

    for spec in param_specs(flag_type):
        if spec["name"] in DAY_PARAMS:
            # said with the field's label; the engine would name the parameter
            field = WholeNumber(validators=[_whole_or_empty(f"{spec['label']} måste vara ett heltal, 0 eller större.")])
        else:
            field = Text()
        setattr(FlagParamsForm, spec["name"], field)
    return FlagParamsForm()


def _whole_or_empty(message: str):
    def check(form, field):
        if field.data is None and field.raw_data and field.raw_data[0].strip():
            raise ValidationError(message)

    return check


class NumberedRows(Field):
    """The editor's numbered rows `<prefix>-0`, `<prefix>-1` … as {suffix: value} dicts.

    `columns` are the suffixes read per row (the first must be present for a row to exist); a row whose
    number is posted as `remove` is left out.
    """

    def __init__(self, label=None, validators=None, *, columns: tuple[str, ...], lists: tuple[str, ...] = (),
                 limit: int = 50, **kwargs):
        super().__init__(label, validators, default=(), **kwargs)
        self.columns, self.lists, self.limit = columns, lists, limit

    def process(self, formdata, data=None, extra_filters=None):
        self.process_errors, self.raw_data = [], []
        self.data = []
        if formdata is None:
            return
        removed = formdata.get("remove")
        for i in range(self.limit):
            if f"{self.columns[0]}-{i}" not in formdata:
                break
            if removed == str(i):
                continue
            row = {c: formdata.get(f"{c}-{i}", "") for c in self.columns}
            row.update({c: formdata.getlist(f"{c}-{i}") for c in self.lists})
            self.data.append(row)


class StepButtons(PostForm):
    """Nästa ("next" posted: save the step and move on) versus the editor's own add/remove buttons."""

    next = Text(missing=None)


class ContentStepForm(PostForm):
    name = Text(strip_text=False)
    rows = NumberedRows(columns=("element-kind", "element-text", "element-min", "element-max"))
    add = Text()
    next = Text()

    def elements(self) -> list[dict]:
        """Content elements as the service takes them; "Lägg till" appends one of the chosen kind."""
        out = []
        for row in self.rows.data:
            element = {"kind": row["element-kind"], "text": row["element-text"].strip()}
            if element["kind"] == "scale":
                for bound in ("min", "max"):
                    raw = row[f"element-{bound}"].strip()
                    element[bound] = int(raw) if raw.lstrip("-").isdigit() else None
            out.append(element)
        added = self.add.data
        if added in activity_service.CONTENT_ELEMENTS:
            out.append({"kind": added, "text": activity_service.CONTENT_ELEMENTS[added],
                        **({"min": 0, "max": 10} if added == "scale" else {})})
        return out


class ScheduleStepForm(PostForm):
    rows = NumberedRows(columns=("time",), lists=("day",))
    start = IsoDate()
    until = IsoDate()
    repeat = Text()
    every_weeks = WholeNumber(minimum=1, maximum=4)
    add = Text()
    next = Text()

    def times(self) -> list[dict]:
        """Time slots with their weekdays (mon…sun); "Lägg till tidpunkt" appends an empty one."""
        out = [{"time": row["time"].strip(), "weekdays": [d for d in row["day"] if d in activity_service.WEEKDAYS]}
               for row in self.rows.data]
        if self.add.data == "time":
            out.append({"time": "", "weekdays": []})
        return out


class SettingsStepForm(PostForm):
    fill_days_after = WholeNumber(maximum=365)
    flag_missed = Checkbox()
    may_skip = Checkbox()
    allow_comments = Checkbox()
    active = Checkbox()
    next = Text()


# --- Meddelanden, Tidslinje --------------------------------------------------------------------------------

class MessageForm(PostForm):
    body = Text(strip_text=False)
    subject = Text(strip_text=False, missing=None)
    notify = Checkbox()


class TimelineQuery(QueryForm):
    typ = Choices(allowed=CATEGORIES)
    period = Text()
    fran = IsoDate()
    till = IsoDate()


# --- Administrative tabs -----------------------------------------------------------------------------------

class StaffForm(PostForm):
    name = Text()
    username = Text()
    email = Text()
    mobile = Text()
    password = Text(strip_text=False)
    roles = Choices(allowed=ROLES)
    hsa_id = Text()


class HsaIdForm(PostForm):
    """Ändra HSA-id: empty clears it."""

    hsa_id = Text()


class GroupsForm(PostForm):
    membership = WholeNumber()
    roles = Choices(allowed=ROLES)


class AdministrationForm(PostForm):
    """Administration: the personnummer to look up (posted, never in a URL)."""

    personnummer = Text()


class ExportForm(PostForm):
    """Export (posted): what (moments or answers), which format, period and program; identified only with a purpose."""

    kind = Text(missing="moments")
    format = Text(missing=None)
    fran = IsoDate()
    till = IsoDate()
    program = Text()
    identifierad = Text()
    syfte = Text()
    #: "ja": include free-text answers (identified exports only)
    fritext = Text()


class StatisticsQuery(QueryForm):
    """Filtrera statistik: a calendar period (ÅÅÅÅ, ÅÅÅÅ-Kn, ÅÅÅÅ-MM), Län, unit, program, clinician (checked by
    the service)."""

    period = Text()
    lan = Text()
    enhet = Text()
    program = Text()
    behandlare = Text()
    format = Text()


class PurgeForm(PostForm):
    """Gallra invånare: the personnummer to look up, and the confirmation (posted, never in a URL)."""

    personnummer = Text()
    bekrafta = Text()


class ReceiptQuery(QueryForm):
    """Gallring after a purge: the receipt to highlight."""

    kvitto = WholeNumber(minimum=1)


# --- Inställningar -------------------------------------------------------------------------------------------

def unit_settings_form(program_ids, flag_types) -> PostForm:
    """Inställningar of a unit: a welcome text per installed program, offered programs, flags, quiet hours, days."""

    class UnitSettingsForm(PostForm):
        offered = Choices(allowed=tuple(program_ids))
        default_flags = Choices(allowed=tuple(flag_types))
        quiet_hours = Text()
        maintain_days = WholeNumber(minimum=1, maximum=MAX_DAYS)
        urgent_escalation_days = WholeNumber(minimum=1, maximum=10)

        def validate_maintain_days(self, field: Field) -> None:
            if field.data is None and field.raw_data and field.raw_data[0].strip():
                raise ValidationError(f"Vidmakthåll anges i hela dagar, 1–{MAX_DAYS}.")

        def validate_urgent_escalation_days(self, field: Field) -> None:
            if field.data is None and field.raw_data and field.raw_data[0].strip():
                raise ValidationError("Brådskande flaggor kan vänta 1–10 arbetsdagar.")

        def welcome_texts(self) -> dict[str, str]:
            return {pid: self[f"welcome-{pid}"].data for pid in program_ids}

    for pid in program_ids:
        setattr(UnitSettingsForm, f"welcome-{pid}", Text(strip_text=False))
    return UnitSettingsForm()
