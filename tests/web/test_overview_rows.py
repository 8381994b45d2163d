"""web/ui/overview_rows.py renders the overview's and Att göra's rows as the template loops they replaced
did (kept in tests/data/templates/*_rows_reference.html): for rows with and without events of every kind, never
active, with one program and with several (a missing one shown by its id)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings, strategies as st

from web.services.clinician.overview import OverviewRow
from web.services.clinician.worklist import WorkItem

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


_items = st.builds(
    WorkItem, flag_id=st.integers(1, 10_000), enrollment_id=st.integers(1, 10_000),
    patient_name=st.sampled_from(["Jane Doe", "Å <b>&\"'"]),
    flag_type=st.sampled_from(["patient_inactivity", "form_submitted", "okänd <typ>"]),
    text=st.sampled_from(["Ingen aktivitet på 7 dagar", "<i>&</i>", ""]), urgent=st.booleans(),
    raised_at=st.integers(0, 60 * 24 * 30).map(
        lambda m: datetime(2026, 12, 7, 9, 0, tzinfo=UTC) - timedelta(minutes=m)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(_items, max_size=4))
def test_att_gora_rows_are_the_loop_they_replaced(app, items):
    from web.services.clinician.worklist import age_text

    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    context = {"data": SimpleNamespace(rows=items), "now": now, "age": age_text}
    reference = (Path(__file__).parents[1] / "data" / "templates" / "worklist_rows_reference.html").read_text()
    with app.test_request_context("/oversikt/att-gora"):
        expected = app.jinja_env.from_string(reference).render(context)
        ours = app.jinja_env.from_string("{{ worklist_rows(data.rows, now) }}").render(context)
    assert ours == expected
