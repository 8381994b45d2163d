"""web.i18n's template `_()`, `gettext()` and `ngettext()` give what Jinja's own newstyle i18n callables give
over the same functions: translated in each language, escaped in HTML templates and not in text ones, always
%-formatted, `num` given to plurals, `{% trans %}` blocks the same."""
from __future__ import annotations

import jinja2
import pytest
from flask_babel import force_locale

from web import i18n

SOURCE = (
    '{{ _("Hoppa till innehållet") }}|{{ _("Meddelandet skickades inte.") }}|{{ gettext("Du är utloggad.") }}|'
    '{{ _("%(n)s <b> & 100 %%", n="<i>") }}|{{ _(label) }}|{{ _("100 %%") }}|{{ _("<b>fet</b>") }}|'
    '{{ ngettext("%(num)d oläst", "%(num)d olästa", 1) }}|{{ ngettext("%(num)d oläst", "%(num)d olästa", 3) }}|'
    '{{ ngettext("%(num)s sak", "%(num)s saker", n, num="<x>") }}|'
    '{% trans %}Du är utloggad.{% endtrans %}|'
    '{% trans count=n %}{{ count }} oläst{% pluralize %}{{ count }} olästa{% endtrans %}'
)
VALUES = {"label": "Påbörjad <&>", "n": 2}


def _reference(autoescape: bool) -> jinja2.Template:
    """The same source under Jinja's stock newstyle callables over web.i18n's gettext and ngettext."""
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)
    env.install_gettext_callables(gettext=i18n.gettext, ngettext=i18n._ngettext, newstyle=True)
    return env.from_string(SOURCE)


@pytest.mark.parametrize("language", ["sv", "en", "ar"])
@pytest.mark.parametrize("autoescape", [True, False])
def test_template_gettext_gives_what_jinjas_newstyle_gettext_gives(app, language, autoescape):
    ours = app.jinja_env.overlay(autoescape=autoescape).from_string(SOURCE)
    assert app.jinja_env.globals["_"] is i18n.template_gettext
    with app.test_request_context(), force_locale(language):
        rendered, expected = ours.render(VALUES), _reference(autoescape).render(VALUES)
    assert rendered == expected
    # the message is trusted text, its variables are escaped in HTML
    assert ("&lt;i&gt; <b> & 100 %" in rendered) == autoescape
    assert ("<i> <b> & 100 %" in rendered) == (not autoescape)
    assert ("&lt;x&gt; saker" in rendered) == autoescape
    assert ("Skip to content" in rendered) == (language == "en")
    assert ("Hoppa till innehållet" in rendered) == (language == "sv")
