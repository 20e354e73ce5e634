"""The HTTP API (F7) on the standard library's http.server.

Routes (JSON in and out; every error answer is {"error": "<message>"}):

    POST /shorten        {"url": ..., "alias"?: ..., "ttl"?: ...}
                         201 {"code", "short_url", "url", "expires_at"}
                         400 bad JSON, URL, alias, TTL or field; 409 alias taken;
                         411 no Content-Length; 413 body over MAX_BODY_BYTES
    GET  /<code>         302 redirect with Location (counts a click);
                         404 unknown code; 410 expired
    GET  /stats/<code>   200 statistics; 404 unknown code

Unknown paths answer 404 and other methods 405.

make_server() returns a ShortenerServer that is bound but not yet serving: the caller
runs serve_forever() (tests do so in a thread, on port 0) and must call shutdown() and
server_close() when done. Requests are handled in threads; the service's store is
thread-safe.
"""

import json
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional
from urllib.parse import unquote, urlsplit

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

MAX_BODY_BYTES = 16 * 1024
SHORTEN_FIELDS = frozenset({"url", "alias", "ttl"})

_ERROR_STATUS = [
    ((InvalidURLError, InvalidAliasError, InvalidTTLError), HTTPStatus.BAD_REQUEST),
    ((AliasTakenError,), HTTPStatus.CONFLICT),
    ((LinkNotFoundError,), HTTPStatus.NOT_FOUND),
    ((LinkExpiredError,), HTTPStatus.GONE),
]


def status_for(error: ShortenerError) -> HTTPStatus:
    """The HTTP status that answers a service error."""
    for error_types, status in _ERROR_STATUS:
        if isinstance(error, error_types):
            return status
    return HTTPStatus.BAD_REQUEST


class HTTPError(Exception):
    """A request that cannot be served; becomes an error answer with `status`."""

    def __init__(self, status: HTTPStatus, message: str, headers: Optional[dict] = None):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


class ShortenerServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default listen backlog of 5 resets bursts of clients

    def __init__(self, address, service: ShortenerService, base_url: Optional[str] = None,
                 log_requests: bool = False):
        super().__init__(address, ShortenerRequestHandler)
        self.service = service
        self.log_requests = log_requests
        host, port = self.server_address[:2]
        self.base_url = (base_url or f"http://{host}:{port}").rstrip("/")


def make_server(service: ShortenerService, host: str = "127.0.0.1", port: int = 8000,
                base_url: Optional[str] = None, log_requests: bool = False) -> ShortenerServer:
    """Bind a server for `service` to (host, port); port 0 picks a free port."""
    return ShortenerServer((host, port), service, base_url=base_url, log_requests=log_requests)


class ShortenerRequestHandler(BaseHTTPRequestHandler):
    server_version = "shortener/0.1"

    def do_GET(self):
        self._dispatch(self._get)

    def do_POST(self):
        self._dispatch(self._post)

    def do_HEAD(self):
        self._dispatch(self._not_allowed)

    def do_PUT(self):
        self._dispatch(self._not_allowed)

    def do_PATCH(self):
        self._dispatch(self._not_allowed)

    def do_DELETE(self):
        self._dispatch(self._not_allowed)

    def log_message(self, format, *args):
        if self.server.log_requests:
            super().log_message(format, *args)

    # Routing.

    def _dispatch(self, handler):
        try:
            handler(urlsplit(self.path).path)
        except HTTPError as error:
            self._send_json(error.status, {"error": str(error)}, error.headers)
        except ShortenerError as error:
            self._send_json(status_for(error), {"error": str(error)})

    def _get(self, path: str):
        service = self.server.service
        if path.startswith("/stats/"):
            code = self._code_from(path[len("/stats/"):])
            self._send_json(HTTPStatus.OK, service.stats(code))
            return
        code = self._code_from(path[1:])
        url = service.resolve(code)
        self._send(HTTPStatus.FOUND, b"", "text/plain; charset=utf-8", {"Location": url})

    def _post(self, path: str):
        if path != "/shorten":
            raise HTTPError(HTTPStatus.NOT_FOUND, f"no route POST {path}; use POST /shorten")
        request = self._read_json_object()
        unknown = sorted(set(request) - SHORTEN_FIELDS)
        if unknown:
            raise HTTPError(HTTPStatus.BAD_REQUEST,
                            f"unknown field(s) {', '.join(unknown)}; allowed: alias, ttl, url")
        if "url" not in request:
            raise HTTPError(HTTPStatus.BAD_REQUEST, 'the field "url" is required')
        link = self.server.service.shorten(
            request["url"], alias=request.get("alias"), ttl=request.get("ttl")
        )
        self._send_json(HTTPStatus.CREATED, {
            "code": link.code,
            "short_url": f"{self.server.base_url}/{link.code}",
            "url": link.url,
            "expires_at": link.expires_at,
        })

    def _not_allowed(self, path: str):
        allowed = "POST" if path == "/shorten" else "GET"
        raise HTTPError(HTTPStatus.METHOD_NOT_ALLOWED,
                        f"{self.command} is not supported on {path}; use {allowed}",
                        {"Allow": allowed})

    # Helpers.

    @staticmethod
    def _code_from(segment: str) -> str:
        code = unquote(segment)
        if not code or "/" in code:
            raise HTTPError(HTTPStatus.NOT_FOUND,
                            "no such route; use GET /<code> or GET /stats/<code>")
        return code

    def _read_json_object(self) -> dict:
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            raise HTTPError(HTTPStatus.LENGTH_REQUIRED, "send a Content-Length header with the body")
        try:
            length = int(length_header)
        except ValueError:
            raise HTTPError(HTTPStatus.BAD_REQUEST,
                            f"Content-Length {length_header!r} is not a number") from None
        if length < 0:
            raise HTTPError(HTTPStatus.BAD_REQUEST, "Content-Length cannot be negative")
        if length > MAX_BODY_BYTES:
            raise HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                            f"the body has {length} bytes; at most {MAX_BODY_BYTES} are accepted")
        body = self.rfile.read(length)
        try:
            request = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise HTTPError(HTTPStatus.BAD_REQUEST, f"the body is not valid JSON: {error}") from None
        if not isinstance(request, dict):
            raise HTTPError(HTTPStatus.BAD_REQUEST,
                            'the body must be a JSON object such as {"url": "https://example.com"}')
        return request

    def _send_json(self, status: HTTPStatus, payload, headers: Optional[dict] = None):
        body = json.dumps(payload).encode("utf-8")
        self._send(status, body, "application/json", headers)

    def _send(self, status: HTTPStatus, body: bytes, content_type: str,
              headers: Optional[dict] = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
