"""Show a URL setting without its secrets: user-info passwords and secret query values."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters whose value is a credential (compared case-insensitively).
SECRET_QUERY_NAMES = frozenset(
    {"password", "pass", "passwd", "pwd", "secret", "token", "api_key", "apikey", "key", "auth"}
)
SHOWN = "***"


def url_has_password(url: str) -> bool:
    """Return True if `url` carries a credential in its user info or its query."""
    parts = urlsplit(url)
    if parts.netloc.rpartition("@")[1]:
        return True  # a bare user info may be a password typed without its colon
    return any(name.lower() in SECRET_QUERY_NAMES for name, _ in _query(parts.query))


def redact_url(url: str) -> str:
    """Return `url` with its user-info password (or whole user info) and secret query values ***."""
    parts = urlsplit(url)
    userinfo, at, host = parts.netloc.rpartition("@")
    if at:
        user = userinfo.partition(":")[0] if ":" in userinfo else ""
        parts = parts._replace(netloc=f"{user}:{SHOWN}@{host}" if user else f"{SHOWN}@{host}")
    if parts.query:
        pairs = [
            (name, SHOWN if name.lower() in SECRET_QUERY_NAMES else value)
            for name, value in _query(parts.query)
        ]
        parts = parts._replace(query=urlencode(pairs, safe="*"))
    return urlunsplit(parts)


def _query(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query, keep_blank_values=True)
