"""The Stegvis web app: `create_app()` builds a fresh, fully configured Flask app."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from flask import Flask, render_template, request, session

from .ops import robustness
from .ops.application import StegvisFlask
from .config import build_config
from .extensions import compress, csrf, db, login_manager, migrate
from .paths import MIGRATIONS_DIR


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: validated config, extensions, programs, blueprints, template helpers."""
    config = build_config(test_config)
    app = StegvisFlask(__name__)
    app.config.update(config)

    robustness.install_converters(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.config["DATA_DIR"]).mkdir(parents=True, exist_ok=True)
        robustness.private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])

    from . import models  # noqa: F401  (register the tables on db.metadata)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    from .auth.core.sessions import DatabaseSessionInterface

    app.session_interface = DatabaseSessionInterface()
    _init_login(app)

    from .content import programs

    programs.init_app(app)

    from .auth.views.staff import bp as auth_bp
    from .clinician import bp as clinician_bp

    from .auth.views import passwords  # noqa: F401  (Byt lösenord routes on the auth and patient blueprints)
    from .auth.views import oidc, totp  # noqa: F401  (OIDC login, second factor: auth and patient routes)

    app.register_blueprint(auth_bp)
    app.register_blueprint(clinician_bp)

    from .author import bp as author_bp
    from .patient import bp as patient_bp

    app.register_blueprint(patient_bp)
    app.register_blueprint(author_bp)

    from .notify.admin import bp as notices_bp

    app.register_blueprint(notices_bp)

    from .ui.templating import init_app as init_templating
    from .i18n import init_app as init_i18n

    init_templating(app)
    from .ops import security

    security.init_app(app)
    init_i18n(app)
    _register_errors(app)
    from .ops.endpoints import init_app as init_ops

    init_ops(app)  # /healthz, /readyz, /metrics, request ids, 503 when the database is unreachable
    robustness.init_app(app)
    _init_compression(app)
    app.add_url_rule("/favicon.ico", "favicon", lambda: app.send_static_file("favicon.ico"))
    return app


def _init_compression(app: Flask) -> None:
    """zstd, brotli or gzip for pages, CSS, JS and JSON (Hantera: about 52 KB less).

    Streamed responses (exports, audio with Range requests) go out as they are written. Static files
    are sent as streams too, so they are read into memory first (a few KB each) and then compressed
    like a page: flask-compress's streaming mode would leave the file open and drop gzip."""
    app.config.setdefault("COMPRESS_STREAMS", False)
    compress.init_app(app)

    @app.after_request  # registered after flask-compress, so it runs before it
    def buffer_static(response):
        if request.endpoint in ("static", "favicon") and response.status_code == 200 and response.is_streamed:
            response.direct_passthrough = False
            opened = response.response
            response.make_sequence()  # reads the whole file
            if hasattr(opened, "close"):
                opened.close()  # now, not when the server closes the response
        return response


def _init_login(app: Flask) -> None:
    from .models import CareUnit, Membership, Patient, User

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Logga in för att fortsätta."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str):
        owner = getattr(session, "owner_row", None)
        if owner is not None and getattr(session, "loaded_owner", None) == user_id:
            return owner  # joined to the session row (on this key) in this request's database session
        kind, _, raw_id = user_id.partition(":")
        if not raw_id.isdigit():
            return None
        model = {"staff": User, "patient": Patient}.get(kind)
        if model is User:  # staff pages read the memberships (roles, unit and its region) on every request
            return db.session.get(User, int(raw_id), options=[
                db.joinedload(User.memberships).joinedload(Membership.care_unit).joinedload(CareUnit.region)])
        return db.session.get(model, int(raw_id)) if model else None


def _register_errors(app: Flask) -> None:
    messages = {
        400: ("Felaktig begäran", "Begäran kunde inte tolkas. Ladda om sidan och försök igen."),
        403: ("Åtkomst nekad", "Du har inte behörighet till den här sidan."),
        404: ("Sidan finns inte", "Sidan du söker finns inte, eller så har du inte tillgång till den."),
        413: ("För mycket data", "Det du skickade var för stort. Korta texten och försök igen."),
        429: ("För många försök", "Vänta en stund och försök igen."),
    }
    for code, (title, text) in messages.items():
        def handler(error, code=code, title=title, text=text):
            return render_template("error.html", code=code, title=title, text=text), code

        app.register_error_handler(code, handler)
