"""TOTP second factor for local staff accounts (RFC 6238 via pyotp): enrolment, verification, recovery codes.

- The secret is made when enrolment starts and kept in the session until the user proves they can
  read codes from their app; only then is it stored (staff_user.totp_secret).
- A code is accepted within ±1 step (30 s) of now, and never twice: the last accepted step is stored.
- Ten recovery codes (16 random base32 characters, 80 bits) are shown once and stored as SHA-256
  hashes; each works once in place of a code.
- Verification is rate-limited like the password (core.logins, under "totp:<username>") and every
  enrolment, removal, failure and use of a recovery code is in the audit log.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime

import pyotp
import segno

from ...extensions import db
from ...models import User
from .audit import record
from .logins import TOTP_PREFIX

ISSUER = "Stegvis"
RECOVERY_CODES = 10
#: the login-attempt name of a user's second-factor tries (separate from their password tries)
ATTEMPT_PREFIX = TOTP_PREFIX
ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code (no script, no external image)."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=4, title="QR-kod för din autentiseringsapp",
                                                  svgclass="totp-qr")


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _matching_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // totp.interval
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code) and (last_step is None or step > last_step):
            return step
    return None


def _hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def new_recovery_codes() -> list[str]:
    codes = ["".join(secrets.choice(ALPHABET) for _ in range(16)) for _ in range(RECOVERY_CODES)]
    return ["-".join(c[i:i + 4] for i in range(0, 16, 4)) for c in codes]


def enabled(user: User) -> bool:
    return bool(user.totp_secret)


def confirm_enrolment(user: User, secret: str, code: str, now: datetime) -> list[str] | None:
    """Store the secret when `code` matches it; the new recovery codes (shown once), or None."""
    step = _matching_step(secret, code, now, None)
    if step is None:
        record("totp_failed", now, account=user, what="Fel engångskod vid aktivering av tvåstegsverifiering")
        db.session.commit()
        return None
    codes = new_recovery_codes()
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, now, step
    user.totp_recovery = json.dumps([_hash(c) for c in codes])
    record("totp_enabled", now, account=user)
    db.session.commit()
    return codes


def verify(user: User, code: str, now: datetime) -> str | None:
    """Check a code or a recovery code: "totp", "recovery", or None (a failure, audited)."""
    if not user.totp_secret:
        return None
    step = _matching_step(user.totp_secret, code, now, user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
        db.session.commit()
        return "totp"
    hashes = json.loads(user.totp_recovery or "[]")
    digest = _hash(code)
    if len(normalise(code)) == 16 and any(hmac.compare_digest(digest, h) for h in hashes):
        user.totp_recovery = json.dumps([h for h in hashes if h != digest])
        record("totp_recovery_used", now, account=user,
               what=f"Återställningskod använd ({len(hashes) - 1} kvar)")
        db.session.commit()
        return "recovery"
    record("totp_failed", now, account=user)
    db.session.commit()
    return None


def recovery_left(user: User) -> int:
    return len(json.loads(user.totp_recovery or "[]"))


def disable(user: User, now: datetime, actor: User | None = None) -> None:
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = user.totp_recovery = None
    record("totp_disabled", now, account=user, actor=actor)
    db.session.commit()


def user_by_id(user_id: int) -> User | None:
    return db.session.get(User, user_id)
