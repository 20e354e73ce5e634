"""The exceptions a caller of the shortener is expected to handle.

All of them derive from ShortenerError, so the HTTP API and the CLI can turn any expected
failure into a clean error answer with one `except` clause. Validation errors also derive
from ValueError.
"""


class ShortenerError(Exception):
    """Base class of every expected failure."""


class InvalidURLError(ShortenerError, ValueError):
    """The URL cannot be shortened (F2)."""


class InvalidAliasError(ShortenerError, ValueError):
    """The custom alias breaks the alias rules (F2)."""


class InvalidTTLError(ShortenerError, ValueError):
    """The time-to-live is not a positive whole number of seconds (F2)."""


class AliasTakenError(ShortenerError):
    """Another link already uses the requested code (F1)."""


class LinkNotFoundError(ShortenerError):
    """No link has the requested code (F3)."""


class LinkExpiredError(ShortenerError):
    """The link exists but its time-to-live has run out (F5)."""
