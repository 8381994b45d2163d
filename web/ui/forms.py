"""The one form style of every blueprint: WTForms classes, plus the few lenient fields and checks they share.

Posted forms derive from `PostForm` (Flask-WTF reads `request.form`; the app-wide CSRFProtect has
checked the token before any view runs, so the class does not check it again). Query strings of GET
pages are read with a `QueryForm` built from `request.args`. The fields here never raise on bad input:
they leave `data` None and the form's validators say what was wrong, in the Swedish the tests expect.
"""
from __future__ import annotations

import re
from datetime import date

from flask_wtf import FlaskForm
from wtforms import Field, Form, StringField
from wtforms.validators import StopValidation

_WHOLE = re.compile(r"-?\d+")


def strip(value):
    """Filter: surrounding white space removed (None stays None)."""
    return value.strip() if isinstance(value, str) else value


class PostForm(FlaskForm):
    """A form posted to a view (CSRF already checked by the global CSRFProtect)."""

    class Meta:
        csrf = False


class QueryForm(Form):
    """Parameters of a GET page: `MyQuery(request.args)`."""


class Text(StringField):
    """A text field, stripped unless `strip_text=False`; `missing` ("" by default) when not posted at all."""

    def __init__(self, label=None, validators=None, *, strip_text: bool = True, missing: str | None = "", **kwargs):
        super().__init__(label, validators, filters=(strip,) if strip_text else (), default=missing, **kwargs)
        self.missing = missing

    def process_formdata(self, valuelist):
        self.data = valuelist[0] if valuelist else self.missing


#: the largest whole number a form field accepts: what a database integer column holds
INT_LIMIT = 2**31 - 1


class WholeNumber(Field):
    """A whole number between `minimum` and `maximum`; None when missing, not a number or out of range."""

    def __init__(self, label=None, validators=None, *, minimum: int = 0, maximum: int | None = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip()
        value = int(raw) if _WHOLE.fullmatch(raw) and len(raw) <= 12 else None
        limit = min(self.maximum, INT_LIMIT) if self.maximum is not None else INT_LIMIT
        if value is not None and (value < self.minimum or value > limit):
            value = None
        self.data = value

    def _value(self):
        return self.raw_data[0] if self.raw_data else ("" if self.data is None else str(self.data))


class IsoDate(Field):
    """A date written ÅÅÅÅ-MM-DD; None when missing or not a date."""

    def process_formdata(self, valuelist):
        try:
            self.data = date.fromisoformat((valuelist[0] if valuelist else "").strip())
        except ValueError:
            self.data = None

    def _value(self):
        return self.raw_data[0] if self.raw_data else (self.data.isoformat() if self.data else "")


class Checkbox(Field):
    """A checkbox: True when posted with any non-empty value."""

    def process_formdata(self, valuelist):
        self.data = bool(valuelist and valuelist[0])


class Choices(Field):
    """Every posted value of a repeated field (checkboxes `roles`, `typ` …) that is one of `allowed`."""

    def __init__(self, label=None, validators=None, *, allowed=(), **kwargs):
        super().__init__(label, validators, default=(), **kwargs)
        self.allowed = allowed

    def process_formdata(self, valuelist):
        self.data = [v for v in valuelist if v in self.allowed]


class Present:
    """Validator: the field has a value (a lenient field left None or "" means it was missing or bad)."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        if field.data is None or field.data == "":
            raise StopValidation(self.message)


def first_error(form: Form) -> str | None:
    """The first validation message of a form, in field order."""
    for field in form:
        if field.errors:
            return field.errors[0]
    return None


class NextQuery(QueryForm):
    """Where to go after logging in (`?next=`; checked by the view before use)."""

    next = Text(strip_text=False, missing=None)
