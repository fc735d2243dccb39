"""Slack-only labels (modal titles, buttons, App Home), in English and Italian.

Everything the other adapters also say lives in oppbot.replies.i18n; these are Slack's own words.
"""

from __future__ import annotations

from oppbot.replies.i18n import language

EN: dict[str, str] = {
    "save": "Save",
    "cancel": "Cancel",
    "create": "Create",
    "modal_new": "New opportunity",
    "modal_update": "Update {no}",
    "modal_quote": "Set quote {no}",
    "modal_win": "Won {no}",
    "modal_lose": "Lost {no}",
    "description": "Description",
    "contact_search": "Type to search contacts",
    "owner_hint": "Leave empty for yourself.",
    "pick": "Choose…",
    "date_of_change": "Date of change",
    "amount_won": "Amount won",
    "quote_ref": "Sales quote reference",
    "quote_hint": "Leave empty to clear the quote.",
    "from_message": "From <{link}|this message>",
    "home_title": "Your open opportunities",
    "home_empty": "No open opportunities. Create one with `/opp new` or the New opportunity button.",
    "home_new": "New opportunity",
    "shared": "Shared in the channel.",
    "share_failed": "I can't post in this channel: invite me first (`/invite @oppbot`).",
    "bad_number": "A whole number from 1 to 100.",
    "required": "Please fill this in.",
    "unknown_owner": "This Slack user isn't linked to a salesperson.",
}

IT: dict[str, str] = {
    "save": "Salva",
    "cancel": "Annulla",
    "create": "Crea",
    "modal_new": "Nuova opportunità",
    "modal_update": "Aggiorna {no}",
    "modal_quote": "Offerta {no}",
    "modal_win": "Vinta {no}",
    "modal_lose": "Persa {no}",
    "description": "Descrizione",
    "contact_search": "Scrivi per cercare i contatti",
    "owner_hint": "Lascia vuoto per te stesso.",
    "pick": "Scegli…",
    "date_of_change": "Data della modifica",
    "amount_won": "Importo vinto",
    "quote_ref": "Riferimento offerta",
    "quote_hint": "Lascia vuoto per rimuovere l'offerta.",
    "from_message": "Da <{link}|questo messaggio>",
    "home_title": "Le tue opportunità aperte",
    "home_empty": "Nessuna opportunità aperta. Creane una con `/opp nuova` o il pulsante Nuova opportunità.",
    "home_new": "Nuova opportunità",
    "shared": "Condivisa nel canale.",
    "share_failed": "Non posso scrivere in questo canale: invitami prima (`/invite @oppbot`).",
    "bad_number": "Un numero intero da 1 a 100.",
    "required": "Compila questo campo.",
    "unknown_owner": "Questo utente Slack non è collegato a un venditore.",
}

CATALOGS = {"en": EN, "it": IT}


def label(locale: str | None, key: str, **params: object) -> str:
    template = CATALOGS[language(locale)].get(key) or EN[key]
    return template.format(**params) if params else template
