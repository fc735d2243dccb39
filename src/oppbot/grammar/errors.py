"""ParseError: a coded, translatable complaint about what the user typed."""

from __future__ import annotations

from decimal import Decimal

from oppbot.domain.money import format_amount
from oppbot.domain.text import clean_text
from oppbot.grammar.usage import USAGE

# code → (English, Italian). Placeholders come from ParseError.params; missing ones render empty.
_MESSAGES: dict[str, tuple[str, str]] = {
    "unknown_command": (
        "I don't know the command “{word}”.",
        "Non conosco il comando “{word}”.",
    ),
    "missing_opportunity_no": (
        "Which opportunity? Give its number, e.g. OP000001.",
        "Quale opportunità? Indica il numero, ad es. OP000001.",
    ),
    "bad_opportunity_no": (
        "“{value}” is not an opportunity number (e.g. OP000001 or just 1).",
        "“{value}” non è un numero di opportunità (ad es. OP000001 o semplicemente 1).",
    ),
    "missing_argument": (
        "Something is missing: {name}.",
        "Manca qualcosa: {name}.",
    ),
    "unexpected_argument": (
        "I don't know what to do with “{value}”.",
        "Non so cosa fare con “{value}”.",
    ),
    "unknown_option": (
        "“{key}=” is not an option of this command.",
        "“{key}=” non è un'opzione di questo comando.",
    ),
    "bad_money": (
        "“{value}” is not an amount (e.g. 50000, 50k, 1.2M, € 50.000,00).",
        "“{value}” non è un importo (ad es. 50000, 50k, 1,2M, € 50.000,00).",
    ),
    "amount_too_large": (
        "“{value}” is too large: the most oppbot accepts is {max}.",
        "“{value}” è troppo grande: il massimo che oppbot accetta è {max}.",
    ),
    "date_out_of_range": (
        "“{value}” is out of range: dates go from {min} to {max}.",
        "“{value}” è fuori intervallo: le date vanno dal {min} al {max}.",
    ),
    "bad_date": (
        '“{value}” is not a date I understand (e.g. 2026-12-31, 31/12/2026, tomorrow, "next friday").',
        '“{value}” non è una data che capisco (ad es. 2026-12-31, 31/12/2026, domani, "tra 2 settimane").',
    ),
    "bad_chances": (
        "Chances must be a whole percentage from 0 to 100, not “{value}”.",
        "La probabilità deve essere una percentuale intera da 0 a 100, non “{value}”.",
    ),
    "bad_stage": (
        "“{value}” is not a stage number (e.g. 2).",
        "“{value}” non è un numero di fase (ad es. 2).",
    ),
    "bad_priority": (
        "Priority must be low, normal or high, not “{value}”.",
        "La priorità deve essere bassa, normale o alta, non “{value}”.",
    ),
    "bad_status": (
        "Status must be open, not_started, won, lost, closed or all, not “{value}”.",
        "Lo stato deve essere open, not_started, won, lost, closed o all, non “{value}”.",
    ),
    "bad_scope": (
        "“{value}” is not a scope here: use mine, team, all or a salesperson code.",
        "“{value}” non è un ambito valido: usa mine, team, all o il codice di un venditore.",
    ),
    "bad_feed": (
        "“{value}” is not a feed choice: say on (optionally team or all) or off.",
        "“{value}” non è una scelta per il feed: scrivi on (eventualmente team o all) oppure off.",
    ),
    "bad_boolean": (
        "{key}= takes yes or no, not “{value}”.",
        "{key}= vuole sì o no, non “{value}”.",
    ),
    "bad_owner": (
        "“{value}” is not a salesperson code or @mention.",
        "“{value}” non è il codice di un venditore né una @menzione.",
    ),
    "bad_code": (
        "“{value}” is not a valid {name} code (letters, digits, - and _, at most 20).",
        "“{value}” non è un codice {name} valido (lettere, cifre, - e _, al massimo 20).",
    ),
    "bad_snooze": (
        "Snooze for 1d, 3d or 1w, not “{value}”.",
        "Posticipa di 1d, 3d o 1w, non “{value}”.",
    ),
    "bad_on_off": (
        "Reminders are on or off, not “{value}”.",
        "I promemoria sono on oppure off, non “{value}”.",
    ),
    "unbalanced_quotes": (
        "A quote is opened but never closed.",
        "Una virgoletta è aperta ma mai chiusa.",
    ),
    "too_long": (
        "That message is too long (more than {max} characters).",
        "Il messaggio è troppo lungo (più di {max} caratteri).",
    ),
    "missing_description": (
        "The new opportunity needs a description in quotes.",
        "La nuova opportunità ha bisogno di una descrizione tra virgolette.",
    ),
    "missing_contact": (
        'The new opportunity needs a contact: its number (CT000001) or its name in quotes ("Rosa Bianchi").',
        "La nuova opportunità ha bisogno di un contatto: "
        'il numero (CT000001) o il nome tra virgolette ("Rosa Bianchi").',
    ),
}

_FALLBACK = ("I couldn't understand that command.", "Non ho capito il comando.")


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def _echo(value: str) -> str:
    value = clean_text(value)
    return value if len(value) <= 60 else value[:57] + "…"


class ParseError(Exception):
    """Raised for every input the grammar refuses; `message(locale)` is what the user should read."""

    def __init__(
        self,
        code: str,
        params: dict[str, str] | None = None,
        *,
        suggestion: str | None = None,
        verb: str | None = None,
    ) -> None:
        self.code = code
        self.params: dict[str, str] = dict(params or {})
        self.suggestion = suggestion
        self.verb = verb  # the canonical verb being parsed, for the usage hint
        self.no: str | None = None  # the opportunity the refused command named, when it got that far
        super().__init__(code)

    def __str__(self) -> str:
        return self.message("en")

    def message(self, locale: str = "en") -> str:
        italian = locale.lower().startswith("it")
        en, it = _MESSAGES.get(self.code, _FALLBACK)
        # User input is echoed cleaned and shortened, so the reply stays readable.
        params = _Blank({k: _echo(v) for k, v in self.params.items()})
        if self.code == "amount_too_large":
            params["max"] = format_amount(Decimal(self.params["max"]), self.params.get("currency"), locale)
        parts = [(it if italian else en).format_map(params)]
        if self.suggestion:
            hint = f"`{self.suggestion}`"
            parts.append(f"Intendevi {hint}?" if italian else f"Did you mean {hint}?")
        if self.verb in USAGE:
            parts.append(f"Uso: `{USAGE[self.verb]}`" if italian else f"Usage: `{USAGE[self.verb]}`")
        elif self.code in ("unknown_command", "too_long", "unbalanced_quotes"):
            parts.append(
                "Scrivi `help` per l'elenco dei comandi."
                if italian
                else "Type `help` for the list of commands."
            )
        return " ".join(parts)

    def __repr__(self) -> str:
        return (
            f"ParseError({self.code!r}, {self.params!r}, suggestion={self.suggestion!r}, verb={self.verb!r})"
        )
