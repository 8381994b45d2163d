"""Byt lösenord: staff under Min profil, patients under Inställningar. Other sessions end at once."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from ... import clock
from ...i18n import gettext, lazy_gettext as _l
from .staff import bp as auth_bp
from ..core.password_policy import MAX_LENGTH, MIN_LENGTH
from ...patient import bp as patient_bp, patient_required
from ...services.core.password_change import change_password
from ...services.errors import ServiceError
from ...ui.helpers import show_service_error

#: staff pages are Swedish (page_language), so these read the same for staff as before
HELP = _l("Minst %(num)d tecken. Ett vanligt lösenord godtas inte; flera ord i följd är lätta att minnas.",
          num=MIN_LENGTH)


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Nuvarande lösenord"), validators=[DataRequired(_l("Ange ditt nuvarande lösenord.")),
                                                                  Length(max=MAX_LENGTH)],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("Nytt lösenord"), validators=[DataRequired(_l("Ange ett nytt lösenord.")),
                                                          Length(max=MAX_LENGTH)],
                        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Nytt lösenord igen"), validators=[DataRequired(_l("Skriv det nya lösenordet igen."))],
                            render_kw={"autocomplete": "new-password"})


def _page(template: str, done_endpoint: str):
    form = PasswordForm()
    if form.validate_on_submit():
        done = _change(form, done_endpoint)
        if done:
            return done
    return render_template(template, form=form, help=HELP), 422 if form.errors else 200


def _change(form: PasswordForm, done_endpoint: str):
    try:
        change_password(current_user._get_current_object(), current=form.current.data, new=form.new.data,
                        confirm=form.confirm.data, now=clock.now(), keep_session=getattr(session, "sid", None))
    except ServiceError as exc:
        show_service_error(form, exc, translate=gettext)
        return None
    session.rotate()  # a new id for the session that changed the password
    flash(gettext("Lösenordet är bytt. Du är utloggad på alla andra enheter."), "success")
    return redirect(url_for(done_endpoint))


@auth_bp.route("/min-profil/losenord", methods=["GET", "POST"])
@login_required
def staff_password():
    """Byt lösenord for a staff member with a local password."""
    if getattr(current_user, "kind", None) != "staff" or not current_user.password_hash:
        abort(403)
    return _page("auth/password.html", "auth.profile")


@patient_bp.route("/invanare/installningar/losenord", methods=["GET", "POST"])
@patient_required
def patient_password():
    """Byt lösenord for a patient (a forgotten password: the clinician makes a new activation link)."""
    if not current_user.password_hash:
        abort(404)
    return _page("patient/password.html", "patient.settings")
