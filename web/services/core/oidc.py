"""OpenID Connect relying party (Authlib): authorization code flow with PKCE S256, state and nonce, and
full ID token validation (OpenID Connect Core 1.0 §3.1.3.7).

- discovery: `<issuer>/.well-known/openid-configuration`, fetched once per process (and again after an
  hour); its `issuer` must equal the configured one (Discovery §4.3)
- the authorization request carries `state`, `nonce`, `code_challenge` (S256) and, when the region
  allows only some levels, `acr_values`
- the callback checks `state`, the RFC 9207 `iss` parameter when present, exchanges the code with the
  `code_verifier`, and validates the ID token: signature against the JWKS from discovery (fetched again
  when a token names an unknown `kid`: key rotation), `iss`, `aud` (= client id, `azp` when several),
  `exp`/`iat` (120 s leeway), `nonce`, and `acr` against the allowed values
- the identifying claim (HSA-id or personnummer) is read from the ID token, or from userinfo when the
  provider releases it only there (userinfo's `sub` must then equal the ID token's)

Settings come from app.config["OIDC_STAFF"] / ["OIDC_PATIENT"] (web.auth.core.settings).
"""
from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, cast

from authlib.integrations.base_client import BaseApp, OAuth2Mixin, OAuthError, OpenIDMixin
from authlib.integrations.requests_client import OAuth2Session
from flask import current_app
from joserfc.errors import JoseError

log = logging.getLogger(__name__)
#: seconds for every request to the provider
TIMEOUT = 10
#: discovery and JWKS are fetched again after this many seconds
METADATA_SECONDS = 3600
#: an authorization request must come back within this many seconds
PENDING_SECONDS = 600


class OidcRefused(Exception):
    """The login did not check out; `message` is for the user (Swedish), `reason` for the log and audit."""

    def __init__(self, message: str, reason: str):
        super().__init__(reason)
        self.message = message
        self.reason = reason


@dataclass(frozen=True)
class Identity:
    """A verified login at the provider."""

    audience: str
    subject: str
    #: the HSA-id (staff) or personnummer (patients), as the configured claim carried it
    identifier: str
    name: str
    given_name: str
    family_name: str
    acr: str | None
    id_token: str


class _NoFramework:
    """Authlib's OAuth2Mixin reports refreshed tokens to its framework; this relying party keeps none."""

    def update_token(self, *args, **kwargs):
        pass


class RelyingParty(OAuth2Mixin, OpenIDMixin, BaseApp):
    """Authlib's client without its Flask session storage: the pending request lives in our own session."""

    client_cls = OAuth2Session


_cache: dict[tuple, tuple[float, RelyingParty]] = {}
_lock = threading.Lock()


def settings(audience: str) -> dict[str, Any] | None:
    """The configured provider of "staff" or "patient", or None."""
    return current_app.config.get(f"OIDC_{audience.upper()}")


def enabled(audience: str) -> bool:
    return settings(audience) is not None


def _party(audience: str) -> RelyingParty:
    conf = settings(audience)
    if conf is None:
        raise OidcRefused("Inloggning med e-legitimation är inte påslagen.", f"no OIDC provider for {audience}")
    key = (audience, conf["issuer"], conf["client_id"], conf["client_secret"], conf["scopes"])
    with _lock:
        cached = _cache.get(key)
        if cached is not None and time.monotonic() - cached[0] < METADATA_SECONDS:
            return cached[1]
        party = RelyingParty(
            _NoFramework(), name=f"oidc-{audience}", client_id=conf["client_id"],
            client_secret=conf["client_secret"],
            server_metadata_url=conf["issuer"].rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": conf["scopes"], "code_challenge_method": "S256", "timeout": TIMEOUT},
        )
        _cache[key] = (time.monotonic(), party)
        return party


def _metadata(party: RelyingParty, issuer: str) -> dict:
    try:
        metadata = party.load_server_metadata()
    except Exception as exc:  # network, HTTP status, JSON: the provider cannot be reached
        raise OidcRefused(UNREACHABLE, f"discovery failed: {exc!r}") from exc
    if metadata.get("issuer") != issuer:
        raise OidcRefused(REFUSED, f"discovery issuer {metadata.get('issuer')!r} is not {issuer!r}")
    return metadata


UNREACHABLE = "Inloggningstjänsten svarar inte just nu. Försök igen om en stund."
REFUSED = "Inloggningen kunde inte godkännas. Försök igen, eller kontakta supporten om felet kvarstår."
CANCELLED = "Inloggningen avbröts. Du är inte inloggad."
EXPIRED = "Inloggningen tog för lång tid eller startades i ett annat fönster. Försök igen."


