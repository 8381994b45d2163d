"""The attacker: every request the statistics page, its CSV and `stegvis stats` allow, then sums and differences.

A hand-built world with many counts of 1–4 (per unit, month, clinician, end reason, module, follow-up and
Fagerström band). The test asks for every period, Län, unit, program and clinician the interface offers (the
web as a clinician of unit A, the CLI as an operator, who may name any unit), reads every published count
back with the exact set of moments it counts (worked out here from the world, not by the code under test),
and plays the attacker: for each cell A and published cells B, C inside it, A − B and A − B − C bound the
moments of A outside them; B + C bounds their union; every bound of one set of moments is intersected. A
count of 1–4 that the bounds pin to one value is a disclosure. The bounds must always contain the true
count, which checks the cell definitions below against the figures.
"""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta

from click.testing import CliRunner

from data_support import ABSTINENT, NO_STOP_DAY, SMOKING, add_answer, add_moment, add_module, pnr
from web.services.clinician import stat_filters
from web.services.clinician import statistics as stats

TODAY = date(2026, 3, 2)
MONTHS = ["2025-06", "2025-07", "2025-08", "2025-09", "2025-10", "2025-11"]
#: starts per unit and month (index into MONTHS): many 1–4, a few ≥ 5
STARTS = {"A": [10, 3, 1, 6, 2, 4], "B": [2, 4, 0, 1, 3, 0], "C": [1, 0, 2, 0, 4, 1]}
REASONS = ["genomford", "avbruten", "ingen-kontakt", "remitterad", "annan"]
BANDS = [(0, 2), (3, 4), (5, 5), (6, 7), (8, 10)]
SCORES = [1, 3, 5, 6, 9, None, 2]
FOLLOW_UP = [ABSTINENT, NO_STOP_DAY, SMOKING, None]


def _month(d: datetime) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _world(db, make_unit, make_staff) -> tuple[dict, list[dict]]:
    """Build the world; returns (units by letter, clinicians by name) and the moments as plain facts."""
    units = {"A": make_unit(), "B": make_unit("Vårdcentralen Norr"),
             "C": make_unit("Vårdcentralen Ekhagen", "Region Örebro län")}
    staff = {"a1": make_staff("a1", unit=units["A"]), "a2": make_staff("a2", unit=units["A"]),
             "b1": make_staff("b1", unit=units["B"]), "c1": make_staff("c1", unit=units["C"])}
    facts, i = [], 0
    for letter, per_month in STARTS.items():
        for month_index, n in enumerate(per_month):
            for k in range(n):
                clinician = {"A": ("a1", "a2")[i % 2], "B": "b1", "C": "c1"}[letter]
                start = datetime(2025, 6 + month_index, 1 + (i * 7) % 27, 10, tzinfo=UTC)
                ended = start + timedelta(days=20 + (i * 11) % 60) if i % 3 != 1 else None
                reason = REASONS[i % 5] if ended else None
                maintained = bool(ended) and i % 4 == 0
                e = add_moment(db, units[letter], staff[clinician], pnr("19700101", i), start, ended=ended,
                               reason=reason, maintained=maintained)
                completed = (3 + i % 9) if i % 2 == 0 else None
                add_module(db, e, "steg-1", 2, activated=start, completed_days=completed, current=completed is None)
                score = SCORES[i % len(SCORES)]
                if score is not None:
                    add_answer(db, e, "ftnd", {}, start + timedelta(hours=1), score=score)
                answer = FOLLOW_UP[i % len(FOLLOW_UP)]
                if answer is not None:
                    add_answer(db, e, "uppfoljning-3m", answer, start + timedelta(days=95), module_id="steg-5")
                facts.append({"id": i, "unit": letter, "region": "R2" if letter == "C" else "R1",
                              "clinician": clinician, "start": start, "end": ended, "reason": reason,
                              "maintained": maintained, "completed": completed is not None, "score": score,
                              "answer": answer})
                i += 1
    db.session.commit()
    return {"units": units, "staff": staff}, facts


# --- the cells' definitions, from the world's facts (docs/statistics.md) -------------------------------------


def _mask(facts, keep) -> int:
    return sum(1 << f["id"] for f in facts if keep(f))


def _scope_facts(facts, request, scope):
    if scope == "unit":
        return [f for f in facts if f["unit"] == request["unit"]
                and (request["clinician"] is None or f["clinician"] == request["clinician"])]
    if scope == "region":
        return [f for f in facts if f["region"] == request["region"]]
    return facts


