"""Password hashing (argon2id) and the password rules: at least 12 characters (OWASP ASVS 4.0.3,
2.1.1), not one of the most common passwords, not the member's own email or name. A password set
before the minimum rose still signs in; the rule applies to every new one."""

from __future__ import annotations

import gzip
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import lazy_gettext as _l

if TYPE_CHECKING:
    from flask_babel.speaklater import LazyString

MIN_LENGTH = 12
MAX_LENGTH = 128

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email costs as much time as a wrong
# password and timing does not tell whether an account exists.
_DUMMY_HASH = _hasher.hash("timing-equaliser-not-a-password")


def configure_hasher(params: dict[str, Any] | None) -> None:
    """Tests use cheap argon2 parameters (ARGON2_PARAMETERS); production keeps the library's
    recommended defaults."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(**params) if params else PasswordHasher()
    _DUMMY_HASH = _hasher.hash("timing-equaliser-not-a-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@cache
def common_passwords() -> frozenset[str]:
    data = resources.files("portal").joinpath("data/common-passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode().split())


def password_problem(password: str, *, email: str = "", name: str = "") -> LazyString | None:
    """Why the password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _l("Use at least %(n)d characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("Use at most %(n)d characters.", n=MAX_LENGTH)
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) < 4:
        return _l("This password is too common and easy to guess. Choose another.")
    local_part = email.split("@")[0].lower()
    if (local_part and len(local_part) >= 4 and local_part in lowered) or (
        name and len(name) >= 4 and name.lower().replace(" ", "") in lowered.replace(" ", "")
    ):
        return _l("Your password must not contain your name or email.")
    return None
