"""Password hashing with argon2 (staff and patients share it)."""
from __future__ import annotations

import secrets

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


_dummy_hashes: dict[int, str] = {}


def _dummy_hash() -> str:
    """A hash of a random secret with the current parameters: checked when there is no real hash."""
    hasher = _hasher()
    if id(hasher) not in _dummy_hashes:
        _dummy_hashes[id(hasher)] = hasher.hash(secrets.token_hex(16))
    return _dummy_hashes[id(hasher)]


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches the hash; False for a missing or malformed hash.

    A missing hash (no such user, no password yet) still costs one argon2 verification against a
    dummy hash, so the time a failed login takes does not tell whether the account exists.
    """
    try:
        matches = _hasher().verify(password_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return matches and bool(password_hash)
