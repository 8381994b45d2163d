"""TOTP second factor for local staff accounts, and the staff minimum level of assurance.

Codes are computed with pyotp for the frozen clock. Behörighetsadmin and Dataadmin must use a second
factor (STEGVIS_TOTP_REQUIRED_ROLES); others may enrol on Min profil.
"""
from __future__ import annotations

import re

import pyotp
import pytest

from stegvis_testing import PASSWORD
from web.models import AuditEvent, WebSession

ADMIN_ROLES = "behandlare behorighetsadmin"


@pytest.fixture
def app_config(app_config, request):
    """The production default for the roles; a test may add settings by indirect parametrisation."""
    return {**app_config, "TOTP_REQUIRED_ROLES": "behorighetsadmin,dataadmin", **getattr(request, "param", {})}


def password_step(client, user):
    return client.post("/logga-in", data={"username": user.username, "password": PASSWORD})


def code_for(secret: str, clock, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(int(clock().timestamp()) + 30 * offset_steps)


def enrol(client, clock, path: str):
    """Kom igång → QR code and key → a right code: (secret, recovery codes, final response)."""
    page = client.post(path, data={"steg": "start"}).get_data(as_text=True)
    assert '<svg' in page and 'class="totp-qr"' in page and "<script" not in page
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    assert client.post(path, data={"steg": "bekrafta", "code": "000000"}).status_code == 422
    clock.advance(seconds=1)  # the success comes after the failure (the rate limit counts from the last success)
    response = client.post(path, data={"steg": "bekrafta", "code": code_for(secret, clock)})
    codes = re.findall(r"<li><code>([a-z2-9-]{19})</code></li>", response.get_data(as_text=True))
    return secret, codes, response


def owned(db):
    db.session.expire_all()
    return list(db.session.execute(db.select(WebSession).where(WebSession.user_key.is_not(None))).scalars())


def audit_kinds(db):
    db.session.expire_all()
    return [(e.kind, e.what) for e in db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars()]


def test_an_admin_without_totp_is_sent_to_enrolment_and_logs_in_with_both_factors(client, db, make_staff, clock):
    admin = make_staff("admin", roles=ADMIN_ROLES, name="Ada Admin")
    response = password_step(client, admin)
    assert response.headers["Location"] == "/logga-in/aktivera-tvastegsverifiering"
    assert owned(db) == []  # no session of the account yet
    assert client.get("/").status_code == 302  # nothing reachable between the steps
    intro = client.get("/logga-in/aktivera-tvastegsverifiering").get_data(as_text=True)
    assert "Din roll ger tillgång till många invånares uppgifter" in intro
    secret, codes, done = enrol(client, clock, "/logga-in/aktivera-tvastegsverifiering")
    assert done.status_code == 200 and len(codes) == 10 and len(set(codes)) == 10
    [row] = owned(db)
    assert (row.user_key, row.auth_level, row.auth_acr) == (f"staff:{admin.id}", "password+totp", None)
    db.session.refresh(admin)
    assert admin.totp_secret == secret and codes[0] not in admin.totp_recovery  # stored hashed
    assert audit_kinds(db) == [
        ("totp_failed", "Fel engångskod vid aktivering av tvåstegsverifiering"),
        ("totp_enabled", "Tvåstegsverifiering aktiverad"),
        ("login", "Inloggning med lösenord och engångskod"),
    ]
    # Användargrupper shows the level in the audit log
    page = client.get("/anvandargrupper").get_data(as_text=True)
    assert "Inloggning med lösenord och engångskod" in page


def enrolled_user(client, db, make_staff, clock, roles="behandlare"):
    user = make_staff("anna", roles=roles, name="Anna Andersson")
    password_step(client, user)
    # optional enrolment on Min profil after a password login
    assert client.get("/min-profil").status_code == 200
    secret, codes, done = enrol(client, clock, "/min-profil/tvastegsverifiering")
    assert "Tvåstegsverifiering är aktiverad" in done.get_data(as_text=True)
    client.post("/logga-ut")
    clock.advance(minutes=1)  # the enrolment's code and its failed try lie behind us
    return user, secret, codes


def test_an_enrolled_user_needs_the_code_which_works_once(client, db, make_staff, clock):
    user, secret, codes = enrolled_user(client, db, make_staff, clock)
    assert password_step(client, user).headers["Location"] == "/logga-in/engangskod"
    wrong = client.post("/logga-in/engangskod", data={"code": "123456"})
    assert wrong.status_code == 422 and "Fel engångskod" in wrong.get_data(as_text=True)
    assert owned(db) == []
    code = code_for(secret, clock)
    assert client.post("/logga-in/engangskod", data={"code": code}).status_code == 302
    [row] = owned(db)
    assert row.auth_level == "password+totp"
    client.post("/logga-ut")
    # the same code again (same 30 s): refused, it was used
    password_step(client, user)
    assert client.post("/logga-in/engangskod", data={"code": code}).status_code == 422
    # a recovery code works once
    assert client.post("/logga-in/engangskod", data={"code": codes[3].upper()}).status_code == 302
    client.post("/logga-ut")
    password_step(client, user)
    assert client.post("/logga-in/engangskod", data={"code": codes[3]}).status_code == 422
    kinds = [k for k, _ in audit_kinds(db)]
    assert kinds.count("totp_failed") == 4 and kinds.count("totp_recovery_used") == 1


def test_code_verification_is_rate_limited(client, db, make_staff, clock):
    user, secret, _ = enrolled_user(client, db, make_staff, clock)
    password_step(client, user)
    statuses = [client.post("/logga-in/engangskod", data={"code": "000000"}).status_code for _ in range(6)]
    assert statuses == [422] * 5 + [429]
    # even the right code waits now
    assert client.post("/logga-in/engangskod", data={"code": code_for(secret, clock)}).status_code == 429
    assert owned(db) == []


def test_optional_totp_can_be_removed_with_a_code_but_not_when_the_role_requires_it(client, db, make_staff, clock):
    user, secret, _ = enrolled_user(client, db, make_staff, clock)
    password_step(client, user)
    client.post("/logga-in/engangskod", data={"code": code_for(secret, clock)})
    assert client.post("/min-profil/tvastegsverifiering/ta-bort", data={"code": "999999"}).status_code == 422
    clock.advance(seconds=30)
    assert client.post("/min-profil/tvastegsverifiering/ta-bort",
                       data={"code": code_for(secret, clock)}).status_code == 302
    db.session.refresh(user)
    assert user.totp_secret is None and user.totp_recovery is None
    assert ("totp_disabled", "Tvåstegsverifiering borttagen") in audit_kinds(db)


def test_an_admin_cannot_remove_required_totp(client, db, make_staff, clock):
    admin = make_staff("admin", roles=ADMIN_ROLES)
    password_step(client, admin)
    secret, _, _ = enrol(client, clock, "/logga-in/aktivera-tvastegsverifiering")
    clock.advance(seconds=30)
    response = client.post("/min-profil/tvastegsverifiering/ta-bort", data={"code": code_for(secret, clock)})
    assert response.status_code == 302
    db.session.refresh(admin)
    assert admin.totp_secret == secret


def test_a_behandlare_without_totp_logs_in_with_the_password_alone(client, db, make_staff):
    user = make_staff("bo")
    assert password_step(client, user).headers["Location"] == "/"
    [row] = owned(db)
    assert row.auth_level == "password"
    assert audit_kinds(db) == [("login", "Inloggning med lösenord")]


@pytest.mark.parametrize("app_config", [{"MIN_STAFF_LOA": "password+totp"}], indirect=True)
def test_minimum_password_totp_sends_everyone_to_the_second_factor(client, db, make_staff, clock):
    user = make_staff("bo")
    response = password_step(client, user)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    assert response.headers["Location"] == "/logga-in/aktivera-tvastegsverifiering"
    assert owned(db) == []


OIDC = {"issuer": "https://idp.example.org", "client_id": "stegvis", "client_secret": "x",
        "scopes": "openid profile", "claim": "hsa_id", "acr_values": []}


@pytest.mark.parametrize("app_config", [{"MIN_STAFF_LOA": "oidc", "OIDC_STAFF": OIDC}], indirect=True)
def test_minimum_oidc_refuses_password_logins(client, db, make_staff):
    user = make_staff("bo")
    response = password_step(client, user)
    assert response.status_code == 403
    assert "Inloggning med lösenord är inte tillåten här. Logga in med e-tjänstekort." in response.get_data(as_text=True)
    assert owned(db) == []
    assert audit_kinds(db) == [
        ("login_refused", "Personal: inloggning med lösenord är avstängd (STEGVIS_MIN_STAFF_LOA)")]
    page = client.get("/logga-in").get_data(as_text=True)
    assert "Logga in med e-tjänstekort" in page and 'name="password"' not in page
