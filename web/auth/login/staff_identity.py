"""Who is logging in: identity providers behind one small interface.

Local accounts with passwords today; a regional IdP (SITHS through OIDC or SAML) can be added as
another provider returning the same `User`, without touching the views.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

from flask import current_app

from ...extensions import db
from ...models import User
from ..core.passwords import verify_password


class IdentityProvider(ABC):
    """Turns credentials into a staff User, or None when they are not valid."""

    #: shown on the login page, e.g. "Lokalt konto"
    label: str = ""

    @abstractmethod
    def authenticate(self, username: str, password: str) -> User | None:
        """The active user these credentials belong to, or None."""


class LocalPasswordProvider(IdentityProvider):
    """Local staff accounts with argon2-hashed passwords."""

    label = "Lokalt konto"

    def authenticate(self, username: str, password: str) -> User | None:
        """The active user with this user name and password, or None."""
        user = db.session.execute(
            db.select(User).where(User.username == username.strip().lower())
        ).scalar_one_or_none()
        # always one argon2 verification, whether or not the user exists (constant-time failure)
        matches = verify_password(user.password_hash if user is not None else None, password)
        if user is None or not user.active or not matches:
            return None
        return user


def provider() -> IdentityProvider:
    """The configured identity provider (IDENTITY_PROVIDER; default: local passwords)."""
    factory = current_app.config.get("IDENTITY_PROVIDER") or LocalPasswordProvider
    return factory()


class OidcStaffProvider:
    """Staff log in at the region's OpenID provider (SITHS e-tjänstekort); matched by HSA-id.

    A redirect flow, so not `authenticate(username, password)`: `start` gives the provider's URL and
    the pending request to keep in the session, `complete` turns the callback into the staff User.
    """

    label = "E-tjänstekort (SITHS)"
    audience = "staff"

    def start(self, redirect_uri: str, now_ts: float) -> tuple[str, dict]:
        from ...services.core import oidc

        return oidc.begin(self.audience, redirect_uri, now_ts)

    def complete(self, pending: dict | None, args: dict, now_ts: float):
        """(User, Identity); raises oidc.OidcRefused with a Swedish message."""
        from ...services.core import oidc, oidc_accounts

        identity = oidc.finish(pending, args, now_ts)
        return oidc_accounts.staff_for(identity), identity


def oidc_provider() -> OidcStaffProvider | None:
    """The staff OpenID provider when one is configured (STEGVIS_OIDC_[STAFF_]ISSUER), else None."""
    from ...services.core import oidc

    return OidcStaffProvider() if oidc.enabled("staff") else None
