"""engine.localtime's remembered functions answer exactly as their computations do (`__wrapped__`)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings, strategies as st

from engine.localtime import TZ, add_local_days, fmt, iso

#: instants around both daylight-saving changes of 2026 (29 March, 25 October) and far from them
INSTANTS = st.one_of(
    st.datetimes(min_value=datetime(2026, 3, 27), max_value=datetime(2026, 3, 31)),
    st.datetimes(min_value=datetime(2026, 10, 23), max_value=datetime(2026, 10, 27)),
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)),
).map(lambda naive: naive.replace(tzinfo=UTC))
#: the same instant as UTC, as Stockholm time (fold set as astimezone sets it) or at a fixed offset
VIEWS = st.sampled_from([lambda at: at, lambda at: at.astimezone(TZ),
                         lambda at: at.astimezone(timezone(timedelta(hours=5)))])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(INSTANTS, VIEWS, st.integers(-400, 400)), min_size=1, max_size=30))
def test_remembered_answers_equal_the_computed_ones_in_any_order_and_time_zone(calls):
    for at, view, days in calls + calls[::-1]:  # again in reverse: answers taken from the memory
        at = view(at)
        assert add_local_days(at, days) == add_local_days.__wrapped__(at, days)
        assert add_local_days(at, days).utcoffset() == add_local_days.__wrapped__(at, days).utcoffset()
        assert fmt(at) == fmt.__wrapped__(at)
        assert iso(at) == iso.__wrapped__(at)


def test_the_two_half_past_twos_of_the_night_the_clocks_go_back_get_their_own_answers():
    summer = datetime(2026, 10, 25, 2, 30, tzinfo=TZ)  # 00:30 UTC
    winter = summer.replace(fold=1)  # 01:30 UTC
    assert summer == winter  # same tzinfo: compared by wall clock, fold ignored (so the memory must key on fold)
    assert iso(summer) == "2026-10-25T02:30:00+02:00"
    assert iso(winter) == "2026-10-25T02:30:00+01:00"
    assert add_local_days(summer, 0).astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert add_local_days(winter, 0).astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # fold=0 wall time
    assert add_local_days(winter, 1).astimezone(UTC) == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)
    assert add_local_days(summer, 1).astimezone(UTC) == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)


def test_a_naive_datetime_is_refused_every_time():
    naive = datetime(2026, 5, 1, 12, 0)
    for _ in range(2):
        try:
            add_local_days(naive, 1)
        except ValueError as exc:
            assert "timezone-aware" in str(exc)
        else:  # pragma: no cover - the failure
            raise AssertionError("a naive datetime was accepted")
