"""Patient login (personnummer + password), activation by one-time link, logout and Inställningar."""
from __future__ import annotations

from flask import current_app, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext, lazy_gettext as _l, refresh
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from .. import clock
from ..auth.core.sessions import seconds_left
from ..ui.helpers import safe_next
from ..ui.forms import NextQuery
from ..i18n import LANGUAGES
from ..auth.login.patient_identity import patient_oidc_provider, patient_provider
from ..services.core import accounts as patient_accounts
from ..services.patient import language as patient_language
from ..services.errors import ServiceError
from ..services.core import logins
from ..ui.helpers import end_session, show_service_error
from .blueprint import bp, patient_required


class PatientLoginForm(FlaskForm):
    """Personnummer and password."""

    personnummer = StringField(_l("Personnummer"), validators=[DataRequired(_l("Ange ditt personnummer.")),
                                                                   Length(max=20)],
                               render_kw={"autocomplete": "username", "inputmode": "numeric"})
    password = PasswordField(_l("Lösenord"), validators=[DataRequired(_l("Ange ditt lösenord.")), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})


class ActivationForm(FlaskForm):
    """The first password, typed twice."""

    password = PasswordField(_l("Välj ett lösenord"), validators=[DataRequired(_l("Välj ett lösenord."))],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Skriv lösenordet igen"), validators=[DataRequired(_l("Skriv lösenordet igen."))],
                            render_kw={"autocomplete": "new-password"})


class SettingsForm(FlaskForm):
    """Inställningar: language, addresses and which notices to get (labels in the patient's language)."""

    #: each language named in itself, marked with its own lang for screen readers
    language = SelectField(_l("Språk"), choices=[SelectChoice(code, name, render_kw={"lang": code})
                                                 for code, name in LANGUAGES.items()])
    mobile = StringField(_l("Mobilnummer"), validators=[Length(max=32)],
                         render_kw={"autocomplete": "tel", "type": "tel"})
    email = StringField(_l("E-postadress"), validators=[Length(max=254)],
                        render_kw={"autocomplete": "email", "type": "email"})
    notify_sms = BooleanField(_l("Sms-avisering när jag har fått ett nytt meddelande"))
    notify_email = BooleanField(_l("E-postavisering när jag har fått ett nytt meddelande"))


@bp.route("/invanare/logga-in", methods=["GET", "POST"])
def login():
    """Log in with personnummer and password; rate-limited per number and address."""
    if current_user.is_authenticated and getattr(current_user, "kind", None) == "patient":
        return redirect(url_for("patient.programs"))
    form = PatientLoginForm()
    provider = patient_provider()
    if form.validate_on_submit():
        now, ip = clock.now(), request.remote_addr or "-"
        attempt, blocked = patient_accounts.begin_login(form.personnummer.data, ip, now)
        if blocked:
            flash(gettext("För många misslyckade inloggningar. Vänta en stund och försök igen."), "error")
            return render_template("patient/login.html", form=form, provider=provider, oidc=patient_oidc_provider()), 429
        patient = provider.authenticate(form.personnummer.data, form.password.data)
        if patient is not None:
            logins.succeed(attempt, now, patient)
        if patient is None:
            logins.fail(attempt, now)
            flash(gettext("Fel personnummer eller lösenord."), "error")
            return render_template("patient/login.html", form=form, provider=provider, oidc=patient_oidc_provider()), 200
        session.clear()  # nothing survives from before the login (session fixation)
        login_user(patient)
        session["auth_level"] = "password"  # the level of assurance (web.services.core.assurance)
        return redirect(safe_next(NextQuery(request.args).next.data) or url_for("patient.programs"))
    return render_template("patient/login.html", form=form, provider=provider, oidc=patient_oidc_provider())


@bp.route("/invanare/aktivera/<token>", methods=["GET", "POST"])
def activate(token: str):
    """The one-time link from the notice: the patient chooses a password, then logs in."""
    now = clock.now()
    if patient_accounts.patient_for_token(token, now) is None:
        return render_template("patient/activate.html", form=None), 404
    form = ActivationForm()
    if form.validate_on_submit():
        try:
            patient_accounts.activate(token, form.password.data, form.confirm.data, now)
        except ServiceError as exc:
            show_service_error(form, exc, translate=gettext)
        else:
            flash(gettext("Ditt konto är aktiverat. Logga in med ditt personnummer och lösenordet du valde."), "success")
            return redirect(url_for("patient.login"))
    return render_template("patient/activate.html", form=form)


@bp.route("/invanare/logga-ut", methods=["POST"])
def logout():
    """Log out (POST only, so a link elsewhere cannot log the patient out); the login page keeps their language."""
    language = getattr(current_user, "language", None) if getattr(current_user, "kind", None) == "patient" else None
    return end_session("patient.login", language)


@bp.post("/invanare/fortsatt-inloggad")
@patient_required
def keep_alive():
    """Fortsätt vara inloggad: this request is the activity that keeps the session (JSON for the idle warning)."""
    left = seconds_left(current_app, session)
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"seconds_left": left})
    return redirect(safe_next(request.form.get("next")) or url_for("patient.programs"))


@bp.route("/invanare/installningar", methods=["GET", "POST"])
@patient_required
def settings():
    """Inställningar: language, mobile number, e-mail, and SMS / e-mail notices on or off."""
    form = SettingsForm(obj=g.patient)
    if form.validate_on_submit():
        try:
            patient_accounts.update_settings(
                g.patient, mobile=form.mobile.data or "", email=form.email.data or "",
                notify_sms=form.notify_sms.data, notify_email=form.notify_email.data,
            )
            patient_language.set_language(g.patient, form.language.data)
        except ServiceError as exc:
            show_service_error(form, exc, translate=gettext)
            return render_template("patient/settings.html", form=form), 422
        g.language = form.language.data
        refresh()  # the confirmation in the language just chosen
        flash(gettext("Inställningarna är sparade."), "success")
        return redirect(url_for("patient.settings"))
    return render_template("patient/settings.html", form=form)
