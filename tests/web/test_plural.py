"""Issue 13.5: the `plural` Jinja filter and the tick's summary line say "1 flagga" but "2 flaggor"."""
from web.services.operations.tick import TickReport


def test_the_plural_filter_renders_singular_for_one_only(app):
    template = app.jinja_env.from_string("{{ a | plural('dag', 'dagar') }}, {{ b | plural('gång', 'gånger') }}")
    assert template.render(a=1, b=2) == "1 dag, 2 gånger"


def test_the_tick_summary_counts_in_singular_and_plural():
    assert TickReport(flags=1, reminders=1).summary() == "1 flagga, 1 påminnelse köade"
    assert TickReport(flags=2, reminders=0).summary() == "2 flaggor, 0 påminnelser köade"
