import threading

import pytest

from shortener.errors import AliasTakenError
from shortener.store import Link, LinkStore


@pytest.fixture
def store():
    with LinkStore() as link_store:
        yield link_store


def test_F6_add_and_get_round_trip(store):
    store.add(Link("abc", "https://example.com/a", 100, 160, 0))
    assert store.get("abc") == Link("abc", "https://example.com/a", 100, 160, 0)
    assert store.get("nope") is None


def test_F6_duplicate_code_raises_alias_taken(store):
    store.add(Link("abc", "https://example.com/a", 100))
    with pytest.raises(AliasTakenError, match="'abc'"):
        store.add(Link("abc", "https://example.com/b", 100))
    assert store.get("abc").url == "https://example.com/a"


def test_F6_add_click_counts(store):
    store.add(Link("abc", "https://example.com/a", 100))
    store.add_click("abc")
    store.add_click("abc")
    assert store.get("abc").clicks == 2


def test_F6_sequence_starts_at_one_and_increases(store):
    assert [store.next_sequence() for _ in range(3)] == [1, 2, 3]


def test_F6_all_lists_links_in_creation_order(store):
    for code in ["zz", "aa", "mm"]:
        store.add(Link(code, f"https://example.com/{code}", 100))
    assert [link.code for link in store.all()] == ["zz", "aa", "mm"]


def test_F6_links_clicks_and_sequence_survive_reopening(tmp_path):
    path = tmp_path / "links.db"
    with LinkStore(path) as first:
        first.add(Link("abc", "https://example.com/a", 100))
        first.add_click("abc")
        assert first.next_sequence() == 1
    with LinkStore(path) as second:
        assert second.get("abc") == Link("abc", "https://example.com/a", 100, None, 1)
        assert second.next_sequence() == 2


def test_F6_store_is_safe_to_share_between_threads(store):
    store.add(Link("abc", "https://example.com/a", 100))
    numbers = []

    def work():
        for _ in range(50):
            store.add_click("abc")
            numbers.append(store.next_sequence())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.get("abc").clicks == 200
    assert sorted(numbers) == list(range(1, 201))
