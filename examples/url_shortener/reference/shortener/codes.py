"""Base62 short codes (F1).

Codes use the alphabet 0-9, a-z, A-Z, most significant digit first, so that
`decode(encode(n)) == n` for every non-negative integer n, and small numbers give short
codes: 1 -> "1", 61 -> "Z", 62 -> "10".
"""

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
BASE = len(ALPHABET)
_VALUES = {char: value for value, char in enumerate(ALPHABET)}


def encode(number: int) -> str:
    """Return the base62 code of a non-negative integer."""
    if isinstance(number, bool) or not isinstance(number, int):
        raise TypeError(f"encode() takes an int, not {type(number).__name__}")
    if number < 0:
        raise ValueError(f"encode() takes a non-negative int, got {number}")
    if number == 0:
        return ALPHABET[0]
    digits = []
    while number:
        number, digit = divmod(number, BASE)
        digits.append(ALPHABET[digit])
    return "".join(reversed(digits))


def decode(code: str) -> int:
    """Return the number whose base62 code is `code`.

    Raises ValueError for an empty code or a character outside the alphabet.
    """
    if not code:
        raise ValueError("cannot decode an empty code; codes have at least one character")
    number = 0
    for char in code:
        value = _VALUES.get(char)
        if value is None:
            raise ValueError(
                f"invalid character {char!r} in code {code!r}; codes use only 0-9, a-z and A-Z"
            )
        number = number * BASE + value
    return number
