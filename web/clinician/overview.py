"""Behandlarvyn (Mina / Alla / Avslutade) and Starta nytt moment."""
from __future__ import annotations

import secrets

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user

from .. import clock
from ..ui.decorators import role_required, staff_required
from ..personnummer import PersonnummerError, format_full, parse
from ..content.programs import all_programs
from ..services.clinician import unit_settings as settings_service
from ..services.core import access
from ..services.clinician import moments
from ..services.clinician import overview as overview_service
from ..services.clinician import worklist as worklist_service
from ..services.errors import ServiceError
from .blueprint import bp
from .forms import NewMomentForm, OverviewQuery, WorklistQuery

#: tab id → (label, roles that see it, endpoint); the order of the manual
TABS = (
    ("att-gora", "Att göra", ("behandlare",), "clinician.worklist"),
    ("mina", "Mina", ("behandlare",), "clinician.overview"),
    ("alla", "Alla", ("behandlare",), "clinician.overview"),
    ("avslutade", "Avslutade", ("behandlare",), "clinician.overview"),
    ("export", "Export", ("dataadmin",), "clinician.export"),
    ("personal", "Personal", ("behorighetsadmin",), "clinician.staff"),
    ("anvandargrupper", "Användargrupper", ("behorighetsadmin",), "clinician.groups"),
    ("installningar", "Inställningar", ("behorighetsadmin",), "clinician.settings"),
    ("administration", "Administration", ("invanaradmin",), "clinician.administration"),
    ("gallring", "Gallring", ("behorighetsadmin",), "clinician.purge"),
    ("statistik", "Statistik", ("behandlare", "dataadmin", "behorighetsadmin"), "clinician.statistics"),
)


def visible_tabs() -> list[tuple[str, str, str]]:
    """(id, label, url) of the tabs the current member's roles allow."""
    roles = g.membership.role_set
    out = []
    for key, label, needs, endpoint in TABS:
        if roles.intersection(needs):
            url = url_for(endpoint, tab=key) if endpoint == "clinician.overview" else url_for(endpoint)
            out.append((key, label, url))
    return out


@bp.app_context_processor
def inject_tabs():
    return {"visible_tabs": visible_tabs if g.get("membership") else None}


@bp.route("/")
@staff_required
def home():
    """The first tab the member may use (Mina for clinicians)."""
    tabs = visible_tabs()
    if not tabs:
        abort(403)
    return redirect(tabs[0][2])


@bp.route("/oversikt")
@staff_required
def overview_start():
    """/oversikt without a tab: the first tab the member may use."""
    return home()


#: how many searches a session remembers (older tokens then show the list unfiltered)
SEARCHES_KEPT = 5


def _remember_search(text: str) -> str:
    """Keep a posted search text in the (server-side) session under a random token for the URL: a
    personnummer typed in the filter never lands in a URL, a server log or a proxy's log."""
    token = secrets.token_urlsafe(12)
    searches = dict(session.get("sok") or {})
    searches[token] = text
    session["sok"] = dict(list(searches.items())[-SEARCHES_KEPT:])
    return token


@bp.route("/oversikt/<tab>", methods=["GET", "POST"])
@role_required("behandlare")
def overview(tab: str):
    """Mina / Alla / Avslutade: the unit's moments with masked personnummer, last activity and flags.

    The filter is posted; the list is then shown at a URL with an opaque token (?sok=) for the text."""
    if tab not in overview_service.TABS:
        abort(404)
    if request.method == "POST":
        posted = OverviewQuery(request.form)
        text, program_id = posted.q.data, posted.program.data or None
        sort = posted.sortera.data if posted.sortera.data in overview_service.SORTS else None
        return redirect(url_for("clinician.overview", tab=tab, program=program_id,
                                sok=_remember_search(text) if text else None,
                                ohanterade="1" if posted.ohanterade.data else None,
                                sortera=sort if sort != "namn" else None))
    query = OverviewQuery(request.args)
    program_id = query.program.data or None
    token = query.sok.data or None
    text = (session.get("sok") or {}).get(token, "") if token else ""
    sort = query.sortera.data if query.sortera.data in overview_service.SORTS else "namn"
    unhandled = bool(query.ohanterade.data)
    data = overview_service.overview_page(
        g.membership, tab=tab, program_id=program_id if program_id in all_programs() else None, text=text,
        page=query.sida.data or 1, page_size=int(current_app.config["PAGE_SIZE"]),
        after=query.efter.data, before=None if query.efter.data else query.fore.data, now=clock.now(),
        unhandled=unhandled, sort=sort,
    )
    link = {"tab": tab, "sok": token if text else None, "program": program_id, "ohanterade": "1" if unhandled else None,
            "sortera": sort if sort != "namn" else None}
    previous_url = next_url = None
    # the name order pages by keyset (the row next to the page); the oldest-first order by page number
    keyset = sort == "namn"
    if data.has_previous:
        previous_url = url_for("clinician.overview", **link, sida=data.page - 1, fore=data.first_id if keyset else None)
    if data.has_next:
        next_url = url_for("clinician.overview", **link, sida=data.page + 1, efter=data.last_id if keyset else None)
    return render_template("clinician/overview.html", tab=tab, data=data, programs=all_programs(),
                           program_id=program_id, text=text, previous_url=previous_url, next_url=next_url,
                           unhandled=unhandled, sort=sort, tab_counts=_tab_counts())


