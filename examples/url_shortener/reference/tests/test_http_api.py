import http.client
import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from shortener import codes
from shortener.errors import (
    AliasTakenError,
    InvalidURLError,
    LinkExpiredError,
    LinkNotFoundError,
    ShortenerError,
)
from shortener.http_api import MAX_BODY_BYTES, make_server, status_for
from shortener.service import ShortenerService
from shortener.store import LinkStore


class FakeClock:
    def __init__(self, now=5_000):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def start_server(clock):
    """Start servers on free ports in background threads; stop them all after the test."""
    running = []

    def start(**options):
        store = LinkStore()
        http_server = make_server(ShortenerService(store, clock=clock), "127.0.0.1", 0, **options)
        thread = threading.Thread(target=http_server.serve_forever,
                                  kwargs={"poll_interval": 0.01}, daemon=True)
        thread.start()
        running.append((http_server, thread, store))
        return http_server

    yield start
    for http_server, thread, store in running:
        http_server.shutdown()
        http_server.server_close()
        thread.join(timeout=5)
        store.close()


@pytest.fixture
def server(start_server):
    return start_server(base_url="http://sho.rt")


def call(server, method, path, body=None, headers=None):
    """Send one request; return (status, headers, parsed JSON body or None)."""
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=5)
    try:
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        raw = response.read()
        is_json = raw and response.getheader("Content-Type") == "application/json"
        payload = json.loads(raw) if is_json else None
        return response.status, response, payload
    finally:
        connection.close()


def shorten(server, **fields):
    status, _, payload = call(server, "POST", "/shorten", fields)
    assert status == 201, payload
    return payload


def test_F7_shorten_answers_201_with_the_link(server):
    status, _, payload = call(server, "POST", "/shorten", {"url": "https://example.com/a"})
    assert status == 201
    assert payload == {"code": "1", "short_url": "http://sho.rt/1",
                       "url": "https://example.com/a", "expires_at": None}


def test_F7_shorten_with_alias_and_ttl(server):
    payload = shorten(server, url="https://example.com/sale", alias="sale", ttl=60)
    assert payload["code"] == "sale"
    assert payload["short_url"] == "http://sho.rt/sale"
    assert payload["expires_at"] == 5_060


def test_F7_get_code_redirects_and_counts_a_click(server):
    code = shorten(server, url="https://example.com/target?q=1")["code"]
    status, response, _ = call(server, "GET", f"/{code}")
    assert status == 302
    assert response.getheader("Location") == "https://example.com/target?q=1"
    _, _, stats = call(server, "GET", f"/stats/{code}")
    assert stats["clicks"] == 1


def test_F7_unknown_code_answers_404_json(server):
    status, _, payload = call(server, "GET", "/nope")
    assert status == 404
    assert "nope" in payload["error"]


def test_F7_expired_code_answers_410(server, clock):
    code = shorten(server, url="https://example.com/sale", ttl=10)["code"]
    clock.now = 5_010
    status, _, payload = call(server, "GET", f"/{code}")
    assert status == 410
    assert "expired" in payload["error"]


def test_F7_stats_answer_the_statistics(server):
    code = shorten(server, url="https://example.com/s", alias="stat-me")["code"]
    call(server, "GET", f"/{code}")
    call(server, "GET", f"/{code}")
    status, _, payload = call(server, "GET", "/stats/stat-me")
    assert status == 200
    assert payload == {"code": "stat-me", "url": "https://example.com/s", "clicks": 2,
                       "created_at": 5_000, "expires_at": None, "expired": False}


def test_F7_stats_of_unknown_code_answer_404(server):
    status, _, payload = call(server, "GET", "/stats/missing")
    assert status == 404
    assert "error" in payload


@pytest.mark.parametrize(
    "body, fragment",
    [("{not json", "not valid JSON"),
     ("[1, 2]", "JSON object"),
     ({"alias": "abc"}, '"url" is required'),
     ({"url": "https://example.com", "colour": "red"}, "unknown field(s) colour"),
     ({"url": "ftp://example.com"}, "http"),
     ({"url": "https://example.com", "alias": "a"}, "alias"),
     ({"url": "https://example.com", "alias": "stats"}, "reserved"),
     ({"url": "https://example.com", "ttl": -1}, "TTL")],
)
def test_F7_bad_requests_answer_400_with_a_reason(server, body, fragment):
    status, _, payload = call(server, "POST", "/shorten", body)
    assert status == 400
    assert fragment in payload["error"]


@pytest.mark.parametrize(
    "body, length, fragment",
    [(b"", "many", "not a number"),
     (b"", "-1", "negative"),
     (b"\xff\xfe", "2", "not valid JSON")],
)
def test_F7_malformed_bodies_answer_400(server, body, length, fragment):
    status, _, payload = call(server, "POST", "/shorten", body, headers={"Content-Length": length})
    assert status == 400
    assert fragment in payload["error"]


