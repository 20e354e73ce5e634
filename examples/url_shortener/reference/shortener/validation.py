"""Input rules for URLs, aliases and TTLs (F2).

Each validate_* function returns its argument unchanged when it is acceptable and
otherwise raises the matching error of shortener.errors, with a message saying what to
send instead.
"""

import re
from urllib.parse import urlsplit

from .errors import InvalidAliasError, InvalidTTLError, InvalidURLError

MAX_URL_LENGTH = 2048
ALIAS_PATTERN = re.compile(r"[A-Za-z0-9_-]{3,32}")
RESERVED_ALIASES = frozenset({"shorten", "stats"})


def validate_url(url):
    """An absolute http(s) URL with a host, at most MAX_URL_LENGTH characters."""
    if not isinstance(url, str) or not url:
        raise InvalidURLError("the URL must be a non-empty string")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidURLError(
            f"the URL has {len(url)} characters; at most {MAX_URL_LENGTH} are accepted"
        )
    if any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in url):
        raise InvalidURLError("the URL contains whitespace or control characters; percent-encode them")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as error:
        raise InvalidURLError(f"the URL cannot be parsed: {error}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidURLError("only absolute http:// and https:// URLs can be shortened")
    if not host:
        raise InvalidURLError("the URL has no host name, as in https://example.com/path")
    return url


def validate_alias(alias):
    """3 to 32 characters from A-Z a-z 0-9 _ -, and not a reserved HTTP route."""
    if not isinstance(alias, str) or not ALIAS_PATTERN.fullmatch(alias):
        raise InvalidAliasError(
            "an alias has 3 to 32 characters from A-Z, a-z, 0-9, '_' and '-'"
        )
    if alias.lower() in RESERVED_ALIASES:
        raise InvalidAliasError(f"the alias {alias!r} is reserved by the HTTP API; choose another")
    return alias


def validate_ttl(ttl):
    """A positive whole number of seconds (bool is not accepted)."""
    if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl <= 0:
        raise InvalidTTLError(f"the TTL must be a positive whole number of seconds, not {ttl!r}")
    return ttl
