"""The shortening rules (F1, F3-F5) on top of a LinkStore.

Time comes from `clock` (default time.time), truncated to whole seconds, so tests can
inject a fake clock instead of sleeping. Expected failures raise the exceptions of
shortener.errors; the store's thread-safety carries over to the service.
"""

import time
from typing import Callable, List, Optional

from . import codes
from .errors import AliasTakenError, LinkExpiredError, LinkNotFoundError
from .store import Link, LinkStore
from .validation import validate_alias, validate_ttl, validate_url


class ShortenerService:
    def __init__(self, store: LinkStore, clock: Callable[[], float] = time.time):
        self._store = store
        self._clock = clock

    def now(self) -> int:
        return int(self._clock())

    def shorten(self, url: str, alias: Optional[str] = None, ttl: Optional[int] = None) -> Link:
        """Validate, store and return a new link (F1, F2, F5)."""
        validate_url(url)
        if alias is not None:
            validate_alias(alias)
        if ttl is not None:
            validate_ttl(ttl)
        created_at = self.now()
        expires_at = None if ttl is None else created_at + ttl
        if alias is not None:
            link = Link(alias, url, created_at, expires_at)
            self._store.add(link)
            return link
        while True:
            link = Link(codes.encode(self._store.next_sequence()), url, created_at, expires_at)
            try:
                self._store.add(link)
                return link
            except AliasTakenError:
                continue  # an alias already uses this code: take the next number

    def is_expired(self, link: Link) -> bool:
        """True from the instant `expires_at` is reached (F5)."""
        return link.expires_at is not None and self.now() >= link.expires_at

    def resolve(self, code: str) -> str:
        """Return the target URL of `code` and count a click (F3, F4)."""
        link = self._get(code)
        if self.is_expired(link):
            raise LinkExpiredError(f"the link {code!r} expired at {link.expires_at}")
        self._store.add_click(code)
        return link.url

    def stats(self, code: str) -> dict:
        """The statistics of F4, also for expired links."""
        link = self._get(code)
        return {
            "code": link.code,
            "url": link.url,
            "clicks": link.clicks,
            "created_at": link.created_at,
            "expires_at": link.expires_at,
            "expired": self.is_expired(link),
        }

    def links(self) -> List[Link]:
        """Every link, in creation order (F4)."""
        return self._store.all()

    def _get(self, code: str) -> Link:
        link = self._store.get(code)
        if link is None:
            raise LinkNotFoundError(f"no link has the code {code!r}; check the code or shorten the URL first")
        return link
