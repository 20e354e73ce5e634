import pytest

from shortener.errors import (
    AliasTakenError,
    InvalidAliasError,
    InvalidTTLError,
    InvalidURLError,
    LinkExpiredError,
    LinkNotFoundError,
)
from shortener.service import ShortenerService
from shortener.store import Link, LinkStore


class FakeClock:
    def __init__(self, now=1_000):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def store():
    with LinkStore() as link_store:
        yield link_store


@pytest.fixture
def service(store, clock):
    return ShortenerService(store, clock=clock)


def test_F1_generated_codes_are_base62_of_a_sequence(service):
    codes = [service.shorten(f"https://example.com/{n}").code for n in range(62)]
    assert codes[:3] == ["1", "2", "3"]
    assert codes[60:] == ["Z", "10"]


def test_F1_generated_code_skips_a_code_taken_by_an_alias(service, store):
    store.add(Link("1", "https://taken.example", 0))
    assert service.shorten("https://example.com").code == "2"


def test_F1_alias_becomes_the_code_and_cannot_be_reused(service):
    service.shorten("https://example.com/1")
    link = service.shorten("https://example.com/docs", alias="docs")
    assert (link.code, link.url, link.clicks) == ("docs", "https://example.com/docs", 0)
    with pytest.raises(AliasTakenError):
        service.shorten("https://example.com/other", alias="docs")
    assert [link.code for link in service.links()] == ["1", "docs"]


@pytest.mark.parametrize(
    "kwargs, error",
    [({"url": "ftp://example.com"}, InvalidURLError),
     ({"url": "https://example.com", "alias": "a"}, InvalidAliasError),
     ({"url": "https://example.com", "ttl": 0}, InvalidTTLError)],
)
def test_F1_F2_shorten_validates_its_input_and_stores_nothing(service, kwargs, error):
    with pytest.raises(error):
        service.shorten(**kwargs)
    assert service.links() == []


def test_F3_F4_resolve_returns_the_url_and_counts_clicks(service):
    code = service.shorten("https://example.com/page").code
    assert service.resolve(code) == "https://example.com/page"
    assert service.resolve(code) == "https://example.com/page"
    assert service.stats(code)["clicks"] == 2


def test_F3_unknown_code_raises(service):
    with pytest.raises(LinkNotFoundError, match="'missing'"):
        service.resolve("missing")
    with pytest.raises(LinkNotFoundError):
        service.stats("missing")


def test_F5_link_expires_exactly_ttl_seconds_after_creation(service, clock):
    link = service.shorten("https://example.com/sale", ttl=60)
    assert link.expires_at == 1_060
    clock.now = 1_059
    assert service.resolve(link.code) == "https://example.com/sale"
    clock.now = 1_060
    with pytest.raises(LinkExpiredError):
        service.resolve(link.code)


def test_F4_F5_expired_resolve_counts_no_click(service, clock):
    code = service.shorten("https://example.com/sale", ttl=5).code
    clock.now = 2_000
    with pytest.raises(LinkExpiredError):
        service.resolve(code)
    assert service.stats(code)["clicks"] == 0


def test_F4_stats_report_every_field(service, clock):
    code = service.shorten("https://example.com/a", alias="promo", ttl=30).code
    service.resolve(code)
    assert service.stats(code) == {
        "code": "promo",
        "url": "https://example.com/a",
        "clicks": 1,
        "created_at": 1_000,
        "expires_at": 1_030,
        "expired": False,
    }
    clock.now = 1_030
    assert service.stats(code)["expired"] is True


def test_F5_links_without_ttl_never_expire(service, clock):
    code = service.shorten("https://example.com/forever").code
    clock.now = 10**12
    assert service.stats(code)["expires_at"] is None
    assert service.resolve(code) == "https://example.com/forever"
