"""The provider's pages work in headless Chromium with the selectors documented in tests/oidc/README.md.

A stand-in relying party (a bare HTTP server on loopback) receives the redirects; Authlib builds the requests
and validates the ID token, as in test_provider_harness.py.
"""
from __future__ import annotations

import http.server
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.integrations.base_client import BaseApp, OAuth2Mixin, OpenIDMixin
from authlib.integrations.requests_client import OAuth2Session

from tests.oidc.harness import LOA3

pytestmark = pytest.mark.e2e


class _Landing(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        body = b"<!DOCTYPE html><title>relying party</title><p id='rp'>back at the relying party</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def relying_party_url():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Landing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


class _NoFramework:
    def update_token(self, *args, **kwargs):
        pass


class RelyingParty(OAuth2Mixin, OpenIDMixin, BaseApp):
    client_cls = OAuth2Session


def test_login_and_logout_in_chromium(oidc_provider, relying_party_url, page):
    page.set_default_timeout(10_000)
    callback = f"{relying_party_url}/auth/oidc/callback"
    rp = RelyingParty(_NoFramework(), name="oidc", **oidc_provider.client("stegvis"),
                      server_metadata_url=oidc_provider.discovery_url,
                      client_kwargs={"scope": "openid profile", "code_challenge_method": "S256", "timeout": 10})

    request = rp.create_authorization_url(redirect_uri=callback)
    page.goto(request["url"])
    assert page.locator("#client-id").inner_text() == "stegvis"
    page.fill("#login", "nobody")
    page.click("#login-submit")
    assert "nobody" in page.locator("#login-error").inner_text()
    page.fill("#login", "jane")
    page.click("#login-submit")
    page.wait_for_url(f"{callback}?**")
    params = {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}
    assert params["state"] == request["state"] and params["iss"] == oidc_provider.issuer

    token = rp.fetch_access_token(redirect_uri=callback, code=params["code"],
                                  code_verifier=request["code_verifier"])
    claims = rp.parse_id_token(token, nonce=request["nonce"], claims_options={
        "iss": {"essential": True, "value": oidc_provider.issuer},
        "aud": {"essential": True, "value": "stegvis"},
        "acr": {"essential": True, "values": [LOA3]}})
    assert (claims["sub"], claims["personnummer"]) == ("jane", "196108312460")

    logout = rp.create_logout_url(post_logout_redirect_uri=f"{relying_party_url}/",
                                  id_token_hint=token["id_token"])
    page.goto(logout["url"])  # the sign-out page submits itself
    page.wait_for_url(f"{relying_party_url}/?state=**")
    assert parse_qs(urlsplit(page.url).query) == {"state": [logout["state"]]}

    page.goto(rp.create_authorization_url(redirect_uri=callback)["url"])  # signed out: the form again
    assert page.locator("#login-submit").is_visible()