def _due(f, months: int) -> bool:
    """Nobody answered a stop day: due the program's days after the start day, counted 30 days later."""
    days = {3: 90, 6: 180, 12: 365}[months]
    return f["start"].date() + timedelta(days=days) <= TODAY - timedelta(days=30)


def _cells(facts, request, key, rows, focus) -> list[tuple[int, object]]:
    """(mask of the moments counted, the published value) of every count of one table."""
    first, last = request["period"]
    period = stat_filters.months_between(first, last)
    out = []
    if key.startswith("oversikt-"):
        scoped = _scope_facts(facts, request, key.split("-", 1)[1])
        for month, started, ongoing, ended, maintained in rows:
            ends = lambda f: f["end"] is not None and _month(f["end"]) == month  # noqa: E731
            out += [(_mask(scoped, lambda f: _month(f["start"]) == month), started),
                    (_mask(scoped, lambda f: _month(f["start"]) <= month
                           and (f["end"] is None or _month(f["end"]) > month)), ongoing),
                    (_mask(scoped, ends), ended), (_mask(scoped, lambda f: ends(f) and f["maintained"]), maintained)]
        return out
    scopes = request["scopes"]
    if key == "perioden":
        started = lambda f: _month(f["start"]) in period  # noqa: E731
        ended = lambda f: f["end"] is not None and _month(f["end"]) in period  # noqa: E731
        keep = {"Startade": started, "Avslutade": ended, "Vidmakthåll": lambda f: ended(f) and f["maintained"]}
        for label, *values in rows:
            out += [(_mask(_scope_facts(facts, request, s), keep[label]), v) for s, v in zip(scopes, values)]
        return out
    if key == "avslutningsorsak":
        titles = {"Genomförd behandling": "genomford", "Avbruten av invånaren": "avbruten",
                  "Ingen kontakt": "ingen-kontakt", "Remitterad vidare": "remitterad", "Annan orsak": "annan"}
        for title, *values in rows:
            out += [(_mask(_scope_facts(facts, request, s), lambda f: f["end"] is not None
                           and _month(f["end"]) in period and f["reason"] == titles[title]), v)
                    for s, v in zip(scopes, values)]
        return out
    cohort = [f for f in _scope_facts(facts, request, focus) if _month(f["start"]) in period]
    if key == "programflode":
        for title, reached, completed, active, *_ in rows:
            steg1 = title.startswith("Steg 1 ")
            out += [(_mask(cohort, lambda f: steg1), reached),
                    (_mask(cohort, lambda f: steg1 and f["completed"]), completed),
                    (_mask(cohort, lambda f: steg1 and not f["completed"] and f["end"] is None), active)]
        return out
    if key == "utfall":
        for label, due, answered, response, point, point_r, point_itt, continuous, cont_r, cont_itt in rows:
            # a percentage tells nothing the published ranges do not: it divides their middles
            for shown, top, bottom in ((response, answered, due), (point_r, point, answered), (point_itt, point, due),
                                       (cont_r, continuous, answered), (cont_itt, continuous, due)):
                middles = [sum(_interval(v)) / 2 for v in (top, bottom)]
                expected = stats.SUPPRESSED if stats.SUPPRESSED in (str(top), str(bottom)) else \
                    round(100 * middles[0] / middles[1], 1)
                assert str(shown) == str(expected), (label, shown, top, bottom)
            months = int(label.split()[0])
            counted = [f for f in cohort if _due(f, months)]
            answer = (lambda f: f["answer"]) if months == 3 else (lambda f: None)
            out += [(_mask(counted, lambda f: True), due), (_mask(counted, lambda f: answer(f) is not None), answered),
                    (_mask(counted, lambda f: answer(f) in (ABSTINENT, NO_STOP_DAY)), point),
                    (_mask(counted, lambda f: answer(f) is ABSTINENT), continuous)]
        return out
    if key == "fagerstrom":
        for (low, high), (_band, count) in zip(BANDS, rows):
            out.append((_mask(cohort, lambda f: f["score"] is not None and low <= f["score"] <= high), count))
        return out
    raise AssertionError(f"unknown table {key}")


# --- every request the interface and the CLI allow ---------------------------------------------------------


def _periods() -> list[str]:
    """Every calendar period the filter offers from 2025 on (the ones before publish only empty cells)."""
    return [value for _, choices in stat_filters.period_choices(TODAY) for value, _ in choices if value >= "2025"]


