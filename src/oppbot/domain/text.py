"""Text as people type it, made safe to keep: no control characters (a NUL breaks PostgreSQL)."""

from __future__ import annotations

import re

# Line and page breaks a chat client, a form or a pasted text may carry (CR LF counts once).
_BREAKS = re.compile(r"\r\n?|[\n\v\f\x1c-\x1f\x85\u2028\u2029]")
# Controls that mean nothing to a reader: NUL and the other C0/C1 codes, DEL, and lone surrogates
# (JSON can carry them, UTF-8 cannot encode them). Format characters (ZWJ in emoji, RTL marks) stay.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff]")


def clean_text(text: str, *, multiline: bool = False) -> str:
    """`text` without control characters: breaks and tabs become spaces (kept, as `\\n`, if multiline).

    Every text oppbot accepts passes here once, at the boundary where it comes in (the grammar for
    typed commands, the service and the set-up loader for everything else).
    """
    if text.isprintable():  # the common case: nothing to do
        return text
    text = _BREAKS.sub("\n" if multiline else " ", text)
    if not multiline:
        text = text.replace("\t", " ")
    return _CONTROLS.sub("", text)
