"""Password hashing with argon2 (staff and patients share it)."""
from __future__ import annotations

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

_DEFAULT = PasswordHasher()
#: tests log in hundreds of times; the cheapest profile keeps that fast (never used outside TESTING)
_TESTING = PasswordHasher.from_parameters(profiles.CHEAPEST)


def _hasher() -> PasswordHasher:
    return _TESTING if current_app.config.get("TESTING") else _DEFAULT


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches the hash (False for a missing or malformed hash)."""
    if not password_hash:
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