def _parse_csv(text: str) -> list[tuple[str, list[list[str]]]]:
    """The CSV's tables as (key, rows without the header), keyed as the JSON is."""
    keys = {"Översikt per månad": "oversikt", "Hela perioden": "perioden", "Avslutade per avslutningsorsak":
            "avslutningsorsak", "Programflöde": "programflode", "Utfall vid uppföljning": "utfall",
            "Fagerström vid start": "fagerstrom"}
    tables, block = [], []
    for row in csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"):
        if row:
            block.append(row)
            continue
        title = block[0][0]
        key = next(k for prefix, k in keys.items() if title.startswith(prefix))
        tables.append((key, block[2:]))
        block = []
    overview = [i for i, (k, _) in enumerate(tables) if k == "oversikt"]
    for i, scope in zip(overview, ("unit", "region", "all")[-len(overview):]):
        tables[i] = (f"oversikt-{scope}", tables[i][1])
    return tables


def _interval(value) -> tuple[int, int]:
    """What a published value says about the count: "< 5" 0–4, "5–9" 5–9, a plain number itself."""
    text = str(value)
    if text == stats.SUPPRESSED:
        return 0, 4
    found = re.fullmatch(r"(\d+)–(\d+)", text)
    if found:
        return int(found[1]), int(found[2])
    return int(text), int(text)


def _published(app, client, login, world, facts) -> dict[int, tuple[int, int]]:
    """Every count of every request as mask → the bounds it publishes (identical cells intersected)."""
    from commands.data.records import stats_command

    units, staff = world["units"], world["staff"]
    regions = {"R1": units["A"].region_id, "R2": units["C"].region_id}
    cells: list[tuple[int, object]] = []

    def collect(tables, request):
        focus = request["scopes"][0]
        for key, rows in tables:
            cells.extend(_cells(facts, request, key, rows, focus))

    runner = CliRunner()
    cli_choices = [(None, None), ("R1", None), ("R1", "A"), ("R1", "B"), ("R2", None), ("R2", "C")]
    #: (Län, Vårdenhet: own unit, "Ingen" or the default, Behandlare): what the form offers a1 of unit A
    web_choices = [("R1", "A", None), ("R1", "A", "a1"), ("R1", "A", "a2"), ("R1", "Ingen", None),
                   ("R1", None, None), ("R2", None, None)]
    login(staff["a1"])
    for period in _periods():
        months = stat_filters.period_months(period, TODAY)
        for program in (None, "tobakshjalpen"):
            for region, unit in cli_choices:
                args = ["--period", period, "--format", "json"]
                args += ["--lan", str(regions[region])] if region else []
                args += ["--unit", str(units[unit].id)] if unit else []
                args += ["--program", program] if program else []
                result = runner.invoke(stats_command, args, obj=app)
                assert result.exit_code == 0, result.output
                tables = json.loads(result.output)["tables"]
                scopes = [t["key"].split("-", 1)[1] for t in tables if t["key"].startswith("oversikt-")]
                collect([(t["key"], t["rows"]) for t in tables],
                        {"period": months, "region": region, "unit": unit, "clinician": None, "scopes": scopes})
            for region, unit, clinician in web_choices:
                enhet = "" if unit is None else 0 if unit == "Ingen" else units[unit].id
                query = {"period": period, "lan": regions[region], "enhet": enhet, "program": program or "",
                         "behandlare": staff[clinician].id if clinician else "", "format": "csv"}
                response = client.get("/statistik", query_string=query)
                assert response.status_code == 200
                tables = _parse_csv(response.get_data(as_text=True))
                scopes = [k.split("-", 1)[1] for k, _ in tables if k.startswith("oversikt-")]
                # the page's default: the member's own unit whenever it is in the chosen Län
                shown_unit = None if unit == "Ingen" else unit or ("A" if region == "R1" else None)
                assert ("unit" in scopes) == (shown_unit is not None)
                collect(tables, {"period": months, "region": region, "unit": shown_unit,
                                 "clinician": clinician if shown_unit else None, "scopes": scopes})
    published: dict[int, tuple[int, int]] = {}
    for mask, value in cells:
        low, high = _interval(value)
        old = published.get(mask, (0, 10**9))
        published[mask] = (max(old[0], low), min(old[1], high))
    return published


# --- the attacker ------------------------------------------------------------------------------------------


