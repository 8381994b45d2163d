"""The patient interface in other languages: Flask-Babel with the patient's own language.

Staff pages are always Swedish. A logged-in patient's pages use `Patient.language` (Inställningar):
`_()`-marked template strings come from web/translations/<lang>/LC_MESSAGES/messages.mo (committed
next to their .po; `scripts/i18n.sh` extracts and compiles them), `<html lang dir>` follows, and
Arabic is laid out right to left.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, g, has_request_context, request, session
from flask.globals import _cv_app, _cv_request
from flask_babel import Babel, get_translations
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

#: languages a patient may choose, each named in itself (Inställningar), Swedish first
LANGUAGES = {"sv": "Svenska", "en": "English", "ar": "العربية"}
DEFAULT_LANGUAGE = "sv"
RIGHT_TO_LEFT = frozenset({"ar"})
TRANSLATIONS_DIR = str(Path(__file__).parent / "translations")

babel = Babel()


#: the query parameter of the patient login page's language links
LANGUAGE_PARAMETER = "sprak"


def page_language() -> str:
    """The language of the current page: the logged-in patient's; on the patient pages before login the one
    chosen on the login page (?sprak=) or kept from the patient's last logout; else Swedish."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    if getattr(current_user, "kind", None) == "patient" and current_user.is_authenticated:
        # patient_required keeps it in g before any commit expires the patient row (no extra query)
        language = g.get("language") or getattr(current_user, "language", None)
    elif not current_user.is_authenticated and request.blueprint == "patient":
        language = request.args.get(LANGUAGE_PARAMETER) or session.get("language")
    else:
        language = None
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def text_direction(language: str) -> str:
    """"rtl" for right-to-left languages, else "ltr"."""
    return "rtl" if language in RIGHT_TO_LEFT else "ltr"


def init_app(app: Flask) -> None:
    """Bind Flask-Babel (locale = page_language) and give templates page_lang/page_dir."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", TRANSLATIONS_DIR)
    babel.init_app(app, locale_selector=page_language)
    # Swedish is the source language (no catalog): its `_()` is the text itself. Flask-Babel's own callables
    # find the translations through four lookups per call (a step page makes about 25 calls); these skip
    # them once the request's locale is known to be Swedish, and ask Flask-Babel otherwise (also under
    # force_locale, which sets the locale they read).
    app.jinja_env.install_gettext_callables(
        gettext=gettext, ngettext=_ngettext, newstyle=True,
        pgettext=lambda c, s: get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: get_translations().unpgettext(c, s, p, n))
    # Jinja's `_()` resolves `gettext` from the context and calls it through two more context calls (the
    # newstyle wrapper, then the function): the same in one call (`template_gettext`, tests/web/test_i18n_templates.py)
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext)

    @app.context_processor
    def language_globals():
        language = page_language()
        return {"page_lang": language, "page_dir": text_direction(language), "text_direction": text_direction,
                "languages": LANGUAGES, "language_parameter": LANGUAGE_PARAMETER}


def _source_language() -> bool:
    """Whether this request's locale, once Flask-Babel has chosen it, is Swedish (the texts as written).

    Read from the context variables behind `has_request_context()` and `g` (a page asks some forty times;
    through the proxies each question cost six Python calls)."""
    app_context = _cv_app.get(None)
    if app_context is None or _cv_request.get(None) is None:
        return False
    locale = getattr(getattr(app_context.g, "_flask_babel", None), "babel_locale", None)
    return locale is not None and locale.language == DEFAULT_LANGUAGE and not locale.territory


def _ngettext(singular: str, plural: str, n: int) -> str:
    if _source_language():
        return singular if n == 1 else plural
    return get_translations().ungettext(singular, plural, n)


def gettext(string: str, **variables) -> str:
    """Flask-Babel's `gettext` (same result), without its lookups once the page is known to be Swedish."""
    text = string if _source_language() else get_translations().ugettext(string)
    return text % variables if variables else text


def _trusted(text: str) -> Markup:
    """`Markup(text)` for a str (what Markup.__new__ ends in)."""
    return str.__new__(Markup, text)


@pass_eval_context
def template_gettext(eval_ctx, string: str, /, **variables) -> str:
    """The templates' `_()` and `gettext()`: Jinja's newstyle gettext over `gettext` (escaped when the template
    autoescapes, always %-formatted), without resolving `gettext` from the context per call."""
    text = gettext(string)
    if not variables and "%" not in text:  # nothing to format: `text % {}` is the text (no Markup.__mod__)
        return _trusted(text) if eval_ctx.autoescape else text
    return (Markup(text) if eval_ctx.autoescape else text) % variables


