"""web/clinician/overview_rows.py renders the overview's rows as the template loop it replaced did (kept in
tests/data/templates/overview_rows_reference.html): for rows with and without events of every kind, never
active, with one program and with several (a missing one shown by its id)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings, strategies as st

from web.services.clinician.overview import OverviewRow

REFERENCE = (Path(__file__).parents[1] / "data" / "templates" / "overview_rows_reference.html").read_text()
PROGRAMS = {"tobakshjalpen": SimpleNamespace(title="Tobakshjälpen"), "somnskolan": SimpleNamespace(title="Sömn <&>")}

_counts = st.integers(0, 3)
_rows = st.builds(
    OverviewRow, enrollment_id=st.integers(1, 10_000), name=st.sampled_from(["Jane Doe", "Å <b>&\"'", ""]),
    masked_personnummer=st.sampled_from(["19610831-****", "<x>"]),
    program_id=st.sampled_from(["tobakshjalpen", "somnskolan", "borttaget"]),
    started_at=st.integers(0, 400).map(lambda d: datetime(2026, 1, 1, 23, 30, tzinfo=UTC) + timedelta(days=d)),
    last_active=st.one_of(st.none(), st.integers(0, 400).map(
        lambda d: datetime(2026, 1, 1, 22, 59, tzinfo=UTC) + timedelta(days=d, minutes=d))),
    open_flags=_counts, unread_forms=_counts, unread_messages=_counts, urgent_flags=_counts)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_rows, max_size=4), several=st.booleans())
def test_the_rows_are_the_loop_they_replaced(app, rows, several):
    programs = PROGRAMS if several else {"tobakshjalpen": PROGRAMS["tobakshjalpen"]}
    context = {"data": SimpleNamespace(rows=rows), "programs": programs}
    with app.test_request_context("/oversikt/alla"):
        expected = app.jinja_env.from_string(REFERENCE).render(context)
        ours = app.jinja_env.from_string("{{ overview_rows(data.rows, programs) }}").render(context)
    assert ours == expected
