"""Export (Dataadmin): moments or answers of the unit as CSV, XLSX or FHIR R4 NDJSON, pseudonymised by default.

The route lives in web/clinician/admin.py (`/export`); its body calls `export_page()`. A GET shows the form
and changes nothing; the export itself is a POST (CSRF-checked), so a link from another site cannot make a
Dataadmin's browser run an export or write the export log.
"""
from __future__ import annotations

from flask import Response, flash, g, render_template, request, stream_with_context
from flask_login import current_user

from .. import clock
from ..content.programs import all_programs
from ..services.errors import ServiceError
from ..services.operations import export as service
from ..services.operations import fhir
from .forms import ExportForm

MIMETYPES = {"csv": "text/csv; charset=utf-8", "fhir": "application/fhir+ndjson",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
SUFFIX = {"csv": "csv", "fhir": "ndjson", "xlsx": "xlsx"}


def _request(query: ExportForm) -> service.ExportRequest:
    return service.ExportRequest(
        kind=query.kind.data or "moments", format=query.format.data or "csv",
        date_from=query.fran.data, date_to=query.till.data,
        program_id=query.program.data or None, unit_id=g.membership.care_unit_id,
        identified=query.identifierad.data == "ja", purpose=query.syfte.data or None,
        free_text=query.fritext.data == "ja")


def _page(status: int = 200, errors: dict | None = None, values: dict | None = None):
    return render_template("admin/export_data.html", kinds=service.KINDS, formats=service.FORMATS,
                           programs=all_programs(), args=values or {}, errors=errors or {},
                           exports=service.recent_exports(g.membership.care_unit_id),
                           moment_columns=service.MOMENT_COLUMNS, answer_columns=service.ANSWER_COLUMNS,
                           active_tab="export"), status


def export_page():
    """GET: the Export form. POST: the download, logged (who, what, rows) before any data is produced."""
    if request.method != "POST":
        return _page()
    form = ExportForm()
    req = _request(form)
    now = clock.now()
    try:
        service.log_export(req, user_id=current_user.id, user_name=current_user.name,
                           unit_id=g.membership.care_unit_id, now=now)
    except ServiceError as exc:
        flash(exc.message, "error")
        return _page(422, exc.fields, request.form)
    name = f"stegvis-{req.kind}.{SUFFIX[req.format]}"
    headers = {"Content-Disposition": f"attachment; filename={name}"}
    if req.format == "xlsx":
        chunks = service.xlsx_chunks(req, now)
    else:
        chunks = service.csv_chunks(req, now) if req.format == "csv" else fhir.ndjson_lines(req)
    return Response(stream_with_context(chunks), mimetype=MIMETYPES[req.format], headers=headers)