def derived_bounds(published: dict[int, tuple[int, int]]) -> dict[int, tuple[int, int]]:
    """Bounds of every set of at most 4 moments that a difference A − B, A − B − C or a sum B + C of published
    cells (B, C disjoint and inside A) gives, intersected with each other and with the published bounds."""
    size = {mask: bin(mask).count("1") for mask in published}
    bounds = {mask: bound for mask, bound in published.items() if 1 <= size[mask] <= 4}

    def tighten(mask: int, low: int, high: int) -> None:
        old = bounds.get(mask, (0, 10**9))
        bounds[mask] = (max(old[0], low, 0), min(old[1], high))

    masks = sorted(published, key=size.get)
    for a in masks:
        low_a, high_a = published[a]
        by_size: dict[int, list[int]] = {}
        for b in masks:
            if size[b] >= size[a]:
                break
            if b & a == b:
                by_size.setdefault(size[b], []).append(b)
        for b in (b for group in by_size.values() for b in group):
            rest = a & ~b
            if size[a] - size[b] <= 4:
                tighten(rest, low_a - published[b][1], high_a - published[b][0])
            for c_size in range(max(size[a] - size[b] - 4, 1), size[a] - size[b]):
                for c in by_size.get(c_size, ()):
                    if c & rest == c:
                        tighten(rest & ~c, low_a - published[b][1] - published[c][1],
                                high_a - published[b][0] - published[c][0])
    small = [m for m in masks if 1 <= size[m] <= 3]
    for i, b in enumerate(small):
        for c in small[i + 1:]:
            if not b & c and size[b] + size[c] <= 4:
                tighten(b | c, published[b][0] + published[c][0], published[b][1] + published[c][1])
    return bounds


def _pinned(bounds: dict[int, tuple[int, int]]) -> dict[int, int]:
    return {mask: low for mask, (low, high) in bounds.items() if low == high and 1 <= low <= 4}


def test_the_checker_finds_a_count_pinned_by_a_difference():
    # the audit's case: the nation 12, the region hidden, the unit 10: the other region's 2 moments
    assert _pinned(derived_bounds({0b111111111111: (12, 12), 0b001111111111: (10, 10)})) == {0b110000000000: 2}
    # ranges of 5: 10–14 minus 10–14 says 0–4, nothing more
    assert _pinned(derived_bounds({0b111111111111: (10, 14), 0b001111111111: (10, 14)})) == {}
    # rounding to the nearest 5 is not enough: a region of 8 shown as 10 (8–12) over two units of 4 shown as
    # "< 5" (1–4) pins both units; as ranges of 5 (5–9 over 0–4 and 0–4) it pins nothing
    region, unit_a, unit_b = 0b11111111, 0b00001111, 0b11110000
    assert _pinned(derived_bounds({region: (8, 12), unit_a: (1, 4), unit_b: (1, 4)})) == {unit_a: 4, unit_b: 4}
    assert _pinned(derived_bounds({region: (5, 9), unit_a: (0, 4), unit_b: (0, 4)})) == {}


def test_no_count_of_1_to_4_can_be_derived_from_every_request_the_interface_allows(
        app, client, login, db, make_unit, make_staff):
    world, facts = _world(db, make_unit, make_staff)
    published = _published(app, client, login, world, facts)
    assert len(published) > 300  # many distinct cells were read back
    bounds = derived_bounds(published)
    wrong = {mask: bound for mask, bound in bounds.items() if not bound[0] <= bin(mask).count("1") <= bound[1]}
    assert wrong == {}, "a cell definition of this test does not match the published figure"
    small = [mask for mask in published if 1 <= bin(mask).count("1") <= 4]
    assert len(small) > 50  # the world has many small cells to protect
    pinned = _pinned(bounds)
    assert pinned == {}, f"{len(pinned)} sets of 1–4 moments can be derived, e.g. {list(pinned.items())[:5]}"


def test_a_clinician_cannot_open_another_units_statistics(client, login, db, make_unit, make_staff):
    world, _ = _world(db, make_unit, make_staff)
    units = world["units"]
    login(world["staff"]["a1"])
    base = {"period": "2025", "lan": units["A"].region_id}
    assert client.get("/statistik", query_string={**base, "enhet": units["B"].id}).status_code == 403
    assert client.get("/statistik", query_string={**base, "enhet": units["B"].id, "format": "csv"}).status_code == 403
    page = client.get("/statistik", query_string=base).get_data(as_text=True)
    assert "Vårdcentralen Norr</option>" not in page and "Utbildningsenhet</option>" in page
    # "Ingen": the region and the nation only, and the CSV link keeps it so
    none = client.get("/statistik", query_string={**base, "enhet": 0}).get_data(as_text=True)
    assert "Översikt per månad: Region Jönköpings län</h2>" in none and "enhet=0&amp;format=csv" in none
    # the region and the nation stay open: a Län without the member's unit shows them
    other = client.get("/statistik", query_string={**base, "lan": units["C"].region_id})
    assert other.status_code == 200 and "Översikt per månad: Region Örebro län" in other.get_data(as_text=True)
