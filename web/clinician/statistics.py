"""Statistik: figures in ranges of 5 for the member's own unit, its region and all regions (CSV with ?format=csv)."""
from __future__ import annotations

from pathlib import Path

from flask import Response, abort, current_app, g, render_template, request
from flask_login import current_user

from .. import clock
from ..content.text import render_document
from ..ui.decorators import role_required
from ..services.clinician import stat_filters, stat_tables
from ..services.clinician import statistics as service
from .blueprint import bp
from .forms import StatisticsQuery


@bp.route("/statistik")
@role_required("behandlare", "dataadmin", "behorighetsadmin")
def statistics():
    """Översikt, programflöde, utfall and Fagerström; Filtrera statistik by calendar period, Län, own unit,
    program, clinician."""
    today = clock.today()
    own = g.membership.care_unit
    query = StatisticsQuery(request.args)
    # a unit's own figures only for its members; the region and the nation for everyone
    own_ids = frozenset(m.care_unit_id for m in current_user.memberships)
    try:
        filters = stat_filters.parse_filters({k: v for k, v in query.data.items() if v}, own, today, own_ids)
    except stat_filters.NotOwnUnit:
        abort(403)
    report = service.report(filters, today)
    names = stat_filters.scope_names(filters)
    if query.format.data == "csv":
        return Response(stat_tables.to_csv(report, names), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": "attachment; filename=stegvis-statistik.csv"})
    return render_template(
        "clinician/statistik.html", filters=filters, tables=stat_tables.tables(report, names),
        periods=stat_filters.period_choices(today), regions=stat_filters.regions(),
        units=[u for u in stat_filters.units(filters.region_id) if u.id in own_ids],
        programs=stat_filters.program_choices(), clinicians=stat_filters.unit_clinicians(own.id), own_unit=own,
        min_cell=service.MIN_CELL, active_tab="statistik")


@bp.route("/statistik/definitioner")
@role_required("behandlare", "dataadmin", "behorighetsadmin")
def statistics_definitions():
    """What every figure on Statistik means (docs/statistics.md, or the file STATISTICS_DEFINITIONS names)."""
    path = Path(current_app.config["STATISTICS_DEFINITIONS"])
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        current_app.logger.warning("statistics definitions not readable at %s", path)
        return render_template("clinician/statistik_definitioner.html", body=None, active_tab="statistik"), 404
    return render_template("clinician/statistik_definitioner.html", body=render_document(text),
                           active_tab="statistik")
