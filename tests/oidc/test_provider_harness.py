"""The loopback OpenID Connect test provider works with Authlib, the library the app logs in with.

No browser: the provider's interaction pages are driven with `requests`. The relying party is Authlib's own
framework-neutral client (`OAuth2Mixin` + `OpenIDMixin`, the classes behind its Flask integration), so the
authorization URL (PKCE S256, state, nonce), the code exchange and the ID token validation (signature through
the JWKS from discovery, iss, aud, exp, nonce, acr) are exactly the code paths the app will run.
"""
from __future__ import annotations

import base64
import json
import time
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from authlib.integrations.base_client import BaseApp, OAuth2Mixin, OAuthError, OpenIDMixin
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import BadSignatureError, ExpiredTokenError, InvalidClaimError, MissingClaimError
from joserfc.jwk import KeySet

from tests.oidc.harness import (
    DEFAULT_ACCOUNTS,
    LOA2,
    LOA3,
    ProviderError,
    browserless_login,
    browserless_logout,
    page_forms,
)

REDIRECT_URI = "http://127.0.0.1:5000/auth/oidc/callback"  # any port: the provider allows loopback ports
POST_LOGOUT_URI = "http://127.0.0.1:5000/"
TIMEOUT = 10


class _NoFramework:
    """Authlib's OAuth2Mixin reports refreshed tokens to its framework; this relying party keeps none."""

    def update_token(self, *args, **kwargs):
        pass


class RelyingParty(OAuth2Mixin, OpenIDMixin, BaseApp):
    """Authlib's OAuth client without a web framework (the Flask integration adds only session storage)."""

    client_cls = OAuth2Session


def relying_party(op, client_id: str = "stegvis", **client_kwargs) -> RelyingParty:
    return RelyingParty(
        _NoFramework(), name="oidc", **op.client(client_id), server_metadata_url=op.discovery_url,
        client_kwargs={"scope": "openid profile", "code_challenge_method": "S256", "timeout": TIMEOUT,
                       **client_kwargs},
    )


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def validate(rp: RelyingParty, token: dict, nonce: str, *, acr_values=(LOA3,)):
    """What the app must check: signature (JWKS), iss, aud, exp/iat, nonce, acr. Authlib's own default
    options check only iss; aud and acr have to be asked for."""
    issuer = rp.load_server_metadata()["issuer"]
    return rp.parse_id_token(token, nonce=nonce, claims_options={
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": rp.client_id},
        "acr": {"essential": True, "values": list(acr_values)},
    })


def log_in(op, rp: RelyingParty, session: requests.Session, account: str, **login_kwargs):
    """Authorization request → provider login → callback (state and iss checked) → code exchange.

    Returns (token response, the nonce sent)."""
    request = rp.create_authorization_url(redirect_uri=REDIRECT_URI)
    sent = query(request["url"])
    assert sent["code_challenge_method"] == "S256" and sent["code_challenge"] and sent["nonce"]
    callback = browserless_login(session, request["url"], account, timeout=TIMEOUT, **login_kwargs)
    assert callback.startswith(REDIRECT_URI + "?")
    params = query(callback)
    assert "error" not in params, params
    assert params["state"] == request["state"]
    assert params["iss"] == op.issuer  # RFC 9207 authorization response issuer
    token = rp.fetch_access_token(redirect_uri=REDIRECT_URI, code=params["code"],
                                  code_verifier=request["code_verifier"])
    return token, request["nonce"]


def jwt_part(token: str, index: int) -> dict:
    part = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


# ------------------------------------------------------------------------------------------------ discovery


def test_discovery_document_and_jwks(oidc_provider):
    with requests.Session() as s:
        meta = s.get(oidc_provider.discovery_url, timeout=TIMEOUT).json()
        jwks = s.get(meta["jwks_uri"], timeout=TIMEOUT).json()
    assert meta["issuer"] == oidc_provider.issuer
    assert oidc_provider.issuer.startswith("http://127.0.0.1:")
    for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri", "end_session_endpoint",
                     "userinfo_endpoint"):
        assert meta[endpoint].startswith(oidc_provider.issuer + "/")
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["response_types_supported"] == ["code"]
    assert LOA3 in meta["acr_values_supported"]
    assert {"openid", "profile"} <= set(meta["scopes_supported"])
    assert {"personnummer", "hsa_id", "acr"} <= set(meta["claims_supported"])
    assert meta["id_token_signing_alg_values_supported"] == ["RS256"]
    assert [k["kid"] for k in jwks["keys"]] == ["key-1", "key-2"]
    assert all("d" not in k for k in jwks["keys"])  # public keys only