def _tab_counts() -> dict[str, int]:
    """The number shown in the Att göra tab (on the overview's own tabs only: other pages keep their budget)."""
    return {"att-gora": worklist_service.open_count(g.membership)}


@bp.route("/oversikt/att-gora")
@role_required("behandlare")
def worklist():
    """Att göra: every unhandled event of my moments, urgent first, then the oldest; filter by event type."""
    query = WorklistQuery(request.args)
    flag_type = query.typ.data if query.typ.data in worklist_service.EVENT_TYPES else None
    data = worklist_service.worklist_page(
        g.membership, flag_type=flag_type, page=query.sida.data or 1,
        page_size=int(current_app.config["PAGE_SIZE"]), after=query.efter.data,
        before=None if query.efter.data else query.fore.data)
    previous_url = next_url = None
    if data.has_previous:
        previous_url = url_for("clinician.worklist", typ=flag_type, sida=data.page - 1, fore=data.first_id)
    if data.has_next:
        next_url = url_for("clinician.worklist", typ=flag_type, sida=data.page + 1, efter=data.last_id)
    counts = {"att-gora": data.total} if flag_type is None else _tab_counts()
    return render_template("clinician/worklist.html", data=data, flag_type=flag_type,
                           event_types=worklist_service.EVENT_TYPES, age=worklist_service.age_text,
                           now=clock.now(), previous_url=previous_url, next_url=next_url, tab_counts=counts)


@bp.route("/moment/nytt", methods=["GET", "POST"])
@role_required("behandlare")
def new_moment():
    """Starta nytt moment: look up the personnummer (warning if never logged in), pick the program, start."""
    form = NewMomentForm()
    values = form.values()
    offered = settings_service.offered_programs(g.membership.care_unit_id)  # Inställningar: what the unit offers
    if not values["program"] and len(offered) == 1:
        values["program"] = next(iter(offered))
    errors: dict[str, str] = {}
    patient, looked_up, elsewhere = None, False, False
    if request.method == "POST":
        try:
            digits = parse(values["personnummer"])
        except PersonnummerError as exc:
            errors["personnummer"] = str(exc)
        else:
            values["personnummer"] = format_full(digits)
            patient = moments.find_patient(digits)
            looked_up = True
            # a patient known only to other units: nothing about them is shown here (data minimisation)
            elsewhere = patient is not None and access.known_only_elsewhere(patient, g.membership)
            if patient is not None:
                access.log_access(g.membership, patient, "Starta nytt moment: sökning", clock.now())
            confirmed = form.checked.data == digits
            if form.action.data == "start" and confirmed:
                try:
                    enrollment = moments.start_moment(
                        personnummer=digits, program_id=values["program"], user=current_user,
                        membership=g.membership, now=clock.now(), first_name=values["first_name"],
                        last_name=values["last_name"], email=values["email"], mobile=values["mobile"],
                    )
                except ServiceError as exc:
                    errors.update(exc.fields or {"personnummer": exc.message})
                else:
                    flash(f"Momentet {all_programs()[enrollment.program_id].title} startades för "
                          f"{enrollment.patient.full_name}.", "success")
                    return redirect(url_for("clinician.hantera", enrollment_id=enrollment.id))
        status = 422 if errors else 200
    else:
        status = 200
    return render_template("clinician/new_moment.html", values=values, errors=errors, patient=patient,
                           looked_up=looked_up and "personnummer" not in errors, programs=offered,
                           elsewhere=elsewhere), status
