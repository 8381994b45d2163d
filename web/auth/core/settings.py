"""Identity configuration from the environment: OpenID Connect per audience, TOTP, minimum level of assurance.

OpenID Connect is configured per audience, staff and patients, because a region often reaches SITHS
(staff) and BankID (patients) through different providers or different clients of one provider.
Every setting is read as STEGVIS_OIDC_STAFF_<NAME> / STEGVIS_OIDC_PATIENT_<NAME>, falling back to the
shared STEGVIS_OIDC_<NAME>:

    ISSUER         the provider's issuer URL (its discovery document is <issuer>/.well-known/openid-configuration)
    CLIENT_ID      this app's client id at the provider
    CLIENT_SECRET  its secret (client_secret_basic)
    SCOPES         default "openid profile"
    ACR_VALUES     the allowed acr values, space-separated; a token with another acr is refused
                   (empty = any acr is accepted and recorded)
    STAFF_CLAIM    (staff) the claim carrying the HSA-id, default hsa_id
    PATIENT_CLAIM  (patients) the claim carrying the personnummer, default personnummer

An audience is switched on when it has an issuer and a client id; without any, the local password logins
are the only ones (the demo needs no provider).
"""
from __future__ import annotations

from typing import Any, Mapping

AUDIENCES = ("staff", "patient")
#: the levels of assurance a session records, weakest first
LEVELS = ("password", "password+totp", "oidc")
DEFAULT_TOTP_ROLES = "behorighetsadmin,dataadmin"


def _get(env: Mapping[str, str], audience: str, name: str, default: str = "") -> str:
    specific = env.get(f"STEGVIS_OIDC_{audience.upper()}_{name}")
    if specific not in (None, ""):
        return specific.strip()
    return (env.get(f"STEGVIS_OIDC_{name}") or default).strip()


def oidc_audience(env: Mapping[str, str], audience: str) -> dict[str, Any] | None:
    """The OIDC settings of one audience, or None when it has no provider."""
    issuer, client_id = _get(env, audience, "ISSUER"), _get(env, audience, "CLIENT_ID")
    if not issuer and not client_id:
        return None
    claim_name = "STAFF_CLAIM" if audience == "staff" else "PATIENT_CLAIM"
    return {
        "issuer": issuer,
        "client_id": client_id,
        "client_secret": _get(env, audience, "CLIENT_SECRET"),
        "scopes": _get(env, audience, "SCOPES", "openid profile"),
        "claim": _get(env, audience, claim_name, "hsa_id" if audience == "staff" else "personnummer"),
        "acr_values": _get(env, audience, "ACR_VALUES").split(),
    }


def defaults(env: Mapping[str, str]) -> dict[str, Any]:
    return {
        "OIDC_STAFF": oidc_audience(env, "staff"),
        "OIDC_PATIENT": oidc_audience(env, "patient"),
        #: roles whose holders must use a second factor with a local password (they reach many patients)
        "TOTP_REQUIRED_ROLES": env.get("STEGVIS_TOTP_REQUIRED_ROLES", DEFAULT_TOTP_ROLES),
        #: the weakest staff login accepted: password, password+totp or oidc
        "MIN_STAFF_LOA": (env.get("STEGVIS_MIN_STAFF_LOA") or "password").strip(),
    }


def check(cfg: dict[str, Any]) -> list[str]:
    """Problems with the identity settings, as `OPTION: expected X, received Y`."""
    problems = []
    for audience in AUDIENCES:
        settings = cfg.get(f"OIDC_{audience.upper()}")
        if settings is None:
            continue
        prefix = f"STEGVIS_OIDC_{audience.upper()}"
        if not settings.get("issuer", "").startswith(("https://", "http://127.0.0.1", "http://localhost")):
            problems.append(f"{prefix}_ISSUER: expected an https:// URL, received {settings.get('issuer')!r}")
        if not settings.get("client_id"):
            problems.append(f"{prefix}_CLIENT_ID: expected the client id registered at the provider, received nothing")
        if "openid" not in settings.get("scopes", "").split():
            problems.append(f"{prefix}_SCOPES: expected a list including openid, received {settings.get('scopes')!r}")
    if cfg.get("MIN_STAFF_LOA") not in LEVELS:
        problems.append(f"STEGVIS_MIN_STAFF_LOA: expected one of {', '.join(LEVELS)}, "
                        f"received {cfg.get('MIN_STAFF_LOA')!r}")
    elif cfg["MIN_STAFF_LOA"] == "oidc" and not cfg.get("OIDC_STAFF"):
        problems.append("STEGVIS_MIN_STAFF_LOA: oidc needs STEGVIS_OIDC_ISSUER (or STEGVIS_OIDC_STAFF_ISSUER), "
                        "received no staff provider")
    if cfg.get("DEMO") and cfg.get("TOTP_REQUIRED_ROLES") == DEFAULT_TOTP_ROLES:
        cfg["TOTP_REQUIRED_ROLES"] = ""  # the demo's administrators log in with their password alone
    if isinstance(cfg.get("TOTP_REQUIRED_ROLES"), str):
        cfg["TOTP_REQUIRED_ROLES"] = [r.strip() for r in cfg["TOTP_REQUIRED_ROLES"].split(",") if r.strip()]
    return problems
