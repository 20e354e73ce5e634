"""shortener: a URL-shortening service built on the Python standard library.

Modules: `codes` (base62 short codes), `errors` (the exceptions callers handle),
`store` (SQLite persistence), `service` (the shortening rules), `http_api` (the HTTP
server) and `cli` (the `python -m shortener` command line).
"""

__version__ = "0.1.0"

from .errors import (
    AliasTakenError,
    InvalidAliasError,
    InvalidTTLError,
    InvalidURLError,
    LinkExpiredError,
    LinkNotFoundError,
    ShortenerError,
)
from .service import ShortenerService
from .store import Link, LinkStore

__all__ = [
    "AliasTakenError",
    "InvalidAliasError",
    "InvalidTTLError",
    "InvalidURLError",
    "Link",
    "LinkExpiredError",
    "LinkNotFoundError",
    "LinkStore",
    "ShortenerError",
    "ShortenerService",
]
