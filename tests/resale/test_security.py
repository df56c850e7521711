"""Password hashing, token digests, CSRF comparison and signed values."""

from __future__ import annotations

import hashlib

import pytest

from resale.core import security

SECRET = "s" * 40


def test_hash_is_argon2_and_verifies() -> None:
    hashed = security.hash_password("correct horse battery staple")
    assert hashed.startswith("$argon2id$")
    assert "correct horse" not in hashed
    assert security.verify_password("correct horse battery staple", hashed)


def test_same_password_hashes_differently_each_time() -> None:
    # A random salt per hash: equal passwords do not give equal hashes.
    assert security.hash_password("same password") != security.hash_password("same password")


@pytest.mark.parametrize(
    "attempt", ["wrong password", "Correct horse battery staple", "", "correct horse battery"]
)
def test_wrong_password_is_refused(attempt: str) -> None:
    hashed = security.hash_password("correct horse battery staple")
    assert security.verify_password(attempt, hashed) is False


def test_missing_hash_never_verifies() -> None:
    # Even the password the dummy hash was made from must not let a hash-less account in.
    assert security.verify_password("not-a-real-password", None) is False
    assert security.verify_password("anything", None) is False
    assert security.verify_password("anything", "") is False


def test_malformed_hash_is_refused_not_raised() -> None:
    assert security.verify_password("anything", "not-an-argon2-hash") is False


def test_fresh_hash_needs_no_rehash() -> None:
    assert security.password_needs_rehash(security.hash_password("pw-123456")) is False


def test_new_tokens_are_random_and_long() -> None:
    tokens = {security.new_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(len(t) >= 40 for t in tokens)


def test_token_digest_is_sha256_hex() -> None:
    token = security.new_token()
    digest = security.token_digest(token)
    assert digest == hashlib.sha256(token.encode()).hexdigest()
    assert len(digest) == 64
    assert token not in digest
    assert security.token_digest(token) == digest
    assert security.token_digest(token + "x") != digest


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("abc", "abc", True),
        ("abc", "abd", False),
        ("abc", "abcd", False),
        (None, None, False),
        ("", "", False),
        ("abc", None, False),
        (None, "abc", False),
        ("", "abc", False),
    ],
)
def test_same_token(a: str | None, b: str | None, expected: bool) -> None:
    assert security.same_token(a, b) is expected


def test_sign_and_unsign_round_trip() -> None:
    signed = security.sign("user:42", secret=SECRET, purpose="flash")
    assert signed.startswith("user:42.")
    assert signed != "user:42"
    assert security.unsign(signed, secret=SECRET, purpose="flash") == "user:42"


def test_value_with_dots_round_trips() -> None:
    signed = security.sign("a.b.c", secret=SECRET, purpose="flash")
    assert security.unsign(signed, secret=SECRET, purpose="flash") == "a.b.c"


def test_tampered_value_is_detected() -> None:
    signed = security.sign("user:42", secret=SECRET, purpose="flash")
    _, _, mac = signed.rpartition(".")
    assert security.unsign(f"user:43.{mac}", secret=SECRET, purpose="flash") is None


def test_tampered_mac_is_detected() -> None:
    signed = security.sign("user:42", secret=SECRET, purpose="flash")
    flipped = signed[:-1] + ("0" if signed[-1] != "0" else "1")
    assert security.unsign(flipped, secret=SECRET, purpose="flash") is None
    assert security.unsign(signed[:-1], secret=SECRET, purpose="flash") is None


def test_other_secret_or_purpose_is_refused() -> None:
    signed = security.sign("user:42", secret=SECRET, purpose="flash")
    assert security.unsign(signed, secret="t" * 40, purpose="flash") is None
    assert security.unsign(signed, secret=SECRET, purpose="session") is None


@pytest.mark.parametrize("garbage", ["", ".", "no-mac-at-all", ".deadbeef", "value."])
def test_garbage_is_refused(garbage: str) -> None:
    assert security.unsign(garbage, secret=SECRET, purpose="flash") is None
