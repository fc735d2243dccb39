"""A forgiving shell-like tokenizer: words, "quoted strings" and key=value (value possibly quoted)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from oppbot.domain.text import clean_text
from oppbot.grammar.errors import ParseError

# Typographic quotes as chat clients (and phone keyboards) insert them → ASCII.
_QUOTE_MAP = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "‘": "'",
        "’": "'",
        "‚": "'",
        "\u00a0": " ",
        "\u202f": " ",
    }
)
_KEY_RE = re.compile(r"^([^\W\d][\w%]*)=(.*)$", re.DOTALL)


@dataclass(frozen=True)
class Token:
    value: str
    key: str | None = None  # lower-cased key of a key=value token
    quoted: bool = False  # some part of the value was in quotes (so it is text, not a keyword)


def normalize_text(text: str) -> str:
    """Control characters out (breaks and tabs become spaces), typographic quotes to ASCII."""
    return clean_text(text).translate(_QUOTE_MAP)


def _raw_words(text: str) -> list[list[tuple[str, bool]]]:
    """Split into words; each word is a list of (piece, was_quoted) so `key="a b"` keeps its key."""
    words: list[list[tuple[str, bool]]] = []
    pieces: list[tuple[str, bool]] = []
    buf: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            if buf:
                pieces.append(("".join(buf), False))
                buf = []
            if pieces:
                words.append(pieces)
                pieces = []
            i += 1
            continue
        # A quote opens a string only at the start of a word or right after `=`, so apostrophes
        # inside words (O'Brien, dell'anno) stay literal.
        at_start = not buf and not pieces
        after_eq = bool(buf) and buf[-1] == "=" and not pieces
        if c == '"' or (c == "'" and (at_start or after_eq)):
            if buf:
                pieces.append(("".join(buf), False))
                buf = []
            end = _closing(text, i + 1, c)
            if end < 0:
                raise ParseError("unbalanced_quotes")
            pieces.append((text[i + 1 : end], True))
            i = end + 1
            continue
        buf.append(c)
        i += 1
    if buf:
        pieces.append(("".join(buf), False))
    if pieces:
        words.append(pieces)
    return words


def _closing(text: str, start: int, quote: str) -> int:
    if quote == '"':
        return text.find('"', start)
    # A single quote closes only before whitespace or the end, so 'Rosa's deal' works.
    j = start
    while (j := text.find("'", j)) >= 0:
        if j + 1 == len(text) or text[j + 1].isspace():
            return j
        j += 1
    return -1


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    for pieces in _raw_words(normalize_text(text)):
        first, first_quoted = pieces[0]
        quoted = any(q for _, q in pieces)
        m = None if first_quoted else _KEY_RE.match(first)
        if m:
            value = m.group(2) + "".join(p for p, _ in pieces[1:])
            tokens.append(Token(value=value, key=m.group(1).lower(), quoted=quoted))
        else:
            tokens.append(Token(value="".join(p for p, _ in pieces), quoted=quoted))
    return _join_spaced_keys(tokens)


def _join_spaced_keys(tokens: list[Token]) -> list[Token]:
    """Accept `value = 50k` and `value= 50k` as `value=50k`."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        after = tokens[i + 2] if i + 2 < len(tokens) else None
        if (
            t.key is None
            and not t.quoted
            and nxt is not None
            and nxt.key is None
            and not nxt.quoted
            and nxt.value == "="
            and after is not None
            and after.key is None
            and _KEY_RE.match(t.value + "=")
        ):
            out.append(Token(value=after.value, key=t.value.lower(), quoted=after.quoted))
            i += 3
            continue
        if t.key is not None and t.value == "" and not t.quoted and nxt is not None and nxt.key is None:
            out.append(Token(value=nxt.value, key=t.key, quoted=nxt.quoted))
            i += 2
            continue
        out.append(t)
        i += 1
    return out