@pytest.mark.parametrize(
    "error, status",
    [(InvalidURLError("bad"), 400), (AliasTakenError("taken"), 409),
     (LinkNotFoundError("missing"), 404), (LinkExpiredError("old"), 410),
     (ShortenerError("other"), 400)],
)
def test_F7_status_for_maps_service_errors(error, status):
    assert status_for(error) == status


def test_F7_taken_alias_answers_409(server):
    shorten(server, url="https://example.com/1", alias="taken")
    status, _, payload = call(server, "POST", "/shorten",
                              {"url": "https://example.com/2", "alias": "taken"})
    assert status == 409
    assert "taken" in payload["error"]


def test_F7_oversized_body_answers_413_without_reading_it(server):
    headers = {"Content-Length": str(MAX_BODY_BYTES + 1), "Content-Type": "application/json"}
    status, _, payload = call(server, "POST", "/shorten", headers=headers)
    assert status == 413
    assert str(MAX_BODY_BYTES) in payload["error"]


def test_F7_unknown_post_path_answers_404(server):
    status, _, payload = call(server, "POST", "/elsewhere")
    assert status == 404
    assert "POST /shorten" in payload["error"]


@pytest.mark.parametrize("path", ["/", "/a/b"])
def test_F7_paths_that_are_not_codes_answer_404(server, path):
    status, _, payload = call(server, "GET", path)
    assert status == 404
    assert "GET /<code>" in payload["error"]


@pytest.mark.parametrize("method, path, allowed", [("DELETE", "/abc", "GET"),
                                                   ("PUT", "/shorten", "POST"),
                                                   ("HEAD", "/abc", "GET")])
def test_F7_other_methods_answer_405_with_allow(server, method, path, allowed):
    status, response, _ = call(server, method, path)
    assert status == 405
    assert response.getheader("Allow") == allowed


def test_F7_concurrent_shortens_get_distinct_codes(server):
    results = []

    def work(n):
        results.append(shorten(server, url=f"https://example.com/{n}")["code"])

    threads = [threading.Thread(target=work, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=codes.decode) == [codes.encode(n) for n in range(1, 11)]


def test_F7_default_base_url_is_the_server_address(start_server):
    plain = start_server()
    host, port = plain.server_address[:2]
    payload = shorten(plain, url="https://example.com")
    assert payload["short_url"] == f"http://{host}:{port}/1"


def test_F7_trailing_slash_of_base_url_is_dropped(start_server):
    proxied = start_server(base_url="https://sho.rt/")
    assert shorten(proxied, url="https://example.com")["short_url"] == "https://sho.rt/1"


def test_F7_following_the_short_url_reaches_the_target(start_server):
    class Target(BaseHTTPRequestHandler):
        def do_GET(self):
            body = f"target saw {self.path}".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            pass

    target = HTTPServer(("127.0.0.1", 0), Target)
    thread = threading.Thread(target=target.serve_forever, kwargs={"poll_interval": 0.01},
                              daemon=True)
    thread.start()
    try:
        host, port = target.server_address[:2]
        landing = f"http://{host}:{port}/landing?x=1"
        short_url = shorten(start_server(), url=landing)["short_url"]
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(short_url, timeout=5) as response:
            assert (response.status, response.url) == (200, landing)
            assert response.read() == b"target saw /landing?x=1"
    finally:
        target.shutdown()
        target.server_close()
        thread.join(timeout=5)


def test_F7_query_string_is_ignored_when_resolving(server):
    code = shorten(server, url="https://example.com/q")["code"]
    status, response, _ = call(server, "GET", f"/{code}?utm_source=mail")
    assert status == 302
    assert response.getheader("Location") == "https://example.com/q"


def test_F7_stats_of_an_expired_link_still_answer_200(server, clock):
    code = shorten(server, url="https://example.com/old", ttl=1)["code"]
    clock.now = 9_999
    status, _, payload = call(server, "GET", f"/stats/{code}")
    assert status == 200
    assert payload["expired"] is True


def test_F7_missing_content_length_answers_411(server):
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=5)
    try:
        connection.putrequest("POST", "/shorten")
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 411
        assert "Content-Length" in json.loads(response.read())["error"]
    finally:
        connection.close()


def test_F7_requests_are_logged_only_when_asked(start_server, capsys):
    quiet = start_server()
    call(quiet, "GET", "/stats/none")
    assert capsys.readouterr().err == ""
    chatty = start_server(log_requests=True)
    call(chatty, "GET", "/stats/none")
    assert '"GET /stats/none HTTP/1.1" 404' in capsys.readouterr().err
