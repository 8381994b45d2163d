"""web/ui/macros.py: csrf, hidden_context, post_button and tabs render exactly what the Jinja macros they replaced
rendered (the macros below, verbatim from macros.html before the change), for many arguments, and every
template importing them from macros.html gets the Python functions."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from markupsafe import Markup

from web.ui import macros

#: the macros as they were in web/templates/macros.html (the reference)
ORIGINAL = """
{% macro csrf() %}<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">{% endmacro %}

{# A one-button POST form (Sätt till avklarad, Hantera …). #}
{% macro hidden_context(context) %}{% if context %}<span class="visually-hidden">: {{ context }}</span>{% endif %}{% endmacro %}

{# `context` ends the accessible name out of sight ("Sätt till aktuell: Steg 2"): repeated buttons stay distinct. #}
{% macro post_button(action, label, cls='button', hidden={}, aria_label=None, context=None) %}
<form method="post" action="{{ action }}" class="inline">
  {{ csrf() }}
  {% for name, value in hidden.items() %}<input type="hidden" name="{{ name }}" value="{{ value }}">{% endfor %}
  <button type="submit" class="{{ cls }}"{% if aria_label %} aria-label="{{ aria_label }}"{% endif %}>{{ label }}{{ hidden_context(context) }}</button>
</form>
{% endmacro %}

{# Tabs as a navigation list; the current one is marked for screen readers. #}
{% macro tabs(items, current, label, counts={}) %}
<nav class="tabs" aria-label="{{ label }}">
  <ul>
  {% for key, title, href in items %}
    <li><a href="{{ href }}"{% if key == current %} aria-current="page" class="current"{% endif %}>{{ title }}{% if counts[key] is defined %} <span class="tab-count">{{ counts[key] }}</span>{% endif %}</a></li>
  {% endfor %}
  </ul>
</nav>
{% endmacro %}
"""

_text = st.lists(st.sampled_from(list('aÅ <>&"\'/-:') + ["Steg 2", "&amp;", "modul"]), max_size=6).map("".join)
_value = st.one_of(st.none(), st.integers(0, 99), _text, _text.map(Markup))


@pytest.fixture
def reference(app):
    """The original macros, compiled by the app's own Jinja environment (trim_blocks, lstrip_blocks, autoescape)."""
    with app.test_request_context():
        module = app.jinja_env.from_string(ORIGINAL).module
        yield module


def test_csrf_and_hidden_context_match(app, reference):
    with app.test_request_context():
        assert macros.csrf() == reference.csrf() and 'name="csrf_token"' in macros.csrf()
        for context in (None, "", 0, "Steg 2", 'a<b>"c"', Markup("<i>x</i>"), 7):
            assert macros.hidden_context(context) == reference.hidden_context(context), context


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # the app is only read
@given(action=_text, label=_value, cls=st.one_of(st.just("button"), _text),
       hidden=st.dictionaries(st.sampled_from(["module", "flag", "a<b"]), _value, max_size=3),
       aria_label=_value, context=_value)
def test_post_button_matches(app, action, label, cls, hidden, aria_label, context):
    with app.test_request_context():
        reference = app.jinja_env.from_string(ORIGINAL).module
        ours = macros.post_button(action, label, cls, hidden, aria_label=aria_label, context=context)
        assert ours == reference.post_button(action, label, cls, hidden, aria_label=aria_label, context=context)
        assert isinstance(ours, Markup)
        assert macros.post_button(action, label) == reference.post_button(action, label)


_keys = st.sampled_from(["oversikt", "meddelanden", "aktiviteter", "mina", "alla", "att-gora", "hantera"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(st.tuples(_keys, _value, _text), max_size=5), current=st.one_of(st.none(), _keys),
       label=_value, counts=st.one_of(st.none(), st.dictionaries(_keys, _value, max_size=3)))
def test_tabs_match(app, items, current, label, counts):
    with app.test_request_context():
        reference = app.jinja_env.from_string(ORIGINAL).module
        if counts is None:
            assert macros.tabs(items, current, label) == reference.tabs(items, current, label)
        else:
            assert macros.tabs(items, current, label, counts) == reference.tabs(items, current, label, counts)


def test_templates_importing_them_from_macros_html_get_the_functions(app):
    with app.test_request_context():
        module = app.jinja_env.from_string(
            '{% from "macros.html" import csrf, hidden_context, post_button, tabs %}'
            '{% set found = [csrf, hidden_context, post_button, tabs] %}').module
        assert module.found == [macros.csrf, macros.hidden_context, macros.post_button, macros.tabs]
