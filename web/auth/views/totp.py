"""Tvåstegsverifiering: the one-time code after the password, enrolment (at login or on Min profil), removal."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from ... import clock
from .staff import bp
from ..login.steps import pending_user, start_session
from ...services.core import assurance, logins, totp

TOO_MANY = "För många felaktiga försök. Vänta en stund och försök igen."


class CodeForm(FlaskForm):
    code = StringField("Engångskod", validators=[DataRequired("Ange engångskoden."), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "spellcheck": "false"})


class EnrolForm(FlaskForm):
    """Step 1 (steg=start) makes the secret; step 2 (steg=bekrafta) confirms it with a code."""

    steg = HiddenField(default="start")
    code = StringField("Engångskod från appen", validators=[Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


def _check(user, form: CodeForm):
    """Rate-limited verification: 'totp', 'recovery', None (wrong) or 'blocked'."""
    now, ip = clock.now(), request.remote_addr or "-"
    attempt, blocked = logins.begin_attempt(totp.ATTEMPT_PREFIX + user.username, ip, now)
    if blocked:
        return "blocked"
    result = totp.verify(user, form.code.data, now)
    if result:
        logins.succeed(attempt, now)
    return result


@bp.route("/logga-in/engangskod", methods=["GET", "POST"])
def totp_verify():
    """The second step of a login with a password: the code from the app (or a recovery code)."""
    user, pending = pending_user(enrol=False)
    if user is None:
        flash("Logga in med ditt användarnamn och lösenord först.", "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        result = _check(user, form)
        if result == "blocked":
            flash(TOO_MANY, "error")
            return render_template("auth/totp_verify.html", form=form), 429
        if result:
            if result == "recovery":
                flash(f"Du loggade in med en återställningskod. Du har {totp.recovery_left(user)} kvar.", "info")
            return redirect(start_session(user, "password+totp", next_url=pending.get("next")))
        form.code.errors = ["Fel engångskod. Kontrollera koden i appen och försök igen."]
    return render_template("auth/totp_verify.html", form=form), 422 if form.errors else 200


def _enrol(user, done_url: str | None, on_confirm):
    """The enrolment page: explanation → QR code and secret → recovery codes (shown once)."""
    form = EnrolForm()
    if form.validate_on_submit():
        now = clock.now()
        if form.steg.data == "bekrafta" and session.get("totp_new_secret"):
            secret = session["totp_new_secret"]
            attempt, blocked = logins.begin_attempt(totp.ATTEMPT_PREFIX + user.username, request.remote_addr or "-",
                                                    now)
            codes = None if blocked else totp.confirm_enrolment(user, secret, form.code.data or "", now)
            if blocked:
                flash(TOO_MANY, "error")
            elif codes:
                logins.succeed(attempt, now)
                session.pop("totp_new_secret", None)
                next_url = on_confirm()
                return render_template("auth/totp_codes.html", codes=codes, next_url=next_url or done_url)
            form.code.errors = ["Fel engångskod. Kontrollera att appen visar koden för Stegvis och försök igen."]
        else:
            secret = totp.new_secret()
            session["totp_new_secret"] = secret
        uri = totp.provisioning_uri(user, secret)
        form.steg.data = "bekrafta"
        return render_template("auth/totp_enrol.html", form=form, qr=totp.qr_svg(uri),
                               secret=totp.grouped(secret), user=user), 422 if form.code.errors else 200
    return render_template("auth/totp_enrol.html", form=form, qr=None, user=user,
                           required=assurance.totp_required(user))


@bp.route("/logga-in/aktivera-tvastegsverifiering", methods=["GET", "POST"])
def totp_enrol_login():
    """A role that needs a second factor and none enrolled: enrolment before the first session."""
    user, pending = pending_user(enrol=True)
    if user is None:
        flash("Logga in med ditt användarnamn och lösenord först.", "info")
        return redirect(url_for("auth.login"))
    return _enrol(user, None, lambda: start_session(user, "password+totp", next_url=pending.get("next")))


@bp.route("/min-profil/tvastegsverifiering", methods=["GET", "POST"])
@login_required
def totp_profile():
    """Min profil → Tvåstegsverifiering: enrol, or see the status and remove it."""
    if getattr(current_user, "kind", None) != "staff":
        abort(403)
    user = current_user._get_current_object()
    if totp.enabled(user):
        return render_template("auth/totp_status.html", form=CodeForm(), user=user,
                               required=assurance.totp_required(user), left=totp.recovery_left(user))
    return _enrol(user, url_for("auth.profile"), lambda: None)


@bp.route("/min-profil/tvastegsverifiering/ta-bort", methods=["POST"])
@login_required
def totp_remove():
    """Remove the second factor (a current code proves it is the owner); not when a role requires it."""
    if getattr(current_user, "kind", None) != "staff":
        abort(403)
    user = current_user._get_current_object()
    if not totp.enabled(user):
        return redirect(url_for("auth.totp_profile"))
    required = assurance.totp_required(user)
    form = CodeForm()
    if required:
        flash("Din roll kräver tvåstegsverifiering. Den kan inte tas bort.", "error")
        return redirect(url_for("auth.totp_profile"))
    if form.validate_on_submit():
        result = _check(user, form)
        if result == "blocked":
            flash(TOO_MANY, "error")
        elif result:
            totp.disable(user, clock.now())
            flash("Tvåstegsverifieringen är borttagen.", "success")
            return redirect(url_for("auth.profile"))
        else:
            form.code.errors = ["Fel engångskod."]
    return render_template("auth/totp_status.html", form=form, user=user, required=required,
                           left=totp.recovery_left(user)), 422
