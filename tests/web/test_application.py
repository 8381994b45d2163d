"""web/ops/application.py: StegvisFlask's `ensure_sync` and remembered `url_for` give what Flask's own give."""
from __future__ import annotations

import functools

import pytest
from flask import Flask, url_for
from hypothesis import HealthCheck, given, settings, strategies as st
from werkzeug.routing import BuildError

from web.ops.application import StegvisFlask

_values = st.one_of(st.booleans(), st.integers(0, 3), st.sampled_from(["1", "True", "a b", "å/ä?&=", ""]))
_query = st.dictionaries(st.sampled_from(["sida", "efter", "sortera", "q"]), _values, max_size=3)


def _rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def _args(rule, draw_value):
    """Values for a rule's variable parts that its converters accept."""
    args = {}
    for name in rule._converters:  # the variable parts (not a route's defaults)
        try:
            rule._converters[name].to_url(draw_value)
            args[name] = draw_value
        except (TypeError, ValueError):  # a number converter
            args[name] = 7
    return args


def test_app_is_a_stegvis_flask(app):
    assert type(app) is StegvisFlask


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), script_root=st.sampled_from(["", "/stegvis"]), anchor=st.sampled_from([None, "formular-1"]))
def test_every_address_is_the_one_flask_builds(app, data, script_root, anchor):
    rule = data.draw(st.sampled_from(_rules(app)))
    values = {**_args(rule, data.draw(st.sampled_from(["abc", "steg-1", "a b"]))), **data.draw(_query)}
    with app.test_request_context("/", base_url=f"http://localhost{script_root}"):
        expected = Flask.url_for(app, rule.endpoint, _anchor=anchor, **values)
        assert app.url_for(rule.endpoint, _anchor=anchor, **values) == expected
        assert url_for(rule.endpoint, _anchor=anchor, **values) == expected  # now from the remembered ones
        assert Flask.url_for(app, rule.endpoint, _anchor=anchor, _external=True, **values) == \
            app.url_for(rule.endpoint, _anchor=anchor, _external=True, **values)


def test_equal_values_of_other_types_are_other_addresses(app):
    with app.test_request_context("/"):
        first = url_for("clinician.overview", tab="alla", a=True, b=1)
        second = url_for("clinician.overview", tab="alla", b=True, a=1)
        assert first != second
        assert first == Flask.url_for(app, "clinician.overview", tab="alla", a=True, b=1)
        assert second == Flask.url_for(app, "clinician.overview", tab="alla", b=True, a=1)
        # a list of query values cannot be a key: built each time, as Flask builds it
        assert url_for("clinician.overview", tab="alla", q=["x", "y"]) == \
            Flask.url_for(app, "clinician.overview", tab="alla", q=["x", "y"])


def test_a_missing_value_fails_as_in_flask_and_is_not_remembered(app):
    with app.test_request_context("/"):
        remembered = len(app._urls)
        with pytest.raises(BuildError):
            url_for("clinician.overview")
        assert len(app._urls) == remembered


def test_addresses_are_bounded(app, monkeypatch):
    from web.ops import application

    monkeypatch.setattr(application, "URL_CACHE_SIZE", 5)
    with app.test_request_context("/"):
        for page in range(12):
            assert url_for("clinician.overview", tab="alla", sida=page).endswith(f"sida={page}")
        assert len(app._urls) <= 5


async def _coroutine():
    return 1


class _Callable:
    def __call__(self):
        return 1


@pytest.mark.parametrize("func", [lambda: 1, len, functools.partial(int, "1"), _Callable(), _coroutine,
                                  functools.partial(_coroutine), Flask.__init__])
def test_ensure_sync_returns_what_flask_returns(app, func):
    try:
        expected = Flask.ensure_sync(app, func)
    except RuntimeError as error:  # async views need Flask's "async" extra
        with pytest.raises(RuntimeError, match=str(error)):
            app.ensure_sync(func)
        return
    got = app.ensure_sync(func)
    assert (got is func) == (expected is func)
    if got is not func:
        assert type(got) is type(expected)