@pass_eval_context
def template_ngettext(eval_ctx, singular: str, plural: str, num: int, /, **variables) -> str:
    """The templates' `ngettext()`: Jinja's newstyle ngettext over `_ngettext` (num given to the format)."""
    variables.setdefault("num", num)
    text = _ngettext(singular, plural, num)
    return (Markup(text) if eval_ctx.autoescape else text) % variables


def lazy_gettext(string: str, **variables) -> LazyString:
    """Flask-Babel's `lazy_gettext` through `gettext` above (form labels and messages, translated when shown)."""
    return LazyString(gettext, string, **variables)


def N_(text: str) -> str:
    """Mark a text for extraction only; it is translated where it is shown."""
    return text


#: labels the templates translate with `_(LABELS[key])`, listed for pybabel (web.ui.templating owns them)
MARKED_LABELS = (N_("Färdig"), N_("Påbörjad"), N_("Ej påbörjad"), N_("Pågående"), N_("Vidmakthåll"),
                 N_("Avslutat"), N_("Personnummer och lösenord"), N_("E-legitimation"))

#: fixed answer and form messages of engine.forms and web.services.patient.forms, translated where shown
#: (tests/web/test_patient_language.py checks this list against their constants)
MARKED_MESSAGES = (
    N_("Frågan måste besvaras."), N_("Ange ett tal."), N_("Ange ett heltal."), N_("Ange ett datum (ÅÅÅÅ-MM-DD)."),
    N_("Ange en tid (TT:MM)."), N_("Svara ja eller nej."), N_("Välj ett av alternativen."),
    N_("Ange bara ett svar."), N_("Ange en text."), N_("Svaret får vara högst 5000 tecken."),
    N_("Svaren kunde inte skickas in. Rätta det som är markerat."),
    N_("Utkastet är sparat, men några svar kunde inte läsas. Rätta det som är markerat."),
)

#: the services' messages a patient can meet (messages, activities, passwords, Inställningar), translated
#: where shown; the ones with a number carry today's limit (tests/web/test_patient_pages_language.py checks them)
MARKED_SERVICE_MESSAGES = (
    N_("Meddelandet skickades inte."), N_("Ange ett ämne."), N_("Ämnet får vara högst 200 tecken."),
    N_("Skriv ett meddelande."), N_("Meddelandet får vara högst 10000 tecken."),
    N_("Välj ett tillfälle att fylla i."), N_("Aktiviteten kunde inte sparas. Rätta det som är markerat."),
    N_("Skriv högst 2000 tecken."),
    N_("Lösenordet byttes inte."), N_("Nuvarande lösenord stämmer inte."), N_("Lösenorden är inte lika."),
    N_("Lösenordet måste ha minst 12 tecken."), N_("Lösenordet får ha högst 200 tecken."),
    N_("Lösenordet är för vanligt eller för enkelt. Välj ett längre lösenord, gärna flera ord."),
    N_("Lösenordet får inte innehålla ditt användarnamn eller personnummer."),
    N_("Lösenordet kunde inte sparas."), N_("Länken är ogiltig eller för gammal. Be din behandlare om en ny."),
    N_("Inställningarna kunde inte sparas."), N_("Ange ett mobilnummer för att få sms-aviseringar."),
    N_("Ange en e-postadress för att få e-postaviseringar."), N_("Välj ett av språken i listan."),
    N_("Ange en giltig e-postadress, till exempel namn@exempel.se."),
    N_("Ange ett svenskt mobilnummer, till exempel 070-123 45 67."), N_("Du är utloggad."),
)

#: the error pages' titles and texts (web/__init__.py, web/ops), which a patient may meet
MARKED_ERROR_PAGES = (
    N_("Felaktig begäran"), N_("Begäran kunde inte tolkas. Ladda om sidan och försök igen."),
    N_("Åtkomst nekad"), N_("Du har inte behörighet till den här sidan."),
    N_("Sidan finns inte"), N_("Sidan du söker finns inte, eller så har du inte tillgång till den."),
    N_("För mycket data"), N_("Det du skickade var för stort. Korta texten och försök igen."),
    N_("För många försök"), N_("Vänta en stund och försök igen."),
    N_("Något gick fel"),
    N_("Något gick fel hos oss. Försök igen om en stund. Kontakta supporten och uppge felkoden om felet kvarstår."),
    N_("Ett oväntat fel inträffade. Försök igen om en stund. Om felet kvarstår, ange felkoden."),
)