# ------------------------------------------------------------------------------------------------ the code flow


@pytest.mark.parametrize("account", sorted(DEFAULT_ACCOUNTS))
def test_code_flow_with_pkce_state_and_nonce(oidc_provider, account):
    rp = relying_party(oidc_provider)
    with requests.Session() as browser:
        token, nonce = log_in(oidc_provider, rp, browser, account)
    claims = validate(rp, token, nonce)
    expected = DEFAULT_ACCOUNTS[account]
    assert claims["sub"] == account
    assert claims["iss"] == oidc_provider.issuer
    assert claims["aud"] == "stegvis"
    assert claims["nonce"] == nonce
    assert claims["acr"] == LOA3
    assert claims["exp"] > time.time() > claims["iat"] - 5
    assert claims["name"] == expected["name"]
    if expected["kind"] == "patient":
        assert claims["personnummer"] == expected["personnummer"] and "hsa_id" not in claims
    else:
        assert claims["hsa_id"] == expected["hsa_id"] and "personnummer" not in claims
    assert jwt_part(token["id_token"], 0)["kid"] == "key-1"


def test_named_users_carry_the_swedish_identifiers(oidc_provider):
    rp = relying_party(oidc_provider)
    with requests.Session() as browser:
        token, nonce = log_in(oidc_provider, rp, browser, "jane")
    jane = validate(rp, token, nonce)
    assert (jane["personnummer"], jane["given_name"], jane["family_name"]) == ("196108312460", "Jane", "Doe")
    with requests.Session() as browser:
        token, nonce = log_in(oidc_provider, rp, browser, "marita")
    marita = validate(rp, token, nonce)
    assert marita["hsa_id"] == "SE2321000131-E000000000001"
    assert (marita["name"], marita["given_name"], marita["family_name"]) == (
        "Marita Andersson", "Marita", "Andersson")
    # the same claims at the userinfo endpoint
    assert rp.userinfo(token=token)["hsa_id"] == "SE2321000131-E000000000001"


def test_client_secret_post(oidc_provider):
    rp = relying_party(oidc_provider, "stegvis-post", token_endpoint_auth_method="client_secret_post")
    with requests.Session() as browser:
        token, nonce = log_in(oidc_provider, rp, browser, "jane")
    assert validate(rp, token, nonce)["aud"] == "stegvis-post"


def test_a_wrong_client_secret_is_refused(oidc_provider):
    # note: oidc-provider accepts client_secret_basic and client_secret_post alike for either registration
    rp = relying_party(oidc_provider)
    rp.client_secret = "not-the-secret"
    with requests.Session() as browser, pytest.raises(OAuthError, match="invalid_client"):
        log_in(oidc_provider, rp, browser, "jane")


def test_a_lower_acr_is_refused_when_only_loa3_is_allowed(oidc_provider):
    rp = relying_party(oidc_provider)
    with requests.Session() as browser:
        token, nonce = log_in(oidc_provider, rp, browser, "jane", acr=LOA2)
    with pytest.raises(InvalidClaimError, match="acr"):
        validate(rp, token, nonce, acr_values=(LOA3,))
    assert validate(rp, token, nonce, acr_values=(LOA2, LOA3))["acr"] == LOA2


# ------------------------------------------------------------------------------------------------ refusals


def test_wrong_nonce_is_refused(oidc_provider):
    rp = relying_party(oidc_provider, "stegvis-fault-nonce")
    with requests.Session() as browser:
        token, nonce = log_in(oidc_provider, rp, browser, "jane")
    assert jwt_part(token["id_token"], 1)["nonce"] != nonce
    with pytest.raises(InvalidClaimError, match="nonce"):
        validate(rp, token, nonce)
    with pytest.raises(InvalidClaimError, match="nonce"):
        rp.parse_id_token(token, nonce=nonce)  # Authlib's defaults too


def test_expired_id_token_is_refused(oidc_provider):
    rp = relying_party(oidc_provider, "stegvis-fault-expired")
    with requests.Session() as browser:
        token, nonce = log_in(oidc_provider, rp, browser, "jane")
    assert jwt_part(token["id_token"], 1)["exp"] < time.time() - 3000  # far beyond Authlib's 120 s leeway
    with pytest.raises(ExpiredTokenError):
        validate(rp, token, nonce)
    with pytest.raises(ExpiredTokenError):
        rp.parse_id_token(token, nonce=nonce)


