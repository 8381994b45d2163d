"""OpenID Connect login in headless Chromium against the real loopback provider (tests/oidc/).

The app runs on a werkzeug server on a free port; the provider (panva/oidc-provider) on another. Staff
and patients log in, land on their start page, log out through the provider's end-session endpoint;
every refusal (wrong nonce, expired ID token, wrong audience, tampered signature, too low an acr, an
unknown clinician) shows a Swedish page and leaves no logged-in session; an unknown patient gets an
empty Stöd och behandling.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.oidc.conftest import oidc_provider_factory  # noqa: F401  (the fixture)
from tests.oidc.harness import DEFAULT_CLIENTS, LOA2, LOA3
from web.models import AuditEvent, Patient, WebSession

pytestmark = pytest.mark.e2e

MARITA_HSA = "SE2321000131-E000000000001"
REFUSED = "Inloggningen kunde inte godkännas. Försök igen, eller kontakta supporten om felet kvarstår."
UNKNOWN_STAFF = ("Du är inloggad hos din identitetsleverantör, men det finns inget aktivt personalkonto i Stegvis "
                 "med ditt HSA-id. Kontakta din behörighetsadmin.")


@pytest.fixture(scope="module")
def op(oidc_provider_factory):  # noqa: F811
    """The provider with the app's callback and post-logout URIs registered for every default client."""
    clients = [{"client_id": cid, "client_secret": f"{cid}-secret", "fault": fault, "loopback_any_port": True,
                "redirect_uris": ["http://127.0.0.1/auth/oidc/callback"],
                "post_logout_redirect_uris": ["http://127.0.0.1/logga-in", "http://127.0.0.1/invanare/logga-in"],
                "token_endpoint_auth_method": "client_secret_basic"}
               for cid, fault in DEFAULT_CLIENTS.items()]
    return oidc_provider_factory({"clients": clients})


@pytest.fixture
def client_id():
    return "stegvis"


@pytest.fixture
def app_config(app_config, op, client_id):
    """Both audiences at the test provider with one client; only loa3 is allowed."""
    conf = {"issuer": op.issuer, "client_id": client_id, "client_secret": f"{client_id}-secret",
            "scopes": "openid profile", "acr_values": [LOA3]}
    return {**app_config, "OIDC_STAFF": {**conf, "claim": "hsa_id"},
            "OIDC_PATIENT": {**conf, "claim": "personnummer"}}


def provider_login(page, account: str, acr: str | None = None) -> None:
    page.locator("#login").fill(account)
    if acr:
        page.locator("#acr").select_option(acr)
    page.locator("#login-submit").click()


def owned_sessions(db) -> list[WebSession]:
    db.session.expire_all()
    return list(db.session.execute(db.select(WebSession).where(WebSession.user_key.is_not(None))).scalars())


def refusals(db) -> list[str]:
    db.session.expire_all()
    return list(db.session.execute(
        db.select(AuditEvent.what).where(AuditEvent.kind == "login_refused").order_by(AuditEvent.id)).scalars())


def test_clinician_logs_in_with_oidc_and_out_through_the_provider(live_server, page, op, make_staff, db):
    marita = make_staff("marita.andersson", name="Marita Andersson", hsa_id=MARITA_HSA)
    page.goto(f"{live_server}/logga-in")
    page.get_by_role("button", name="Logga in med e-tjänstekort").click()
    expect(page.locator("#client-id")).to_have_text("stegvis")
    provider_login(page, "marita")
    expect(page.get_by_role("heading", name="Att göra", exact=True)).to_be_visible()
    assert page.url.startswith(live_server)

    [row] = owned_sessions(db)
    assert (row.user_key, row.auth_level, row.auth_acr) == (f"staff:{marita.id}", "oidc", LOA3)
    login = db.session.execute(db.select(AuditEvent).where(AuditEvent.kind == "login")).scalar_one()
    assert login.what == f"Inloggning med e-legitimation (acr {LOA3})"

    ended = []
    page.on("request", lambda r: ended.append(r.url) if r.url.startswith(f"{op.issuer}/session/end") else None)
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url(re.compile(re.escape(f"{live_server}/logga-in?state=")))
    expect(page.get_by_text("Du är utloggad.")).to_be_visible()
    assert ended and "id_token_hint=" in ended[0] and "post_logout_redirect_uri=" in ended[0]
    assert owned_sessions(db) == []
    # the provider's session ended too: the next login asks for the account again
    page.get_by_role("button", name="Logga in med e-tjänstekort").click()
    expect(page.locator("#login")).to_be_visible()


