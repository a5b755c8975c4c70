"""Keep secrets out of evidence: every text written there passes through a Redactor."""

from __future__ import annotations

import re

from service.redact import SECRET_QUERY_NAMES

PLACEHOLDER = "<redacted>"
# Text that carries a credential (headers, URLs), whatever secret it holds.
_CREDENTIAL_PATTERNS = (
    re.compile(r"(?i)(x-api-key\s*[:=]\s*)([^\s,;\"']+)"),
    re.compile(r"(?i)(authorization\s*[:=]\s*(?:bearer|basic)\s+)([^\s,;\"']+)"),
    re.compile(r"(?i)(\"api_key\"\s*:\s*\")([^\"]+)"),
    # A URL's user-info password (scheme://user:PASSWORD@host) ...
    re.compile(r"(?i)([a-z][a-z0-9+.-]*://[^/\s:@]*:)([^@\s/]+)(?=@)"),
    # ... and a credential in its query (?password=..., &token=...), the names the
    # backend redacts in its own logs.
    re.compile(r"(?i)([?&](?:" + "|".join(sorted(SECRET_QUERY_NAMES)) + r")=)([^&\s\"'#]+)"),
)


class Redactor:
    """Replace known secrets and the credentials in headers and URLs with a placeholder."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, secret: str) -> None:
        """Remember a secret so it never reaches evidence or the terminal."""
        if len(secret) < 4:
            raise ValueError("refusing to register a secret shorter than 4 characters")
        self._secrets.add(secret)

    def __call__(self, text: str) -> str:
        """Return text with every known secret and every credential in a header or URL replaced."""
        # Longest first so a secret that contains another is replaced whole.
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, PLACEHOLDER)
        for pattern in _CREDENTIAL_PATTERNS:
            text = pattern.sub(lambda m: m.group(1) + PLACEHOLDER, text)
        return text
