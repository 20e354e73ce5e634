import pytest

from shortener import codes


@pytest.mark.parametrize(
    "number, code",
    [(0, "0"), (1, "1"), (9, "9"), (10, "a"), (35, "z"), (36, "A"), (61, "Z"), (62, "10"),
     (3843, "ZZ"), (3844, "100")],
)
def test_F1_encode_known_values(number, code):
    assert codes.encode(number) == code
    assert codes.decode(code) == number


def test_F1_round_trip_over_a_range_and_large_numbers():
    for number in list(range(0, 5000)) + [2**63 - 1, 10**30]:
        assert codes.decode(codes.encode(number)) == number


def test_F1_codes_grow_with_the_number():
    assert len(codes.encode(61)) == 1
    assert len(codes.encode(62)) == 2
    assert len(codes.encode(62**2)) == 3


def test_F1_alphabet_has_62_distinct_characters():
    assert len(codes.ALPHABET) == 62
    assert len(set(codes.ALPHABET)) == 62


def test_F1_encode_rejects_negative_numbers():
    with pytest.raises(ValueError, match="non-negative"):
        codes.encode(-1)


@pytest.mark.parametrize("value", [1.5, "7", True, None])
def test_F1_encode_rejects_non_integers(value):
    with pytest.raises(TypeError):
        codes.encode(value)


@pytest.mark.parametrize("code", ["", "ab-c", "a b", "é", "abc/"])
def test_F1_decode_rejects_invalid_codes(code):
    with pytest.raises(ValueError):
        codes.decode(code)