def test_wrong_audience_is_refused(oidc_provider):
    rp = relying_party(oidc_provider, "stegvis-fault-audience")
    with requests.Session() as browser:
        token, nonce = log_in(oidc_provider, rp, browser, "jane")
    assert jwt_part(token["id_token"], 1)["aud"] == "not-stegvis-fault-audience"
    with pytest.raises(InvalidClaimError, match="aud"):
        validate(rp, token, nonce)
    # Authlib's defaults reject it only indirectly (an audience other than the client demands azp):
    # the app must pass an aud claims option itself
    with pytest.raises(MissingClaimError, match="azp"):
        rp.parse_id_token(token, nonce=nonce)


def test_tampered_signature_is_refused(oidc_provider):
    rp = relying_party(oidc_provider, "stegvis-fault-signature")
    with requests.Session() as browser:
        token, nonce = log_in(oidc_provider, rp, browser, "jane")
    payload = jwt_part(token["id_token"], 1)
    assert payload["nonce"] == nonce and payload["aud"] == "stegvis-fault-signature"  # only the signature
    with pytest.raises(BadSignatureError):
        validate(rp, token, nonce)


@pytest.mark.parametrize("client_id", ["stegvis-fault-nonce", "stegvis-fault-expired", "stegvis-fault-audience"])
def test_claim_faults_are_signed_with_the_providers_own_key(oidc_provider, client_id):
    """The claim faults are re-signed honestly: the signature verifies, only the claim check refuses."""
    rp = relying_party(oidc_provider, client_id)
    with requests.Session() as browser:
        token, _ = log_in(oidc_provider, rp, browser, "jane")
    keys = KeySet.import_key_set(rp.fetch_jwk_set(force=True))
    decoded = jwt.decode(token["id_token"], keys, algorithms=["RS256"])
    assert decoded.header["kid"] == "key-1"


def test_fault_for_every_client_per_provider_start(oidc_provider_factory):
    op = oidc_provider_factory(fault="nonce")
    assert {c["fault"] for c in op.ready["clients"]} == {"nonce"}
    rp = relying_party(op, "stegvis")
    with requests.Session() as browser:
        token, nonce = log_in(op, rp, browser, "marita")
    with pytest.raises(InvalidClaimError, match="nonce"):
        validate(rp, token, nonce)


def test_pkce_is_required(oidc_provider):
    meta = relying_party(oidc_provider).load_server_metadata()
    url = meta["authorization_endpoint"] + "?" + urlencode({
        "response_type": "code", "client_id": "stegvis", "redirect_uri": REDIRECT_URI,
        "scope": "openid profile", "state": "s1", "nonce": "n1"})
    with requests.Session() as browser:
        resp = browser.get(url, allow_redirects=False, timeout=TIMEOUT)
    assert resp.status_code in (302, 303)
    error = query(resp.headers["Location"])
    assert error["error"] == "invalid_request" and "PKCE" in error["error_description"]
    assert error["state"] == "s1"


def test_a_wrong_code_verifier_is_refused(oidc_provider):
    rp = relying_party(oidc_provider)
    request = rp.create_authorization_url(redirect_uri=REDIRECT_URI)
    with requests.Session() as browser:
        callback = browserless_login(browser, request["url"], "jane", timeout=TIMEOUT)
    with pytest.raises(OAuthError, match="invalid_grant"):
        rp.fetch_access_token(redirect_uri=REDIRECT_URI, code=query(callback)["code"],
                              code_verifier=request["code_verifier"][::-1])


@pytest.mark.parametrize("redirect_uri", ["http://evil.example/auth/oidc/callback",
                                          "http://127.0.0.1:5000/somewhere/else"])
def test_unregistered_redirect_uris_are_refused(oidc_provider, redirect_uri):
    rp = relying_party(oidc_provider)
    request = rp.create_authorization_url(redirect_uri=redirect_uri)
    with requests.Session() as browser:
        resp = browser.get(request["url"], allow_redirects=False, timeout=TIMEOUT)
    assert resp.status_code == 400 and "redirect_uri" in resp.text


def test_an_unknown_account_gets_the_login_form_again(oidc_provider):
    rp = relying_party(oidc_provider)
    request = rp.create_authorization_url(redirect_uri=REDIRECT_URI)
    with requests.Session() as browser:
        page = browser.get(request["url"], timeout=TIMEOUT)
        form = page_forms(page.text)["login-form"]
        again = browser.post(urljoin(page.url, form["action"]), data={"login": "nobody"},
                             allow_redirects=False, timeout=TIMEOUT)
        assert again.status_code == 200 and 'id="login-error"' in again.text and "nobody" in again.text
        with pytest.raises(ProviderError, match="did not redirect back"):
            browserless_login(browser, request["url"], "nobody", timeout=TIMEOUT)


