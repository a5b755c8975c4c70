"""Secrets never reach evidence."""

from __future__ import annotations

import pytest

from contract.redact import PLACEHOLDER, Redactor


def test_registered_secrets_are_replaced_everywhere() -> None:
    redact = Redactor()
    redact.add("tk_secret_123456")
    assert (
        redact("key tk_secret_123456 and again tk_secret_123456")
        == f"key {PLACEHOLDER} and again {PLACEHOLDER}"
    )


@pytest.mark.parametrize(
    "text",
    ["X-API-KEY: abcdef123", "Authorization: Bearer abcdef123", '{"api_key": "abcdef123"}'],
)
def test_credential_headers_are_redacted_without_registration(text: str) -> None:
    assert "abcdef123" not in Redactor()(text)


def test_a_secret_containing_another_is_replaced_whole() -> None:
    redact = Redactor()
    redact.add("abcd")
    redact.add("abcdefgh")
    assert redact("abcdefgh") == PLACEHOLDER


def test_trivially_short_secrets_are_refused() -> None:
    with pytest.raises(ValueError, match="shorter than 4"):
        Redactor().add("ab")
