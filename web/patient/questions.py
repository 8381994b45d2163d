"""One question of a patient form as HTML: the `question` macro of patient/_forms.html, in Python.

A step with a form renders each question through about 350 Python calls as a Jinja macro (its `set`s,
nested macros for the required mark and aria-describedby, per-option loops); this is the same markup,
character for character, at a fraction of that. tests/web/test_patient_questions.py holds it to the
macro it replaced (kept there) for every question of every installed program, in each language, with
and without answers, errors and hidden questions.
"""
from __future__ import annotations

from types import SimpleNamespace

from jinja2 import pass_context
from jinja2.filters import do_int
from jinja2.runtime import Context
from markupsafe import Markup

from ..i18n import template_gettext
from ..ui.jinja import escape  # markupsafe.escape in one Python call for text
from .texts import _lang_attrs, ptext

CHOICE_TYPES = ("single_choice", "multiple_choice", "scale", "yes_no")
_YES, _NO = ("yes", "ja", "true", "1"), ("no", "nej", "false", "0")
_INPUTS = {
    "number": '  <input type="text" inputmode="decimal" autocomplete="off" class="short" {attrs} value="{value}">\n',
    "date": '  <input type="date" class="short" {attrs} value="{value}">\n',
    "time": '  <input type="time" class="short" {attrs} value="{value}">\n',
    "long_text": '  <textarea {attrs} rows="5">{value}</textarea>\n',
}
_TEXT_INPUT = '  <input type="text" {attrs} value="{value}">\n'
_INVALID, _REQUIRED = ' aria-invalid="true"', ' aria-required="true"'


def _(text: str) -> Markup:
    """A template's `_()` in an HTML template: the translation as markup, %-formatted."""
    return template_gettext(_HTML, text)


#: what `template_gettext` reads of Jinja's evaluation context in an HTML template
_HTML = SimpleNamespace(autoescape=True)


def _describedby(*ids: str) -> str:
    ids = [i for i in ids if i]
    return f' aria-describedby="{escape(" ".join(ids))}"' if ids else ""


@pass_context
def question(context: Context, fv, q) -> Markup:
    """The question `q` of the form view `fv` with its label or legend, help, error and inputs."""
    fid = f"f-{fv.form.id}-{q.id}"
    qkey = f"form/{fv.form.id}/question/{q.id}"
    err = fv.errors.get(q.id)
    raw = fv.raw.get(q.id)
    help_id = f"{fid}-hjalp" if q.help else ""
    err_id = f"{fid}-fel" if err else ""
    qid, efid = escape(q.id), escape(fid)
    optional = "" if q.required else f' <span class="optional">({_("frivillig")})</span>'
    help_ = (f'<p class="help" id="{escape(help_id)}"{_lang_attrs(context, qkey + "/help", None)}>{escape(q.help)}</p>'
             if q.help else "")
    error = (f'<p class="error" id="{escape(err_id)}"><span class="visually-hidden">{_("Fel:")} </span>{_(err)}</p>'
             if err else "")
    out = [f'<div class="question{" has-error" if err else ""}" data-question="{qid}"'
           f'{"" if q.id in fv.visible else " hidden"}>\n']
    if q.type in CHOICE_TYPES:
        ends_id = f"{fid}-skala" if q.type == "scale" and (q.min_label or q.max_label) else ""
        out.append(f"  <fieldset{_describedby(help_id, ends_id, err_id)}>\n"
                   f"    <legend>{ptext(context, qkey + '/text', q.text)}{optional}</legend>\n{help_}{error}")
        if q.type == "scale":
            low, high = do_int(q.min), do_int(q.max)  # the `int` filter the macro used
            if ends_id:
                out.append(f'<p class="scale-ends" id="{escape(ends_id)}">{low} = '
                           f"{ptext(context, qkey + '/min_label', q.min_label or '')}, {high} = "
                           f"{ptext(context, qkey + '/max_label', q.max_label or '')}</p>")
            out.append('      <div class="scale">\n')
            invalid = _INVALID if err else ""
            for index, n in enumerate(range(low, high + 1)):
                out.append(f'        <label class="scale-point"><input type="radio" id="{efid}-{index}" name="{qid}"'
                           f' value="{n}"{" checked" if raw == str(n) else ""}{invalid}> <span>{n}</span></label>\n')
            out.append("      </div>\n")
        elif q.type == "yes_no":
            answer = "yes" if raw in _YES else ("no" if raw in _NO else "")
            out.append(
                '      <div class="choices inline-choices">\n'
                f'        <label class="check"><input type="radio" id="{efid}-0" name="{qid}" value="yes"'
                f'{" checked" if answer == "yes" else ""}> {_("Ja")}</label>\n'
                f'        <label class="check"><input type="radio" id="{efid}-1" name="{qid}" value="no"'
                f'{" checked" if answer == "no" else ""}> {_("Nej")}</label>\n'
                "      </div>\n")
        else:
            many = q.type == "multiple_choice"
            kind = "checkbox" if many else "radio"
            out.append('      <div class="choices">\n')
            for index, o in enumerate(q.options):
                on = (o.id in raw) if many else (raw == o.id)
                out.append(f'        <label class="check"><input type="{kind}" id="{efid}-{index}" name="{qid}"'
                           f' value="{escape(o.id)}"{" checked" if on else ""}> '
                           f"{ptext(context, f'{qkey}/option/{o.id}', o.label)}</label>\n")
            out.append("      </div>\n")
        out.append("  </fieldset>\n")
    else:
        attrs = (f'id="{efid}" name="{qid}"{_describedby(help_id, err_id)}{_INVALID if err else ""}'
                 f'{_REQUIRED if q.required else ""}')
        out.append(f'  <label for="{efid}">{ptext(context, qkey + "/text", q.text)}{optional}</label>\n{help_}{error}')
        out.append((_INPUTS.get(q.type) or _TEXT_INPUT).format(attrs=attrs, value=escape(raw or "")))
    out.append("</div>\n")
    return Markup("".join(out))
