"""The command line (F8): python -m shortener [--db PATH] COMMAND ...

main(argv) returns the exit status: 0 on success, 1 when the service reports an error
(the message goes to stderr as "error: ..."); argparse exits with status 2 on usage
errors. The database defaults to $SHORTENER_DB, else shortener.db in the current
directory.
"""

import argparse
import json
import os
import sqlite3
import sys
from typing import Optional, Sequence

from .errors import ShortenerError
from .http_api import make_server
from .service import ShortenerService
from .store import LinkStore

DEFAULT_DB = "shortener.db"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m shortener",
        description="Shorten URLs, resolve short codes and serve the HTTP API.",
    )
    parser.add_argument(
        "--db", default=os.environ.get("SHORTENER_DB", DEFAULT_DB),
        help="SQLite database file (default: $SHORTENER_DB or %(default)s)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    shorten = commands.add_parser("shorten", help="store a URL and print its short code")
    shorten.add_argument("url")
    shorten.add_argument("--alias", help="custom code (3-32 characters: A-Z a-z 0-9 _ -)")
    shorten.add_argument("--ttl", type=int, help="seconds until the link expires")

    resolve = commands.add_parser("resolve", help="print the URL of a code (counts a click)")
    resolve.add_argument("code")

    stats = commands.add_parser("stats", help="print the statistics of a code as JSON")
    stats.add_argument("code")

    commands.add_parser("list", help="print every link: code, clicks and URL")

    serve = commands.add_parser("serve", help="run the HTTP API until interrupted")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--base-url", help="prefix of short URLs (default: http://HOST:PORT)")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        store = LinkStore(args.db)
    except sqlite3.Error as error:
        print(f"error: cannot open the database {args.db!r}: {error}; check --db", file=sys.stderr)
        return 1
    try:
        return COMMANDS[args.command](ShortenerService(store), args)
    except ShortenerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        store.close()


def _shorten(service: ShortenerService, args) -> int:
    print(service.shorten(args.url, alias=args.alias, ttl=args.ttl).code)
    return 0


def _resolve(service: ShortenerService, args) -> int:
    print(service.resolve(args.code))
    return 0


def _stats(service: ShortenerService, args) -> int:
    print(json.dumps(service.stats(args.code), indent=2))
    return 0


def _list(service: ShortenerService, args) -> int:
    for link in service.links():
        print(f"{link.code}\t{link.clicks}\t{link.url}")
    return 0


def _serve(service: ShortenerService, args) -> int:
    server = make_server(service, args.host, args.port, base_url=args.base_url,
                         log_requests=True)
    print(f"serving on {server.base_url} (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


COMMANDS = {
    "shorten": _shorten,
    "resolve": _resolve,
    "stats": _stats,
    "list": _list,
    "serve": _serve,
}
