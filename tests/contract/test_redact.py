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


@pytest.mark.parametrize(
    "text",
    [
        "dial postgresql://app:hunter2pw@db:5432/techno failed",
        "GET https://example.test/hook?channel=ops&password=hunter2pw HTTP/1.1",
        "redis://:hunter2pw@127.0.0.1:6379/0",
        'url="https://pd.example/?token=hunter2pw"',
    ],
)
def test_url_passwords_are_redacted_without_registration(text: str) -> None:
    redacted = Redactor()(text)
    assert "hunter2pw" not in redacted
    assert PLACEHOLDER in redacted


def test_urls_without_credentials_are_kept() -> None:
    text = "scrape http://127.0.0.1:9090/api/v1/query?query=up&time=1 ok"
    assert Redactor()(text) == text


def test_a_secret_containing_another_is_replaced_whole() -> None:
    redact = Redactor()
    redact.add("abcd")
    redact.add("abcdefgh")
    assert redact("abcdefgh") == PLACEHOLDER


def test_trivially_short_secrets_are_refused() -> None:
    with pytest.raises(ValueError, match="shorter than 4"):
        Redactor().add("ab")
