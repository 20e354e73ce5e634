import pytest

from shortener.errors import InvalidAliasError, InvalidTTLError, InvalidURLError
from shortener.validation import MAX_URL_LENGTH, validate_alias, validate_ttl, validate_url


@pytest.mark.parametrize(
    "url",
    ["http://example.com", "HTTPS://Example.com/a?b=1#c", "http://127.0.0.1:8080/x",
     "https://example.com/" + "a" * (MAX_URL_LENGTH - 20)],
)
def test_F2_valid_urls_are_returned_unchanged(url):
    assert validate_url(url) == url


@pytest.mark.parametrize(
    "url, fragment",
    [("ftp://example.com/f", "http"), ("example.com", "http"), ("/relative/path", "http"),
     ("https://", "host"), ("http:///path", "host"), ("https://[::1", "parsed"),
     ("https://exa mple.com", "whitespace"), ("https://example.com/\x7f", "control"),
     ("", "non-empty"), (None, "non-empty"), (42, "non-empty"),
     ("https://example.com/" + "a" * MAX_URL_LENGTH, "at most 2048")],
)
def test_F2_invalid_urls_are_rejected_with_a_reason(url, fragment):
    with pytest.raises(InvalidURLError, match=fragment):
        validate_url(url)


@pytest.mark.parametrize("alias", ["abc", "x" * 32, "Team_A-2024", "100"])
def test_F2_valid_aliases(alias):
    assert validate_alias(alias) == alias


@pytest.mark.parametrize("alias", ["ab", "x" * 33, "has space", "slash/es", "ünï", "", None])
def test_F2_invalid_aliases(alias):
    with pytest.raises(InvalidAliasError, match="3 to 32"):
        validate_alias(alias)


@pytest.mark.parametrize("alias", ["stats", "shorten", "Shorten"])
def test_F2_route_names_are_reserved(alias):
    with pytest.raises(InvalidAliasError, match="reserved"):
        validate_alias(alias)


@pytest.mark.parametrize("ttl", [1, 60, 10**9])
def test_F2_valid_ttls(ttl):
    assert validate_ttl(ttl) == ttl


@pytest.mark.parametrize("ttl", [0, -5, 1.5, "10", True, None])
def test_F2_invalid_ttls(ttl):
    with pytest.raises(InvalidTTLError):
        validate_ttl(ttl)


def test_F2_validation_errors_are_value_errors():
    with pytest.raises(ValueError):
        validate_url("nope")