def test_cancelling_at_the_provider_returns_access_denied(oidc_provider):
    rp = relying_party(oidc_provider)
    request = rp.create_authorization_url(redirect_uri=REDIRECT_URI)
    with requests.Session() as browser:
        page = browser.get(request["url"], timeout=TIMEOUT)
        resp = browser.post(urljoin(page.url, page_forms(page.text)["abort-form"]["action"]),
                            allow_redirects=False, timeout=TIMEOUT)
        while not resp.headers["Location"].startswith(REDIRECT_URI):  # resume at the provider, then back
            resp = browser.get(urljoin(resp.url, resp.headers["Location"]), allow_redirects=False, timeout=TIMEOUT)
    params = query(resp.headers["Location"])
    assert params["error"] == "access_denied" and params["state"] == request["state"]


# ------------------------------------------------------------------------------------------------ logout


def test_rp_initiated_logout_reaches_post_logout_redirect_uri(oidc_provider):
    rp = relying_party(oidc_provider)
    with requests.Session() as browser:
        token, nonce = log_in(oidc_provider, rp, browser, "marita")
        validate(rp, token, nonce)
        # while the provider session lives, a second login needs no form (single sign-on)
        again = rp.create_authorization_url(redirect_uri=REDIRECT_URI)
        assert browserless_login(browser, again["url"], "ignored", timeout=TIMEOUT).startswith(REDIRECT_URI)

        logout = rp.create_logout_url(post_logout_redirect_uri=POST_LOGOUT_URI, id_token_hint=token["id_token"])
        landed = browserless_logout(browser, logout["url"], timeout=TIMEOUT)
        assert landed.startswith(POST_LOGOUT_URI + "?")
        assert query(landed) == {"state": logout["state"]}

        # the provider session is gone: the next authorization request shows the login form
        fresh = rp.create_authorization_url(redirect_uri=REDIRECT_URI)
        page = browser.get(fresh["url"], timeout=TIMEOUT)
        assert "login-form" in page_forms(page.text)


def test_logout_to_an_unregistered_uri_is_refused(oidc_provider):
    rp = relying_party(oidc_provider)
    with requests.Session() as browser:
        token, _ = log_in(oidc_provider, rp, browser, "jane")
        logout = rp.create_logout_url(post_logout_redirect_uri="http://evil.example/",
                                      id_token_hint=token["id_token"])
        resp = browser.get(logout["url"], allow_redirects=False, timeout=TIMEOUT)
    assert resp.status_code == 400 and "post_logout_redirect_uri" in resp.text


# ------------------------------------------------------------------------------------------------ key rotation


def test_key_rotation_through_the_jwks(oidc_provider_factory):
    op = oidc_provider_factory()
    rp = relying_party(op)
    with requests.Session() as browser:
        before, nonce = log_in(op, rp, browser, "jane")
        assert validate(rp, before, nonce)["sub"] == "jane"
        cached = [k["kid"] for k in rp.server_metadata["jwks"]["keys"]]
        assert cached == ["key-1", "key-2"]

        rotated = op.rotate_keys()
        assert rotated["kids"] == ["key-3", "key-1"] and rotated["signing_kid"] == "key-3"

        after, nonce = log_in(op, rp, browser, "jane")  # single sign-on survives the rotation
    assert jwt_part(after["id_token"], 0)["kid"] == "key-3"
    # the cached JWKS lacks key-3: Authlib refetches it (unknown kid) and the token verifies
    assert validate(rp, after, nonce)["sub"] == "jane"
    assert [k["kid"] for k in rp.server_metadata["jwks"]["keys"]] == ["key-3", "key-1"]
    # a token signed before the rotation still verifies against the new JWKS
    keys = KeySet.import_key_set(rp.server_metadata["jwks"])
    assert jwt.decode(before["id_token"], keys, algorithms=["RS256"]).header["kid"] == "key-1"


# ------------------------------------------------------------------------------------------------ the harness


def test_a_broken_configuration_fails_fast_with_the_providers_message(oidc_provider_factory):
    started = time.monotonic()
    with pytest.raises(ProviderError, match="unknown fault bogus"):
        oidc_provider_factory({"clients": [{"client_id": "x", "fault": "bogus"}]})
    assert time.monotonic() - started < 20


def test_stop_ends_the_process(oidc_provider_factory):
    op = oidc_provider_factory(config={"keys": 1})
    assert op.ready["kids"] == ["key-1"]
    op.stop()
    assert op.process.poll() is not None
    with pytest.raises(requests.ConnectionError):
        requests.get(op.discovery_url, timeout=TIMEOUT)
