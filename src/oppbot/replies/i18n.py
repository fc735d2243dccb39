"""Every sentence oppbot says, in English and Italian. Keys are domain error codes and notice names."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from babel import Locale
from babel.plural import PluralRule

from oppbot.domain.errors import DomainError


@dataclass(frozen=True)
class Plural:
    """A sentence with a count in it: one template per CLDR plural category of parameter `param`.

    English and Italian need only "one" and "other"; any other category (Italian's "many" for a million)
    reads as "other". A form may itself be a Plural of a second count in the same sentence.
    """

    param: str
    one: Template
    other: Template

    def form(self, lang: str, params: dict[str, Any]) -> Template:
        count = params.get(self.param)
        if not isinstance(count, int | float | Decimal) or isinstance(count, bool):
            return self.other  # a missing parameter shows as `?` (t), which reads as "other"
        return self.one if _plural_rule(lang)(count) == "one" else self.other

    def forms(self) -> tuple[str, ...]:
        """Every template it may give (for checks)."""
        return tuple(
            s for f in (self.one, self.other) for s in (f.forms() if isinstance(f, Plural) else (f,))
        )


Template = str | Plural


@cache
def _plural_rule(lang: str) -> PluralRule:
    return Locale.parse(lang).plural_form


EN: dict[str, Template] = {
    # domain and service errors (spec 4.3 and friends)
    "not_found": "I can't find opportunity {no}. Try `list` to see yours.",
    "not_allowed": "{no} belongs to {owner}: you can change only your own opportunities (managers: their team's).",
    "not_allowed_owner": "You can't create opportunities for {owner}: only for yourself (managers: their team).",
    "admin_only": "Only an admin can do that.",
    "not_readable": "{no} isn't visible to you: here everyone sees only their own opportunities (admins: all).",
    "not_readable_team": "{no} isn't visible to you: here everyone sees only their own opportunities, managers also their team's (admins: all).",
    "scope_not_readable": "The opportunities of `{scope}` aren't visible to you: here everyone sees only their own (admins: all). Try `list`.",
    "scope_not_readable_team": "The opportunities of `{scope}` aren't visible to you: here everyone sees only their own, managers also their team's (admins: all). Try `list`.",
    "changed_meanwhile": "{no} changed meanwhile: here is the fresh card. Try again if it still makes sense.",
    "duplicate_request": "Already done: that request was received twice.",
    "opportunity_closed": "{no} is already closed ({status}); a closed opportunity can't change.",
    "already_started": "{no} has already started.",
    "opportunity_not_started": "{no} hasn't started yet: `start {no}` activates its first stage.",
    "cycle_has_no_stages": "Sales cycle {cycle} has no stages yet, so it can't start.",
    "no_next_stage": "{no} is already at its last stage ({stage}); close it with win or lose.",
    "no_previous_stage": "{no} is at its first stage: there is no previous one.",
    "skip_not_possible": "{no} can't skip from stage {stage}: the next stage may not be skipped. Use `next {no}`.",
    "invalid_skip_target": "From stage {stage} {no} can skip to stage {targets}.",
    "jump_not_possible": "{no} can't jump back from stage {stage}; use `back {no}`.",
    "jump_target_required": "Say where to jump back to: `jump {no} to=N` with N one of {targets}.",
    "invalid_jump_target": "From stage {stage} {no} can jump back to stage {targets}.",
    "date_before_last_change": "The date must be on or after {last}, the date of {no}'s last change.",
    "date_before_creation": "The date must be on or after {created}, when {no} was created.",
    "quote_required": "{no} can't go to stage {stage} before it has a sales quote: `quote {no} <reference>`.",
    "value_not_positive": "The estimated value must be more than zero: add `value=…`.",
    "chances_not_positive": "The chances of success must be more than 0 %: add `chances=…`.",
    "chances_out_of_range": "Chances of success are a whole number from 1 to 100, not {chances}.",
    "close_date_required": 'Give an estimated closing date: `close=2026-12-31` or `close="in 2 weeks"`.',
    "close_date_before_change": "The estimated closing date {close} is before the date of change {dc}.",
    "close_code_required": "Say why {no} closes with a close code: `code=…`, one of {codes}.",
    "unknown_close_code": "There is no close code {close_code} to close {no} with; codes of type {type} apply.",
    "close_code_wrong_type": "{close_code} is not a {type} close code: choose a {type} one to close {no}.",
    "won_amount_not_positive": "The won amount of {no} must be more than zero.",
    "won_amount_not_allowed": "A lost opportunity has no won amount: drop `amount=` to close {no} as lost.",
    "reason_too_long": "The reason for closing {no} can be at most {max} characters.",
    "quote_too_long": "The quote reference of {no} can be at most {max} characters.",
    "description_required": 'Give a description in quotes: `new CT000001 "Office chairs"`.',
    "description_too_long": "A description can be at most {max} characters.",
    "contact_required": "Say which contact: a number like CT000001 or a name in quotes.",
    "unknown_contact": 'I can\'t find a contact "{contact}". `contacts <name>` searches them.',
    "ambiguous_contact": '"{contact}" matches several contacts: {matches}. Use the number.',
    "unknown_salesperson": "There is no salesperson {code}.",
    "unknown_user": "That person isn't linked to a salesperson yet. An admin can run `link @user CODE`.",
    "cycle_required": "Which sales cycle? Add `cycle=…`, one of {cycles}.",
    "unknown_cycle": "There is no sales cycle {cycle}. `cycles` lists them.",
    "cycle_blocked": "Sales cycle {cycle} is blocked: new opportunities can't use it.",
    "bad_priority": "Priority is low, normal or high, not {priority}.",
    "bad_status": "Unknown status {status}.",
    "stage_in_use": "Stage {stage} of {no} no longer exists in its cycle.",
    "invalid_date_formula": "{formula} is not a date formula (examples: 10D, 2W, 1M+10D).",
    "amount_too_large": "That amount is too large: the most oppbot accepts is {max}.",
    "date_out_of_range": "{date} is out of range: dates go from {min} to {max}.",
    "not_linked": "Hi! I don't know you yet: ask an admin to link your account (`link @you CODE`).",
    "internal_error": "Sorry, something went wrong on my side. Nothing was changed; please try again.",
    "internal_error_after": "Sorry, your request went through but I couldn't show the answer: `list` or `show` tells where things stand.",
    # people's chat preferences (domain.preferences): each names the setting it refuses
    "bad_timezone": "Time zone (`timezone=`): I don't know “{value}”; use an IANA name such as Europe/Rome or America/New_York. Nothing was changed.",
    "bad_locale": "Language (`locale=`): “{value}” isn't one I speak; use en or it. Nothing was changed.",
    "bad_working_hours": "Working hours (`hours=`): “{value}” isn't a time range; use HH:MM-HH:MM such as 08:30-17:00 (00:00-24:00 means any time). Nothing was changed.",
    "bad_working_days": "Working days (`days=`): “{value}” isn't a list of days; use a range or a list such as mon-fri or mon,wed,fri. Nothing was changed.",
    "bad_reminders": "Stall reminders (`reminders=`): “{value}” is neither on nor off. Nothing was changed.",
    "bad_digest": "Digest (`digest`): “{value}” isn't a schedule; use daily 08:00, weekly mon 09:00 or off. Nothing was changed.",
    "unknown_preference": "There is no setting “{key}”: the settings are timezone, locale, hours, days, reminders and digest.",
    # an error about an opportunity whose sentence doesn't name it (those shared with `new`)
    "about_opportunity": "{no}: {text}",
    # notices
    "created": "Created {no}.",
    "created_started": "Created {no} at stage {stage}.",
    "moved_start": "{no} started at stage {stage}.",
    "moved_next": "{no} moved to stage {stage}.",
    "moved_previous": "{no} went back to stage {stage}.",
    "moved_skip": "{no} skipped to stage {stage}.",
    "moved_jump": "{no} jumped back to stage {stage}.",
    "moved_update": "{no} updated.",
    "moved_win": "{no} won. 🎉",
    "moved_lose": "{no} closed as lost.",
    "moved_quote": "{no}: sales quote set to {quote}.",
    "moved_quote_cleared": "{no}: sales quote cleared.",
    "chances_overridden": "Chances set to the stage's {chances} % (you gave {given} %): skip and jump use the stage's.",
    "tasks_created": "Task created: {tasks}.",
    "linked": "Linked to {name} ({code}).",
    # channel feeds
    "feed_needs_channel": "Feeds belong to a channel: type `feed …` in the channel that should receive the changes.",
    "feed_not_allowed": "Only managers and admins can turn a channel's feed on or off.",
    "feed_not_your_team": "{owner} is not in your team: you can follow your team's opportunities.",
    "feed_all_not_allowed": "Only an admin can post every opportunity's changes in a channel; try `feed on team`.",
    "feed_on": "From now on this channel gets every change of {what}.",
    "feed_already": "This channel already gets every change of {what}.",
    "feed_off": Plural(
        "count",
        one="This channel no longer gets changes ({count} feed stopped).",
        other="This channel no longer gets changes ({count} feeds stopped).",
    ),
    "feed_none": "This channel has no feed. Managers: `feed on team` posts your team's changes here.",
    "feed_title": "This channel gets every change of:",
    "feed_kind_team": "the team of {name}",
    "feed_kind_all": "every opportunity",
    "feed_kind_cycle": "sales cycle {value}",
    "feed_kind_owner": "the opportunities of {name}",
    "feed_line": "*{no}* · {description}: {what} · {value} · {who}",
    "feed_new": "created",
    "feed_start": "started at stage {stage}",
    "feed_moved": "moved to stage {stage} {stage_name}",
    "feed_update": "updated",
    "feed_quote": "sales quote set",
    "feed_win": "won",
    "feed_lose": "lost",
    "feed_reason": "{what}: {reason}",
    "settings_saved": "Saved: {fields}.",
    # labels
    "contact": "Contact",
    "owner": "Owner",
    "stage": "Stage",
    "stage_of": "{stage} of {count}",
    "status": "Status",
    "estimated_value": "Estimated value",
    "probability": "Probability",
    "chances": "Chances",
    "completed": "Completed",
    "calcd_current_value": "Current value",
    "close_date": "Close date",
    "days_in_stage": "Days in stage",
    "stalled": Plural("days", one="stalled, {days} day overdue", other="stalled, {days} days overdue"),
    "last_change": "Last change",
    "priority": "Priority",
    "quote": "Quote",
    "cycle": "Cycle",
    "created_on": "Created",
    "closed_on": "Closed",
    "close_code": "Close code",
    "reason": "Reason",
    "status_not_started": "not started",
    "status_in_progress": "in progress",
    "status_won": "won",
    "status_lost": "lost",
    "priority_low": "low",
    "priority_normal": "normal",
    "priority_high": "high",
    "list_mine": "Your opportunities",
    "list_team": "Your team's opportunities",
    "list_all": "All opportunities",
    "list_owner": "Opportunities of {scope}",
    "list_empty": "No opportunities match.",
    "list_truncated": "Showing the first {count} of {total} (stalled first); narrow it with stage=, status= or cycle=.",
    "history_title": "History of {no} (newest first)",
    "pipeline_title": "Pipeline ({scope})",
    "pipeline_empty": "The pipeline is empty.",
    "stats_title": "Statistics ({scope})",
    "open": "open",
    "won": "won",
    "lost": "lost",
    "not_started": "not started",
    # the stats line's counts (with open_count): each agrees with its number
    "won_count": "{count} won",
    "lost_count": "{count} lost",
    "not_started_count": "{count} not started",
    "win_rate": "win rate",
    "avg_days_to_close": "avg days to close",
    "avg_days": "avg days",
    "won_value": "won value",
    "avg_estimated_value": "avg estimated value",
    "avg_calcd_value": "avg current value",
    "stats_ledger_title": "Salesperson statistics (Business Central: active entries, won and lost included)",
    "ledger_count": "opportunities: {count}",
    "estimated": "estimated value",
    "current_value": "current value",
    "pipeline": "pipeline",
    "weighted": "weighted",
    "cycles_title": "Sales cycles",
    "blocked": "blocked",
    "contacts_title": 'Contacts matching "{query}"',
    "contacts_empty": 'No contacts match "{query}".',
    "help_title": "oppbot commands",
    "help_footer": "Values: 50k, 1.2M, € 50.000,00. Dates: 2026-12-31, next friday, in 2 weeks.",
    "action_start": "Start",
    "action_next": "Next stage",
    "action_previous": "Previous",
    "action_skip": "Skip",
    "action_jump": "Jump back…",
    "action_update": "Update…",
    "action_quote": "Set quote…",
    "action_win": "Won…",
    "action_lose": "Lost…",
    "share": "Share in channel",
    "settings_title": "Settings of {name} ({code})",
    "pref_timezone": "Time zone",
    "pref_locale": "Language",
    "pref_working_hours": "Working hours",
    "pref_working_days": "Working days",
    "pref_reminders": "Stall reminders",
    "pref_digest": "Digest",
    "pref_default": "default",
    "pref_on": "on",
    "pref_off": "off",
    "pref_any_time": "any time",
    "settings_help": "Change them with `settings timezone=Europe/Rome locale=it hours=08:30-17:00 days=mon-fri`, `reminders on|off` and `digest daily 08:00|weekly mon 09:00|off`; a value `default` (e.g. `settings timezone=default`) restores the default.",
    "none": "—",
    "action_show": "Open",
    "more": "More",
    "showing": "Showing {start}–{end} of {total}",
    "page_previous": "← Previous",
    "page_next": "Next →",
    "list_stalled": "⚠ Stalled ({count}), most overdue first",
    "list_others": "The others ({count})",
    "team_pipeline": "Team pipeline",
    # forms (replies.forms: Slack modals and Teams cards) and Teams' cards
    "form_new": "New opportunity",
    "form_update": "Update {no}",
    "form_quote": "Set quote {no}",
    "form_win": "Won {no}",
    "form_lose": "Lost {no}",
    "form_save": "Save",
    "form_create": "Create",
    "form_cancel": "Cancel",
    "form_description": "Description",
    "form_chances": "Chances (%)",
    "form_contact_search": "Type to search contacts",
    "form_owner_hint": "Leave empty for yourself.",
    "form_pick": "Choose…",
    "form_date_of_change": "Date of change",
    "form_amount_won": "Amount won",
    "form_quote_ref": "Sales quote reference",
    "form_quote_hint": "Leave empty to clear the quote.",
    "form_bad_number": "A whole number from 1 to 100.",
    "form_required": "Please fill this in.",
    "card_go": "Go",
    "card_refresh": "Refresh",
    # --- digests (replies.digest) ---
    "digest_title_team": "Team digest · {name} · {date}",
    "digest_title_all": "Digest of everyone · {date}",
    "digest_title_mine": "Your digest · {date}",
    "digest_summary": "{open} · {estimated} (weighted {weighted}) · {stalled} · {closing} closing this month · {people}",
    "open_count": "{count} open",
    "digest_people": Plural("count", one="{count} person", other="{count} people"),
    "digest_pipeline_title": "Pipeline by stage",
    "digest_pipeline_all": "With the average days per stage: `{command}`.",
    "digest_pipeline_more": Plural(
        "count", one="{count} more cycle: `{command}`.", other="{count} more cycles: `{command}`."
    ),
    "digest_changes_title": "Changes from {start} to {end}",
    "digest_new": "New: {count} · {amount}",
    "digest_advanced": "Advanced: {count} · {amount}",
    "digest_won": "Won: {count} · {amount}",
    "digest_lost": "Lost: {count} · {amount}",
    "digest_and_more": "… and {count} more: `{command}`",
    "digest_no_changes": "No new, advanced, won or lost opportunities in this period.",
    "digest_stalled_title": "Stalled: {count}",
    "digest_no_stalled": "Nothing is stalled.",
    "digest_see_all": "See all",
    "sent_below": "Here it is, in a new message below.",
    "digest_stalled_more": "`{command}` lists them all, most overdue first.",
    "digest_closing_title": "Closing by {end}: {count} · {amount} (weighted {weighted})",
    "digest_no_closing": "Nothing is due to close this month.",
    "digest_closing_more": "The largest by weighted value; the table below counts them per person.",
    "digest_reps_title": "Per person",
    "digest_reps_more": "Everyone's figures: `{command}`.",
    "digest_rep_stalled": "{count} stalled",
    "digest_rep_closing": "{count} closing",
    "digest_rep_changes": "new {new}, advanced {advanced}, won {won}, lost {lost}",
    "digest_chart_title": "Open pipeline by stage",
    # Teams (adapters.teams)
    "action_unavailable": "That button does nothing here (yet): type the command instead, e.g. `help`.",
    # reminders, snoozes and digests (the scheduler)
    "action_snooze": "Snooze…",
    "snooze_1d": "1 day",
    "snooze_3d": "3 days",
    "snooze_1w": "1 week",
    "snoozed": "{no}: no reminders about it until {until}.",
    "reminder_stalled": Plural(
        "days",
        one="⏰ {no} is stalled in {stage}: {days} day past its usual time. Move it on, update it, or snooze this reminder.",
        other="⏰ {no} is stalled in {stage}: {days} days past its usual time. Move it on, update it, or snooze this reminder.",
    ),
    "reminder_escalated": Plural(
        "count",
        one=Plural(
            "days",
            one="{owner} has had {count} reminder about {no}, stalled in {stage} for {days} day, without acting on it.",
            other="{owner} has had {count} reminder about {no}, stalled in {stage} for {days} days, without acting on it.",
        ),
        other=Plural(
            "days",
            one="{owner} has had {count} reminders about {no}, stalled in {stage} for {days} day, without acting on it.",
            other="{owner} has had {count} reminders about {no}, stalled in {stage} for {days} days, without acting on it.",
        ),
    ),
    "todo_due": "📌 To-do due today for {no}: {activity}.",
    "digest_queued": "Your digest is on its way.",
    "bad_snooze": "Snooze for 1d, 3d or 1w, not “{value}”.",
}

IT: dict[str, Template] = {
    "not_found": "Non trovo l'opportunità {no}. Prova `elenco` per vedere le tue.",
    "not_allowed": "{no} è di {owner}: puoi modificare solo le tue opportunità (i manager anche quelle del team).",
    "not_allowed_owner": "Non puoi creare opportunità per {owner}: solo per te (i manager per il loro team).",
    "admin_only": "Solo un amministratore può farlo.",
    "not_readable": "{no} non è visibile per te: qui ciascuno vede solo le proprie opportunità (gli amministratori tutte).",
    "not_readable_team": "{no} non è visibile per te: qui ciascuno vede solo le proprie opportunità, i manager anche quelle del team (gli amministratori tutte).",
    "scope_not_readable": "Le opportunità di `{scope}` non sono visibili per te: qui ciascuno vede solo le proprie (gli amministratori tutte). Prova `list`.",
    "scope_not_readable_team": "Le opportunità di `{scope}` non sono visibili per te: qui ciascuno vede solo le proprie, i manager anche quelle del team (gli amministratori tutte). Prova `list`.",
    "changed_meanwhile": "{no} è cambiata nel frattempo: ecco la scheda aggiornata. Riprova se ha ancora senso.",
    "duplicate_request": "Già fatto: la richiesta è arrivata due volte.",
    "opportunity_closed": "{no} è già chiusa ({status}); un'opportunità chiusa non può cambiare.",
    "already_started": "{no} è già avviata.",
    "opportunity_not_started": "{no} non è ancora avviata: `start {no}` attiva la prima fase.",
    "cycle_has_no_stages": "Il ciclo di vendita {cycle} non ha fasi, quindi non può partire.",
    "no_next_stage": "{no} è già all'ultima fase ({stage}); chiudila con vinta o persa.",
    "no_previous_stage": "{no} è alla prima fase: non ce n'è una precedente.",
    "skip_not_possible": "{no} non può saltare dalla fase {stage}: la prossima non si può saltare. Usa `next {no}`.",
    "invalid_skip_target": "Dalla fase {stage} {no} può saltare alla fase {targets}.",
    "jump_not_possible": "{no} non può tornare indietro dalla fase {stage}; usa `back {no}`.",
    "jump_target_required": "Indica dove tornare: `jump {no} to=N` con N tra {targets}.",
    "invalid_jump_target": "Dalla fase {stage} {no} può tornare alla fase {targets}.",
    "date_before_last_change": "La data deve essere dal {last} in poi, data dell'ultima modifica di {no}.",
    "date_before_creation": "La data deve essere dal {created} in poi, quando {no} è stata creata.",
    "quote_required": "{no} non può passare alla fase {stage} senza un'offerta: `quote {no} <riferimento>`.",
    "value_not_positive": "Il valore stimato deve essere maggiore di zero: aggiungi `value=…`.",
    "chances_not_positive": "La probabilità di successo deve essere maggiore di 0 %: aggiungi `chances=…`.",
    "chances_out_of_range": "La probabilità di successo è un numero intero da 1 a 100, non {chances}.",
    "close_date_required": 'Indica una data di chiusura stimata: `close=2026-12-31` o `close="tra 2 settimane"`.',
    "close_date_before_change": "La data di chiusura stimata {close} è prima della data della modifica {dc}.",
    "close_code_required": "Indica perché {no} si chiude con un codice: `code=…`, uno tra {codes}.",
    "unknown_close_code": "Il codice di chiusura {close_code} per chiudere {no} non esiste; valgono i codici di tipo {type}.",
    "close_code_wrong_type": "{close_code} non è un codice di chiusura di tipo {type}: scegline uno di tipo {type} per chiudere {no}.",
    "won_amount_not_positive": "L'importo vinto di {no} deve essere maggiore di zero.",
    "won_amount_not_allowed": "Un'opportunità persa non ha importo vinto: togli `amount=` per chiudere {no} come persa.",
    "reason_too_long": "Il motivo della chiusura di {no} può avere al massimo {max} caratteri.",
    "quote_too_long": "Il riferimento dell'offerta di {no} può avere al massimo {max} caratteri.",
    "description_required": 'Scrivi una descrizione tra virgolette: `nuova CT000001 "Sedie ufficio"`.',
    "description_too_long": "La descrizione può avere al massimo {max} caratteri.",
    "contact_required": "Quale contatto? Un numero come CT000001 o un nome tra virgolette.",
    "unknown_contact": 'Non trovo il contatto "{contact}". `contacts <nome>` li cerca.',
    "ambiguous_contact": '"{contact}" corrisponde a più contatti: {matches}. Usa il numero.',
    "unknown_salesperson": "Il venditore {code} non esiste.",
    "unknown_user": "Questa persona non è ancora collegata a un venditore. Un amministratore può usare `link @utente CODICE`.",
    "cycle_required": "Quale ciclo di vendita? Aggiungi `cycle=…`, uno tra {cycles}.",
    "unknown_cycle": "Il ciclo di vendita {cycle} non esiste. `cycles` li elenca.",
    "cycle_blocked": "Il ciclo di vendita {cycle} è bloccato: le nuove opportunità non possono usarlo.",
    "bad_priority": "La priorità è low, normal o high, non {priority}.",
    "bad_status": "Stato sconosciuto: {status}.",
    "stage_in_use": "La fase {stage} di {no} non esiste più nel suo ciclo.",
    "invalid_date_formula": "{formula} non è una formula di data (esempi: 10D, 2W, 1M+10D).",
    "amount_too_large": "L'importo è troppo grande: il massimo che oppbot accetta è {max}.",
    "date_out_of_range": "{date} è fuori intervallo: le date vanno dal {min} al {max}.",
    "not_linked": "Ciao! Non ti conosco ancora: chiedi a un amministratore di collegarti (`link @te CODICE`).",
    "internal_error": "Scusa, qualcosa è andato storto da parte mia. Non è cambiato nulla; riprova.",
    "internal_error_after": "Scusa, la richiesta è andata a buon fine ma non riesco a mostrare la risposta: `elenco` o `mostra` dicono a che punto siamo.",
    "bad_timezone": "Fuso orario (`timezone=`): non conosco “{value}”; usa un nome IANA come Europe/Rome o America/New_York. Non ho cambiato nulla.",
    "bad_locale": "Lingua (`locale=`): “{value}” non è una lingua che parlo; usa en o it. Non ho cambiato nulla.",
    "bad_working_hours": "Orario di lavoro (`hours=`): “{value}” non è un intervallo di ore; usa HH:MM-HH:MM come 08:30-17:00 (00:00-24:00 vuol dire a qualsiasi ora). Non ho cambiato nulla.",
    "bad_working_days": "Giorni lavorativi (`days=`): “{value}” non è un elenco di giorni; usa un intervallo o un elenco come lun-ven o lun,mer,ven. Non ho cambiato nulla.",
    "bad_reminders": "Promemoria sulle opportunità ferme (`reminders=`): “{value}” non è né on né off. Non ho cambiato nulla.",
    "bad_digest": "Riepilogo (`digest`): “{value}” non è una programmazione; usa daily 08:00, weekly mon 09:00 oppure off. Non ho cambiato nulla.",
    "unknown_preference": "L'impostazione “{key}” non esiste: le impostazioni sono timezone, locale, hours, days, reminders e digest.",
    "about_opportunity": "{no}: {text}",
    "created": "Creata {no}.",
    "created_started": "Creata {no} alla fase {stage}.",
    "moved_start": "{no} avviata alla fase {stage}.",
    "moved_next": "{no} passata alla fase {stage}.",
    "moved_previous": "{no} tornata alla fase {stage}.",
    "moved_skip": "{no} saltata alla fase {stage}.",
    "moved_jump": "{no} tornata indietro alla fase {stage}.",
    "moved_update": "{no} aggiornata.",
    "moved_win": "{no} vinta. 🎉",
    "moved_lose": "{no} chiusa come persa.",
    "moved_quote": "{no}: offerta impostata a {quote}.",
    "moved_quote_cleared": "{no}: offerta rimossa.",
    "chances_overridden": "Probabilità impostata al {chances} % della fase (avevi indicato {given} %).",
    "tasks_created": "Attività creata: {tasks}.",
    "linked": "Collegato a {name} ({code}).",
    "feed_needs_channel": "I feed appartengono a un canale: scrivi `feed …` nel canale che deve ricevere le modifiche.",
    "feed_not_allowed": "Solo i manager e gli amministratori possono attivare o disattivare il feed di un canale.",
    "feed_not_your_team": "{owner} non è nel tuo team: puoi seguire le opportunità del tuo team.",
    "feed_all_not_allowed": "Solo un amministratore può pubblicare in un canale le modifiche di tutte le opportunità; prova `feed on team`.",
    "feed_on": "D'ora in poi questo canale riceve ogni modifica di {what}.",
    "feed_already": "Questo canale riceve già ogni modifica di {what}.",
    "feed_off": Plural(
        "count",
        one="Questo canale non riceve più modifiche ({count} feed fermato).",
        other="Questo canale non riceve più modifiche ({count} feed fermati).",
    ),
    "feed_none": "Questo canale non ha feed. Manager: `feed on team` pubblica qui le modifiche del tuo team.",
    "feed_title": "Questo canale riceve ogni modifica di:",
    "feed_kind_team": "il team di {name}",
    "feed_kind_all": "tutte le opportunità",
    "feed_kind_cycle": "il ciclo di vendita {value}",
    "feed_kind_owner": "le opportunità di {name}",
    "feed_line": "*{no}* · {description}: {what} · {value} · {who}",
    "feed_new": "creata",
    "feed_start": "avviata alla fase {stage}",
    "feed_moved": "passata alla fase {stage} {stage_name}",
    "feed_update": "aggiornata",
    "feed_quote": "offerta impostata",
    "feed_win": "vinta",
    "feed_lose": "persa",
    "feed_reason": "{what}: {reason}",
    "settings_saved": "Salvato: {fields}.",
    "contact": "Contatto",
    "owner": "Venditore",
    "stage": "Fase",
    "stage_of": "{stage} di {count}",
    "status": "Stato",
    "estimated_value": "Valore stimato",
    "probability": "Probabilità",
    "chances": "Probabilità di successo",
    "completed": "Completamento",
    "calcd_current_value": "Valore attuale",
    "close_date": "Chiusura stimata",
    "days_in_stage": "Giorni nella fase",
    "stalled": Plural(
        "days", one="ferma, in ritardo di {days} giorno", other="ferma, in ritardo di {days} giorni"
    ),
    "last_change": "Ultima modifica",
    "priority": "Priorità",
    "quote": "Offerta",
    "cycle": "Ciclo",
    "created_on": "Creata",
    "closed_on": "Chiusa",
    "close_code": "Codice chiusura",
    "reason": "Motivo",
    "status_not_started": "non avviata",
    "status_in_progress": "in corso",
    "status_won": "vinta",
    "status_lost": "persa",
    "priority_low": "bassa",
    "priority_normal": "normale",
    "priority_high": "alta",
    "list_mine": "Le tue opportunità",
    "list_team": "Le opportunità del tuo team",
    "list_all": "Tutte le opportunità",
    "list_owner": "Opportunità di {scope}",
    "list_empty": "Nessuna opportunità corrisponde.",
    "list_truncated": "Mostro le prime {count} di {total} (prima le ferme); restringi con stage=, status= o cycle=.",
    "history_title": "Storico di {no} (dalla più recente)",
    "pipeline_title": "Pipeline ({scope})",
    "pipeline_empty": "La pipeline è vuota.",
    "stats_title": "Statistiche ({scope})",
    "open": "aperte",
    "won": "vinte",
    "lost": "perse",
    "not_started": "non avviate",
    "won_count": Plural("count", one="{count} vinta", other="{count} vinte"),
    "lost_count": Plural("count", one="{count} persa", other="{count} perse"),
    "not_started_count": Plural("count", one="{count} non avviata", other="{count} non avviate"),
    "win_rate": "tasso di vittoria",
    "avg_days_to_close": "giorni medi alla chiusura",
    "avg_days": "giorni medi",
    "won_value": "valore vinto",
    "avg_estimated_value": "valore stimato medio",
    "avg_calcd_value": "valore attuale medio",
    "stats_ledger_title": "Statistiche venditori (Business Central: voci attive, vinte e perse incluse)",
    "ledger_count": "opportunità: {count}",
    "estimated": "valore stimato",
    "current_value": "valore attuale",
    "pipeline": "pipeline",
    "weighted": "ponderato",
    "cycles_title": "Cicli di vendita",
    "blocked": "bloccato",
    "contacts_title": 'Contatti per "{query}"',
    "contacts_empty": 'Nessun contatto per "{query}".',
    "help_title": "Comandi di oppbot",
    "help_footer": "Valori: 50k, 1,2M, € 50.000,00. Date: 2026-12-31, venerdì prossimo, tra 2 settimane.",
    "action_start": "Avvia",
    "action_next": "Fase successiva",
    "action_previous": "Precedente",
    "action_skip": "Salta",
    "action_jump": "Torna a…",
    "action_update": "Aggiorna…",
    "action_quote": "Offerta…",
    "action_win": "Vinta…",
    "action_lose": "Persa…",
    "share": "Condividi nel canale",
    "settings_title": "Impostazioni di {name} ({code})",
    "pref_timezone": "Fuso orario",
    "pref_locale": "Lingua",
    "pref_working_hours": "Orario di lavoro",
    "pref_working_days": "Giorni lavorativi",
    "pref_reminders": "Promemoria sulle opportunità ferme",
    "pref_digest": "Riepilogo",
    "pref_default": "predefinito",
    "pref_on": "attivi",
    "pref_off": "disattivati",
    "pref_any_time": "a qualsiasi ora",
    "settings_help": "Per cambiarle: `impostazioni timezone=Europe/Rome locale=it hours=08:30-17:00 days=lun-ven`, `promemoria on|off` e `riepilogo daily 08:00|weekly mon 09:00|off`; il valore `default` (ad es. `impostazioni timezone=default`) ripristina il predefinito.",
    "none": "—",
    "action_show": "Apri",
    "more": "Altre",
    "showing": "{start}–{end} di {total}",
    "page_previous": "← Precedenti",
    "page_next": "Successive →",
    "list_stalled": "⚠ Ferme ({count}), le più in ritardo prima",
    "list_others": "Le altre ({count})",
    "team_pipeline": "Pipeline del team",
    # forms (replies.forms: Slack modals and Teams cards) and Teams' cards
    "form_new": "Nuova opportunità",
    "form_update": "Aggiorna {no}",
    "form_quote": "Offerta {no}",
    "form_win": "Vinta {no}",
    "form_lose": "Persa {no}",
    "form_save": "Salva",
    "form_create": "Crea",
    "form_cancel": "Annulla",
    "form_description": "Descrizione",
    "form_chances": "Probabilità di successo (%)",
    "form_contact_search": "Scrivi per cercare i contatti",
    "form_owner_hint": "Lascia vuoto per te stesso.",
    "form_pick": "Scegli…",
    "form_date_of_change": "Data della modifica",
    "form_amount_won": "Importo vinto",
    "form_quote_ref": "Riferimento offerta",
    "form_quote_hint": "Lascia vuoto per rimuovere l'offerta.",
    "form_bad_number": "Un numero intero da 1 a 100.",
    "form_required": "Compila questo campo.",
    "card_go": "Vai",
    "card_refresh": "Ricarica",
    # --- digests (replies.digest) ---
    "digest_title_team": "Riepilogo del team · {name} · {date}",
    "digest_title_all": "Riepilogo di tutti · {date}",
    "digest_title_mine": "Il tuo riepilogo · {date}",
    "digest_summary": "{open} · {estimated} (ponderato {weighted}) · {stalled} · {closing} in chiusura questo mese · {people}",
    "open_count": Plural("count", one="{count} aperta", other="{count} aperte"),
    "digest_people": Plural("count", one="{count} persona", other="{count} persone"),
    "digest_pipeline_title": "Pipeline per fase",
    "digest_pipeline_all": "Con i giorni medi per fase: `{command}`.",
    "digest_pipeline_more": Plural(
        "count", one="{count} altro ciclo: `{command}`.", other="Altri {count} cicli: `{command}`."
    ),
    "digest_changes_title": "Cambiamenti dal {start} al {end}",
    "digest_new": "Nuove: {count} · {amount}",
    "digest_advanced": "Avanzate: {count} · {amount}",
    "digest_won": "Vinte: {count} · {amount}",
    "digest_lost": "Perse: {count} · {amount}",
    "digest_and_more": Plural(
        "count", one="… e un'altra: `{command}`", other="… e altre {count}: `{command}`"
    ),
    "digest_no_changes": "Nessuna opportunità nuova, avanzata, vinta o persa in questo periodo.",
    "digest_stalled_title": "Ferme: {count}",
    "digest_no_stalled": "Nessuna opportunità è ferma.",
    "digest_see_all": "Vedi tutte",
    "sent_below": "Eccola, in un nuovo messaggio qui sotto.",
    "digest_stalled_more": "`{command}` le elenca tutte, le più in ritardo prima.",
    "digest_closing_title": "In chiusura entro il {end}: {count} · {amount} (ponderato {weighted})",
    "digest_no_closing": "Nessuna chiusura prevista questo mese.",
    "digest_closing_more": "Le maggiori per valore ponderato; la tabella sotto le conta per persona.",
    "digest_reps_title": "Per persona",
    "digest_reps_more": "I dati di tutti: `{command}`.",
    "digest_rep_stalled": Plural("count", one="{count} ferma", other="{count} ferme"),
    "digest_rep_closing": "{count} in chiusura",
    "digest_rep_changes": "nuove {new}, avanzate {advanced}, vinte {won}, perse {lost}",
    "digest_chart_title": "Pipeline aperta per fase",
    # Teams (adapters.teams)
    "action_unavailable": "Questo pulsante qui non fa (ancora) nulla: scrivi il comando, ad es. `aiuto`.",
    # promemoria, posticipi e riepiloghi (lo scheduler)
    "action_snooze": "Posticipa…",
    "snooze_1d": "1 giorno",
    "snooze_3d": "3 giorni",
    "snooze_1w": "1 settimana",
    "snoozed": "{no}: nessun promemoria fino al {until}.",
    "reminder_stalled": Plural(
        "days",
        one="⏰ {no} è ferma in {stage}: {days} giorno oltre il tempo abituale. Falla avanzare, aggiornala o posticipa il promemoria.",
        other="⏰ {no} è ferma in {stage}: {days} giorni oltre il tempo abituale. Falla avanzare, aggiornala o posticipa il promemoria.",
    ),
    # "promemoria" is the same for one and many: only the days agree
    "reminder_escalated": Plural(
        "days",
        one="{owner} ha ricevuto {count} promemoria su {no}, ferma in {stage} da {days} giorno, senza intervenire.",
        other="{owner} ha ricevuto {count} promemoria su {no}, ferma in {stage} da {days} giorni, senza intervenire.",
    ),
    "todo_due": "📌 Attività in scadenza oggi per {no}: {activity}.",
    "digest_queued": "Il tuo riepilogo è in arrivo.",
    "bad_snooze": "Posticipa di 1d, 3d o 1w, non “{value}”.",
}

CATALOGS = {"en": EN, "it": IT}


def language(locale: str | None) -> str:
    """`it-IT`, `it_IT`, `it` → `it`; anything unknown → `en`."""
    lang = (locale or "en").replace("-", "_").split("_")[0].lower()
    return lang if lang in CATALOGS else "en"


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def _show(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _template(locale: str | None, key: str, params: dict[str, Any]) -> str:
    """The key's template in the reader's language (else English), in the form its counts call for."""
    lang = language(locale)
    template = CATALOGS[lang].get(key)
    if not template:
        lang, template = "en", EN.get(key) or key
    while isinstance(template, Plural):
        template = template.form(lang, params)
    return template


def t(locale: str | None, key: str, **params: Any) -> str:
    """Translate; a missing parameter shows as `?` rather than breaking the reply."""
    return _template(locale, key, params).format_map(_Lenient({k: _show(v) for k, v in params.items()}))


def about(locale: str | None, no: str | None, key: str, **params: Any) -> str:
    """A sentence about opportunity `no` that names it (conventions): the number leads when the
    sentence itself has no place for it (sentences shared with `new`, which has no number yet)."""
    text = t(locale, key, no=no or "", **params)
    if not no or "{no}" in _template(locale, key, params):
        return text
    return t(locale, "about_opportunity", no=no, text=text)


def error_text(locale: str | None, error: DomainError) -> str:
    params = dict(error.params)
    return about(locale, str(params.pop("no", "") or ""), error.code, **params)
