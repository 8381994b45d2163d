"""web/ui/widgets.py: the faster html_params renders exactly what WTForms' own renders."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st
from markupsafe import Markup
from wtforms import Form, PasswordField, RadioField, SelectField, StringField, TextAreaField, widgets as wt_widgets
from wtforms.widgets import core

from web.ui import widgets

_names = st.one_of(st.from_regex(r"(data_|aria_)?[a-z][a-z_]{0,8}_?", fullmatch=True),
                   st.sampled_from(["a<b", "x&y", "q\"", "data_<"]))
_text = st.lists(st.sampled_from(list('aZ å"\'<>&=/ -ä') + ["&quot;", "&amp;"]), max_size=8).map("".join)
_values = st.one_of(st.booleans(), st.none(), st.integers(-5, 500), _text, _text.map(Markup))


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_names, _values, max_size=6))
def test_same_output_as_wtforms_for_any_attributes(attributes):
    assert widgets.html_params(**attributes) == widgets.ORIGINAL(**attributes)
    assert isinstance(widgets.html_params(**attributes), Markup)


class _Every(Form):
    name = StringField("Namn <b>", render_kw={"autocomplete": "off", "data_x": 'a"b'})
    secret = PasswordField("Lösenord", render_kw={"required": True, "disabled": False})
    text = TextAreaField("Text")
    choice = SelectField("Val", choices=["a", "b & \"c\""])
    radio = RadioField("Radio", choices=["ja", "nej"])


def _render_all(form: Form) -> list[str]:
    out = []
    for field in form:
        out += [str(field.label()), str(field(aria_describedby="x-hjalp", class_="wide")), str(field())]
        if field.type == "RadioField":
            out += [str(sub()) for sub in field]
    return out


def test_installed_everywhere_wtforms_looks_it_up():
    """Fields (inputs, text areas, selects, radios, labels) render the same with it installed; and it is
    what WTForms calls once installed (the app installs it)."""
    form = _Every(data={"name": "Å<&>", "text": 'x"y', "choice": "a", "radio": "nej"})
    widgets.uninstall()
    try:
        assert core.html_params is widgets.ORIGINAL
        expected = _render_all(form)
    finally:
        widgets.install()
    assert core.html_params is widgets.html_params
    assert wt_widgets.html_params is widgets.html_params
    assert core.Input.html_params is widgets.html_params and core.Button.html_params is widgets.html_params
    assert _render_all(form) == expected


def test_the_app_installs_it(app):
    assert core.html_params is widgets.html_params