def test_patient_logs_in_with_oidc_sees_the_program_and_logs_out(live_server, page, op, make_moment, db):
    moment = make_moment()
    page.goto(f"{live_server}/invanare/logga-in")
    page.get_by_role("button", name="Logga in med e-legitimation").click()
    provider_login(page, "jane")
    expect(page.get_by_role("heading", name="Stöd och behandling", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Tobakshjälpen")).to_be_visible()
    [row] = owned_sessions(db)
    assert (row.user_key, row.auth_level, row.auth_acr) == (f"patient:{moment.patient_id}", "oidc", LOA3)

    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url(re.compile(re.escape(f"{live_server}/invanare/logga-in?state=")))
    assert owned_sessions(db) == []
    page.get_by_role("button", name="Logga in med e-legitimation").click()
    expect(page.locator("#login")).to_be_visible()


def test_unknown_patient_gets_an_empty_stod_och_behandling(live_server, page, op, db):
    page.goto(f"{live_server}/invanare/logga-in")
    page.get_by_role("button", name="Logga in med e-legitimation").click()
    provider_login(page, "unknown-patient")
    expect(page.get_by_role("heading", name="Stöd och behandling", exact=True)).to_be_visible()
    expect(page.get_by_text("Du har inga program ännu.")).to_be_visible()
    db.session.expire_all()
    patient = db.session.execute(db.select(Patient)).scalar_one()
    assert (patient.personnummer, patient.first_name, patient.last_name) == ("197309151004", "Ulla", "Okänd")
    [row] = owned_sessions(db)
    assert row.user_key == f"patient:{patient.id}"


def test_unknown_clinician_is_refused_in_swedish(live_server, page, op, make_staff, db):
    make_staff("marita.andersson", hsa_id=MARITA_HSA)
    page.goto(f"{live_server}/logga-in")
    page.get_by_role("button", name="Logga in med e-tjänstekort").click()
    provider_login(page, "unknown-staff")
    expect(page.get_by_role("heading", name="Inloggningen misslyckades")).to_be_visible()
    expect(page.locator("#oidc-fel")).to_have_text(UNKNOWN_STAFF)
    assert owned_sessions(db) == []
    assert refusals(db) == ["Personal: no active staff account with HSA-id SE2321000131-E000000000999"]
    page.goto(f"{live_server}/min-profil")
    expect(page).to_have_url(re.compile(r"/logga-in"))


@pytest.mark.parametrize(("client_id", "reason"), [
    ("stegvis-fault-nonce", "InvalidClaimError: invalid_claim: Invalid claim: 'nonce'"),
    ("stegvis-fault-expired", "ExpiredTokenError"),
    ("stegvis-fault-audience", "InvalidClaimError: invalid_claim: Invalid claim: 'aud'"),
    ("stegvis-fault-signature", "BadSignatureError"),
])
def test_faulty_id_tokens_are_refused(live_server, page, op, make_staff, db, client_id, reason):
    make_staff("marita.andersson", hsa_id=MARITA_HSA)
    page.goto(f"{live_server}/logga-in")
    page.get_by_role("button", name="Logga in med e-tjänstekort").click()
    provider_login(page, "marita")
    expect(page.get_by_role("heading", name="Inloggningen misslyckades")).to_be_visible()
    expect(page.locator("#oidc-fel")).to_have_text(REFUSED)
    assert owned_sessions(db) == []
    [what] = refusals(db)
    assert what.startswith("Personal: id_token refused: ") and reason in what, what


def test_a_lower_acr_than_allowed_is_refused(live_server, page, op, make_patient, db):
    make_patient()
    page.goto(f"{live_server}/invanare/logga-in")
    page.get_by_role("button", name="Logga in med e-legitimation").click()
    provider_login(page, "jane", acr=LOA2)
    expect(page.locator("#oidc-fel")).to_have_text(REFUSED)
    assert owned_sessions(db) == []
    [what] = refusals(db)
    assert what.startswith("Invånare: id_token refused: InvalidClaimError: invalid_claim: Invalid claim: 'acr'"), what
