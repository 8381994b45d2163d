"""The fixed, neutral notice texts: no program, module, answer or name — only "log in" and a link.

An SMS or e-mail may be read by anyone who sees the recipient's phone or inbox, so a notice says
only that something is waiting, never what. The texts take no values except the login link;
`render` refuses a template it does not know rather than sending something improvised. A patient's notice
is in the language they chose in Inställningar (web/translations; staff notices are Swedish).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from flask import current_app
from flask_babel import force_locale

from ..extensions import db
from ..i18n import DEFAULT_LANGUAGE, N_, gettext
from ..models import Patient

#: the login page each kind of recipient is sent to (path under BASE_URL)
LOGIN_PATHS = {"staff": "/logga-in", "patient": "/invanare/logga-in"}
_LINK = re.compile(r"https?://[^\s]+")
#: closing line of every e-mail
EMAIL_FOOTER = N_("Det här är ett automatiskt meddelande från Stegvis. Det går inte att svara på det.")
#: first line of every e-mail
EMAIL_GREETING = N_("Hej!")


@dataclass(frozen=True)
class NoticeText:
    """A template: e-mail subject and the one sentence both channels carry."""

    subject: str
    text: str
    #: what administrators see in the list of failed notices
    label: str = ""
    #: the link is the notice's own `context["url"]` (the one-time activation link), not the login page
    own_link: bool = False


#: template name → text; the names are what services queue (Notice.template)
TEMPLATES: dict[str, NoticeText] = {
    "new_message": NoticeText(
        N_("Nytt meddelande i Stegvis"),
        N_("Du har ett nytt meddelande från din behandlare. Logga in för att läsa det."),
        "Nytt meddelande"),
    "patient_activation": NoticeText(
        N_("Aktivera ditt konto i Stegvis"),
        N_("Din behandlare har gett dig tillgång till Stegvis. Aktivera ditt konto med länken."),
        "Aktivering av konto", own_link=True),
    "moment_started": NoticeText(
        N_("Välkommen till Stegvis"),
        N_("Din behandlare har gett dig tillgång till ett nytt stöd. Logga in för att komma igång."),
        "Nytt moment"),
    "reminder": NoticeText(
        N_("Påminnelse från Stegvis"),
        N_("Det finns något nytt för dig att göra. Logga in för att se vad."),
        "Påminnelse"),
    "activity_due": NoticeText(
        N_("Dags att registrera i Stegvis"),
        N_("Det är dags att göra en registrering. Logga in för att fylla i den."),
        "Aktivitet att registrera"),
    "flag_raised": NoticeText(
        "Ny händelse i Stegvis",
        "Det finns en ny händelse hos en av dina invånare. Logga in för att se den.",
        "Flagga till behandlare"),
    # urgent flags: sent at once to the responsible clinician whatever Min profil says, never batched
    "urgent_flag": NoticeText(
        "Brådskande händelse i Stegvis",
        "Det finns en brådskande händelse hos en av dina invånare. Logga in så snart du kan för att se den.",
        "Brådskande flagga till behandlare"),
    "urgent_unhandled": NoticeText(
        "Ohanterad brådskande händelse i Stegvis",
        "En brådskande händelse på din vårdenhet har inte hanterats. Logga in för att se den.",
        "Ohanterad brådskande flagga till Behörighetsadmin"),
}


class TemplateError(Exception):
    """A notice cannot be rendered: unknown template or missing link (a programming error; the notice fails)."""


@dataclass(frozen=True)
class Rendered:
    """What is sent: the e-mail subject (unused for SMS) and the body."""

    subject: str
    body: str


def login_url(base_url: str, recipient_kind: str) -> str:
    """The absolute login link for a recipient kind (staff or patient)."""
    return base_url.rstrip("/") + LOGIN_PATHS.get(recipient_kind, "/")


def render(template: str, channel: str, link: str, context: Mapping[str, Any] | None = None,
           language: str = DEFAULT_LANGUAGE) -> Rendered:
    """The subject and body of a notice in `language`; an SMS is one line, an e-mail adds a footer."""
    with force_locale(language):
        return _render(template, channel, link, context)


def _render(template: str, channel: str, link: str, context: Mapping[str, Any] | None) -> Rendered:
    text = TEMPLATES.get(template)
    if text is None:
        raise TemplateError(f"unknown notice template {template!r}; known: {', '.join(TEMPLATES)}")
    if text.own_link:
        link = str((context or {}).get("url") or "")
        if not _LINK.fullmatch(link):
            raise TemplateError(f"notice template {template!r} needs an http(s) link in context['url']")
    body, subject = gettext(text.text), gettext(text.subject)
    count = int((context or {}).get("count") or 1)
    if template == "flag_raised" and count > 1:  # batched staff notices say how many, never what
        body = f"Det finns {count} nya händelser hos dina invånare. Logga in för att se dem."
    if channel == "sms":
        return Rendered(subject, f"{body} {link}")
    return Rendered(subject, f"{gettext(EMAIL_GREETING)}\n\n{body}\n\n{link}\n\n{gettext(EMAIL_FOOTER)}\n")


def render_notice(notice) -> Rendered:
    """Render a Notice row with the app's BASE_URL, in the patient's language for a patient."""
    link = login_url(current_app.config["BASE_URL"], notice.recipient_kind)
    patient = db.session.get(Patient, notice.recipient_patient_id) if notice.recipient_patient_id else None
    language = patient.language if patient is not None and patient.language else DEFAULT_LANGUAGE
    return render(notice.template, notice.channel, link, notice.context, language)
