"""clean_text: the one gate every accepted text passes (issue 11: a NUL broke PostgreSQL)."""

from __future__ import annotations

import pytest

from oppbot.domain.text import clean_text


@pytest.mark.parametrize(
    ("raw", "single_line", "multiline"),
    [
        ("Office chairs", "Office chairs", "Office chairs"),
        ("Chairs\x00", "Chairs", "Chairs"),
        ("\x00\x01\x07\x08\x1b\x7f\x80\x9f", "", ""),
        ("a\tb", "a b", "a\tb"),
        ("a\nb", "a b", "a\nb"),
        ("a\r\nb", "a b", "a\nb"),
        ("a\rb\x0bc\x0cd", "a b c d", "a\nb\nc\nd"),
        ("a\u2028b\u2029c\x85d", "a b c d", "a\nb\nc\nd"),
        ("lone \ud800 surrogate", "lone  surrogate", "lone  surrogate"),
        # What people legitimately type survives: accents, RTL text and marks, emoji sequences.
        ("Renée Åberg-Müller", "Renée Åberg-Müller", "Renée Åberg-Müller"),
        ("שלום \u200fעולם", "שלום \u200fעולם", "שלום \u200fעולם"),
        ("👩\u200d💻 deal 🇮🇹", "👩\u200d💻 deal 🇮🇹", "👩\u200d💻 deal 🇮🇹"),
        ("50\u00a0000\u202f€", "50\u00a0000\u202f€", "50\u00a0000\u202f€"),
    ],
)
def test_clean_text(raw: str, single_line: str, multiline: str) -> None:
    assert clean_text(raw) == single_line
    assert clean_text(raw, multiline=True) == multiline


def test_cleaned_text_encodes_and_has_no_controls() -> None:
    raw = "".join(chr(c) for c in range(0x00, 0xA0)) + "\ud800\udfff"
    cleaned = clean_text(raw)
    cleaned.encode("utf-8")
    assert all(c.isprintable() for c in cleaned)
    assert clean_text(cleaned) == cleaned
