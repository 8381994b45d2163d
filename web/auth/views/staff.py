"""Staff login, choice of care unit, profile (Min profil) and logout."""
from __future__ import annotations


from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ... import clock
from ...ui.forms import NextQuery
from ..login.staff_identity import oidc_provider, provider
from ..login.steps import after_password
from ...services.clinician import staff as staff_service
from ...services.core import assurance, logins
from ...services.errors import ServiceError
from ...ui.helpers import end_session, safe_next, show_service_error

bp = Blueprint("auth", __name__)
#: a plausible address (something@domain.tld); delivery proves the rest
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
PASSWORD_OFF = "Inloggning med lösenord är inte tillåten här. Logga in med e-tjänstekort."


class LoginForm(FlaskForm):
    username = StringField("Användarnamn", validators=[DataRequired("Ange ditt användarnamn.")])
    password = PasswordField("Lösenord", validators=[DataRequired("Ange ditt lösenord.")])


class UnitForm(FlaskForm):
    unit = RadioField("Vårdenhet", coerce=int, validators=[DataRequired("Välj en vårdenhet.")])


class ProfileForm(FlaskForm):
    email = StringField("E-postadress", validators=[Optional(), Regexp(EMAIL, message="Ange en giltig e-postadress."),
                                                   Length(max=254)])
    mobile = StringField("Mobilnummer", validators=[Optional(), Length(max=32)])
    notify_email = BooleanField("E-postavisering när något nytt händer hos mina invånare")
    notify_sms = BooleanField("Sms-avisering när något nytt händer hos mina invånare")


@bp.route("/logga-in", methods=["GET", "POST"])
def login():
    """Log in with the identity provider; rate-limited per user name and address."""
    if current_user.is_authenticated and getattr(current_user, "kind", None) == "staff":
        return redirect(url_for("clinician.home"))
    form = LoginForm()
    staff_oidc = oidc_provider()
    if not assurance.staff_level_allowed("password+totp"):
        # STEGVIS_MIN_STAFF_LOA=oidc: passwords are not enough here, whatever was typed
        if form.is_submitted():
            assurance.refuse(clock.now(), "Personal: inloggning med lösenord är avstängd (STEGVIS_MIN_STAFF_LOA)")
            flash(PASSWORD_OFF, "error")
        return render_template("auth/login.html", form=None, oidc=staff_oidc), 403 if form.is_submitted() else 200
    if form.validate_on_submit():
        now = clock.now()
        ip = request.remote_addr or "-"
        attempt, blocked = logins.begin_attempt(form.username.data, ip, now)
        if blocked:
            flash("För många misslyckade inloggningar. Vänta en stund och försök igen.", "error")
            return render_template("auth/login.html", form=form, oidc=staff_oidc), 429
        user = provider().authenticate(form.username.data, form.password.data)
        if user is None:
            logins.fail(attempt, now)
            flash("Fel användarnamn eller lösenord.", "error")
            return render_template("auth/login.html", form=form, oidc=staff_oidc), 200
        # the second factor when enrolled or required, then the session with its level (web.auth.login.steps)
        return after_password(user, attempt, now, safe_next(NextQuery(request.args).next.data))
    return render_template("auth/login.html", form=form, oidc=staff_oidc)


@bp.route("/valj-vardenhet", methods=["GET", "POST"])
@login_required
def choose_unit():
    """Välj vårdenhet: a clinician in several units picks the one they work in now."""
    if getattr(current_user, "kind", None) != "staff":
        abort(403)
    memberships = current_user.memberships
    if not memberships:
        flash("Du är inte med i någon vårdenhet. Kontakta din behörighetsadmin.", "error")
        return render_template("auth/choose_unit.html", form=None), 403
    form = UnitForm()
    form.unit.choices = [(m.care_unit_id, m.care_unit.display_name) for m in memberships]
    if request.method == "GET" and session.get("unit_id"):
        form.unit.data = session["unit_id"]
    if form.validate_on_submit():
        if session.get("unit_id") != form.unit.data:
            session.rotate()  # other roles now: a new session id (a privilege change)
        session["unit_id"] = form.unit.data
        return redirect(safe_next(NextQuery(request.args).next.data) or url_for("clinician.home"))
    return render_template("auth/choose_unit.html", form=form)


@bp.route("/logga-ut", methods=["POST"])
def logout():
    """Log out (POST only, so a link on another site cannot log anyone out)."""
    return end_session("auth.login")


@bp.route("/min-profil", methods=["GET", "POST"])
@login_required
def profile():
    """Min profil: e-post and SMS notices for the logged-in staff member."""
    if getattr(current_user, "kind", None) != "staff":
        abort(403)
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            staff_service.update_profile(
                current_user, email=(form.email.data or "").strip(), mobile=(form.mobile.data or "").strip(),
                notify_email=form.notify_email.data, notify_sms=form.notify_sms.data,
            )
        except ServiceError as exc:
            show_service_error(form, exc)
        else:
            flash("Profilen är sparad.", "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form)
