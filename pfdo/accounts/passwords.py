"""Password hashing (argon2id) and the password policy.

Each argon2id call takes 64 MiB for a moment, so a process runs at most
PASSWORD_HASH_CONCURRENCY of them at once; a call that cannot start within
PASSWORD_HASH_WAIT seconds raises ServerBusy (answered 503) without hashing, so parallel
logins cannot exhaust the memory."""

from __future__ import annotations

import functools
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pfdo.errors import ServerBusy

_hasher = PasswordHasher()  # argon2id, t=3, m=64 MiB, p=4: above the OWASP minimum
_slots = threading.BoundedSemaphore(2)
_wait_seconds = 3.0

MIN_LENGTH = 10
MAX_LENGTH = 128

# The most common passwords (and their Russian-keyboard favourites) that pass the length rule.
COMMON_PASSWORDS = frozenset(
    {
        "1234567890", "0123456789", "12345678910", "123456789012", "1111111111", "0000000000",
        "qwertyuiop", "qwerty1234", "qwerty12345", "1q2w3e4r5t", "1q2w3e4r5t6y", "q1w2e3r4t5",
        "password12", "password123", "password1234", "passw0rd12", "iloveyou12", "abcdefghij",
        "asdfghjkl1", "zxcvbnm123", "qazwsxedc1", "qazwsxedcrfv", "1qaz2wsx3edc", "9876543210",
        "aaaaaaaaaa", "123123123123", "1234512345", "1234qwerty", "qwerty123456", "11111111111",
        "йцукенгшщз", "пароль1234", "пароль12345", "парольпароль", "1234567890q", "q1234567890",
        "admin12345", "administrator", "welcome123", "letmein123", "dragon1234", "football12",
        "monkey1234", "sunshine12", "princess12", "superman12", "michael123", "natasha123",
        "12345qwert", "qwertyuiop1", "7777777777", "5555555555", "zaq12wsxcde", "gfhjkm1234",
    }
)


def configure(*, concurrency: int, wait_seconds: float) -> None:
    """Set the bound (the factory calls it with PASSWORD_HASH_CONCURRENCY and _WAIT)."""
    global _slots, _wait_seconds
    _slots = threading.BoundedSemaphore(max(1, concurrency))
    _wait_seconds = wait_seconds


@contextmanager
def _hashing_slot() -> Iterator[None]:
    slots = _slots  # the one acquired is the one released, even if configure() runs meanwhile
    if not slots.acquire(timeout=_wait_seconds):
        raise ServerBusy
    try:
        yield
    finally:
        slots.release()


def hash_password(password: str) -> str:
    with _hashing_slot():
        return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    with _hashing_slot():
        try:
            return _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


@functools.cache
def _dummy_hash(parameters: tuple) -> str:
    return _hasher.hash(secrets.token_hex(16))


def check_login_password(password_hash: str | None, password: str) -> bool:
    """Like verify_password, but always spends one argon2 verification, with or without a
    hash (unknown login, an invitation not accepted yet), so timing reveals no account."""
    if password_hash:
        return verify_password(password_hash, password)
    dummy = _dummy_hash((_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism))
    verify_password(dummy, password)
    return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str, *, email: str = "", phone: str = "") -> str | None:
    """Why this password is refused (in Russian), or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Пароль должен быть не короче {MIN_LENGTH} символов"
    if len(password) > MAX_LENGTH:
        return f"Пароль должен быть не длиннее {MAX_LENGTH} символов"
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) <= 2:
        return "Этот пароль слишком распространён: его легко подобрать. Придумайте другой"
    local = email.split("@")[0].lower()
    if (email and lowered == email.lower()) or (len(local) >= 4 and lowered == local):
        return "Пароль не должен совпадать с адресом электронной почты"
    if phone and lowered.lstrip("+") in {phone.lstrip("+"), "8" + phone[2:]}:
        return "Пароль не должен совпадать с номером телефона"
    return None
