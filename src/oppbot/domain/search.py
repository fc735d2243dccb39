"""Search keys: names folded so that case, accents and punctuation never decide whether a contact is found.

Python's and SQLite's lower() disagree beyond ASCII (SQLite leaves `Å` as it is), so the store never
folds: it keeps the key computed here next to the name and compares keys with keys.
"""

from __future__ import annotations

import unicodedata

# The stored key is cut here: a folded name can be longer than the name (ß → ss, ligatures).
SEARCH_KEY_MAX = 300

# Letters that NFKD leaves alone (no combining mark to drop), mapped the way a person types them
# on a keyboard without them. Keys are lower case: this runs after casefold().
_LETTERS = str.maketrans(
    {
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
        "ħ": "h",
        "ŧ": "t",
        "ŋ": "n",
        "ĸ": "k",
        "ſ": "s",
        # Apostrophes join: O'Brien is found by `obrien` as well as by `brien`.
        "'": "",
        "\u2019": "",
        "\u02bc": "",
    }
)


def search_words(text: str) -> list[str]:
    """The folded words of a text: NFKD without combining marks, casefolded, split at anything else.

    `Renée Åberg-Müller` → ["renee", "aberg", "muller"]; `Ørsted & Søn` → ["orsted", "son"].
    Letters and digits of every script are kept; apostrophes are dropped; other punctuation, symbols
    and spaces only separate words.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # casefold() may produce new decomposable letters (e.g. İ → i̇): decompose and strip once more.
    folded = unicodedata.normalize("NFKD", bare.casefold().translate(_LETTERS))
    words: list[str] = []
    current: list[str] = []
    for ch in folded:
        if ch.isalnum():
            current.append(ch)
        elif not unicodedata.combining(ch) and current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def search_key(text: str) -> str:
    """The stored key of a name: its folded words joined by single spaces, at most SEARCH_KEY_MAX long."""
    return " ".join(search_words(text))[:SEARCH_KEY_MAX].rstrip()


def key_matches(key: str, query: str) -> bool:
    """The rule the store applies in SQL: every folded word of the query occurs somewhere in the key.

    Substring, not word prefix: `berg` finds `Åberg`, as a CRM's "contains" search does. A query
    without any word (only punctuation) matches nothing.
    """
    words = search_words(query)
    return bool(words) and all(word in key for word in words)
