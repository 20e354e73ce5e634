"""SQLite persistence for links (F6).

A LinkStore owns one sqlite3 connection to a database file (or ":memory:") and creates
the schema on first open. One store may be shared by several threads: every operation
holds the store's lock and runs in its own transaction. Call close() when done (or use
the store as a context manager).
"""

import sqlite3
import threading
from dataclasses import dataclass
from typing import List, Optional

from .errors import AliasTakenError

SCHEMA = """
CREATE TABLE IF NOT EXISTS links (
    code TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    clicks INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sequence (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_value INTEGER NOT NULL
);
INSERT OR IGNORE INTO sequence (id, last_value) VALUES (1, 0);
"""

_COLUMNS = "code, url, created_at, expires_at, clicks"


@dataclass(frozen=True)
class Link:
    """One short link. Times are whole seconds since the epoch."""

    code: str
    url: str
    created_at: int
    expires_at: Optional[int] = None
    clicks: int = 0


class LinkStore:
    def __init__(self, path: str = ":memory:"):
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(path), check_same_thread=False)
        with self._lock, self._conn:
            self._conn.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> "LinkStore":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def next_sequence(self) -> int:
        """Advance the persistent sequence and return its new value: 1, 2, 3, ..."""
        with self._lock, self._conn:
            self._conn.execute("UPDATE sequence SET last_value = last_value + 1 WHERE id = 1")
            row = self._conn.execute("SELECT last_value FROM sequence WHERE id = 1").fetchone()
        return row[0]

    def add(self, link: Link) -> None:
        """Insert a new link. Raises AliasTakenError if its code is already used."""
        try:
            with self._lock, self._conn:
                self._conn.execute(
                    f"INSERT INTO links ({_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
                    (link.code, link.url, link.created_at, link.expires_at, link.clicks),
                )
        except sqlite3.IntegrityError:
            raise AliasTakenError(
                f"the code {link.code!r} is already in use; choose another alias"
            ) from None

    def get(self, code: str) -> Optional[Link]:
        """Return the link with this code, or None."""
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_COLUMNS} FROM links WHERE code = ?", (code,)
            ).fetchone()
        return None if row is None else Link(*row)

    def add_click(self, code: str) -> None:
        """Count one click for the link with this code (no effect for unknown codes)."""
        with self._lock, self._conn:
            self._conn.execute("UPDATE links SET clicks = clicks + 1 WHERE code = ?", (code,))

    def all(self) -> List[Link]:
        """Every link, in creation order."""
        with self._lock:
            rows = self._conn.execute(f"SELECT {_COLUMNS} FROM links ORDER BY rowid").fetchall()
        return [Link(*row) for row in rows]
