"""Slack-only labels (modal titles, buttons, App Home), in English and Italian.

Everything the other adapters also say lives in oppbot.replies.i18n (the forms' words too: replies.forms);
these are Slack's own words.
"""

from __future__ import annotations

from oppbot.replies.i18n import language

EN: dict[str, str] = {
    "from_message": "From <{link}|this message>",
    "home_title": "Your open opportunities",
    "home_empty": "No open opportunities. Create one with `/opp new` or the New opportunity button.",
    "home_new": "New opportunity",
    "shared": "Shared in the channel.",
    "share_failed": "I can't post in this channel: invite me first (`/invite @oppbot`).",
    "unknown_owner": "This Slack user isn't linked to a salesperson.",
}

IT: dict[str, str] = {
    "from_message": "Da <{link}|questo messaggio>",
    "home_title": "Le tue opportunità aperte",
    "home_empty": "Nessuna opportunità aperta. Creane una con `/opp nuova` o il pulsante Nuova opportunità.",
    "home_new": "Nuova opportunità",
    "shared": "Condivisa nel canale.",
    "share_failed": "Non posso scrivere in questo canale: invitami prima (`/invite @oppbot`).",
    "unknown_owner": "Questo utente Slack non è collegato a un venditore.",
}

CATALOGS = {"en": EN, "it": IT}


def label(locale: str | None, key: str, **params: object) -> str:
    template = CATALOGS[language(locale)].get(key) or EN[key]
    return template.format(**params) if params else template
