"""Tidslinje: the moment's history, filtered by kind and period (Veckovis / Hela perioden)."""
from __future__ import annotations

from datetime import timedelta

from flask import render_template, request, url_for

from .. import clock
from ..services.clinician import timeline as timeline_service
from ..services.types import Enrollment
from .blueprint import bp
from .common import staff_moment
from .forms import TimelineQuery


@bp.route("/moment/<int:enrollment_id>/tidslinje")
@staff_moment("Tidslinje", state=False)
def timeline(enrollment: Enrollment):
    """Entries "Modul X startades <tid> av <namn> (<enhet>)", newest first."""
    query = TimelineQuery(request.args)
    chosen = query.typ.data
    weekly = query.period.data == "vecka"
    first, last = query.fran.data, query.till.data
    error = None
    if weekly:
        first, last = timeline_service.week_bounds(first or clock.today())
    elif first and last and last < first:
        error = "Slutdatum ligger före startdatum."
        first = last = None
    start_date = first or clock.local(enrollment.started_at).date()
    end_date = last or clock.today()
    start, end = timeline_service.day_range(start_date, end_date, clock.tz())
    entries = timeline_service.timeline(enrollment, categories=chosen, start=start, end=end)

    def week_url(offset: int) -> str:
        return url_for("clinician.timeline", enrollment_id=enrollment.id, typ=chosen, period="vecka",
                       fran=(start_date + timedelta(days=7 * offset)).isoformat())

    return render_template(
        "clinician/timeline.html", enrollment=enrollment, entries=entries, chosen=chosen, weekly=weekly,
        start_date=start_date, end_date=end_date, categories=timeline_service.CATEGORIES, error=error,
        week_url=week_url, active_moment_tab="tidslinje",
    )