def begin(audience: str, redirect_uri: str, now_ts: float) -> tuple[str, dict]:
    """(authorization URL, the pending request to keep in the session until the callback)."""
    conf = cast(dict[str, Any], settings(audience))  # begin() is reached only for a configured audience
    party = _party(audience)
    _metadata(party, conf["issuer"])
    extra = {"acr_values": " ".join(conf["acr_values"])} if conf["acr_values"] else {}
    request = party.create_authorization_url(redirect_uri=redirect_uri, state=secrets.token_urlsafe(32),
                                             nonce=secrets.token_urlsafe(32), **extra)
    pending = {"audience": audience, "state": request["state"], "nonce": request["nonce"],
               "verifier": request["code_verifier"], "redirect_uri": redirect_uri, "at": now_ts}
    return request["url"], pending


def finish(pending: dict | None, args: dict[str, str], now_ts: float) -> Identity:
    """Check the callback and the tokens; the verified Identity, or OidcRefused."""
    if not pending or not isinstance(pending, dict) or "state" not in pending:
        raise OidcRefused(EXPIRED, "callback without a pending authorization request")
    if not secrets.compare_digest(str(args.get("state", "")), pending["state"]):
        raise OidcRefused(EXPIRED, "state does not match")
    if now_ts - pending.get("at", 0) > PENDING_SECONDS:
        raise OidcRefused(EXPIRED, "authorization request too old")
    audience = pending["audience"]
    conf = settings(audience)
    if conf is None:
        raise OidcRefused(REFUSED, f"no OIDC provider for {audience}")
    if args.get("error"):
        message = CANCELLED if args["error"] in ("access_denied", "login_required") else REFUSED
        raise OidcRefused(message, f"provider error {args['error']}: {args.get('error_description', '')}"[:200])
    if "iss" in args and args["iss"] != conf["issuer"]:
        raise OidcRefused(REFUSED, f"authorization response iss {args['iss']!r} (RFC 9207)")
    if not args.get("code"):
        raise OidcRefused(REFUSED, "callback without a code")
    party = _party(audience)
    _metadata(party, conf["issuer"])
    try:
        token = party.fetch_access_token(redirect_uri=pending["redirect_uri"], code=args["code"],
                                         code_verifier=pending["verifier"])
    except OAuthError as exc:
        raise OidcRefused(REFUSED, f"token endpoint: {exc.error}") from exc
    except Exception as exc:
        raise OidcRefused(UNREACHABLE, f"token endpoint failed: {exc!r}") from exc
    if "id_token" not in token:
        raise OidcRefused(REFUSED, "token response without an id_token")
    options = {"iss": {"essential": True, "value": conf["issuer"]},
               "aud": {"essential": True, "value": conf["client_id"]},
               "sub": {"essential": True}, "exp": {"essential": True}, "iat": {"essential": True}}
    if conf["acr_values"]:
        options["acr"] = {"essential": True, "values": list(conf["acr_values"])}
    try:
        claims = party.parse_id_token(token, nonce=pending["nonce"], claims_options=options)
    except JoseError as exc:
        raise OidcRefused(REFUSED, f"id_token refused: {type(exc).__name__}: {exc}"[:200]) from exc
    except Exception as exc:  # a malformed token or an unreachable JWKS
        raise OidcRefused(REFUSED, f"id_token unreadable: {exc!r}"[:200]) from exc
    data = dict(claims)
    if not data.get(conf["claim"]):
        data.update(_userinfo(party, token, claims["sub"]))
    identifier = str(data.get(conf["claim"]) or "").strip()
    return Identity(audience=audience, subject=str(claims["sub"]), identifier=identifier,
                    name=str(data.get("name") or ""), given_name=str(data.get("given_name") or ""),
                    family_name=str(data.get("family_name") or ""), acr=claims.get("acr"),
                    id_token=token["id_token"])


def _userinfo(party: RelyingParty, token: dict, subject: str) -> dict:
    try:
        info = dict(party.userinfo(token=token))
    except Exception as exc:
        raise OidcRefused(UNREACHABLE, f"userinfo failed: {exc!r}") from exc
    if info.get("sub") != subject:  # Core §5.3.2: a userinfo response for another subject is not used
        raise OidcRefused(REFUSED, "userinfo sub differs from the id_token's")
    return info


def logout_url(audience: str | None, id_token: str | None, post_logout_redirect_uri: str) -> str | None:
    """The provider's end-session URL for RP-initiated logout, or None when it has none."""
    if not audience or settings(audience) is None:
        return None
    party = _party(audience)
    try:
        metadata = _metadata(party, cast(dict[str, Any], settings(audience))["issuer"])
    except OidcRefused:
        log.warning("oidc logout: discovery failed; local logout only")
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    return party.create_logout_url(post_logout_redirect_uri=post_logout_redirect_uri, id_token_hint=id_token,
                                   client_id=party.client_id)["url"]
