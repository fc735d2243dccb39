"""The console adapter: the shared grammar and replies in a terminal, acting as one salesperson."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from oppbot.bot import Context
from oppbot.domain.model import Salesperson
from oppbot.replies.format import Formatter
from oppbot.replies.model import PreferencesReply
from oppbot.replies.text import render
from oppbot.runtime import Runtime

PROMPT = "opp> "
QUIT = {"quit", "exit", "bye", "esci"}


async def chat(runtime: Runtime, actor: Salesperson, stdin: TextIO, stdout: TextIO) -> None:
    """Interactive on a terminal; otherwise one command per line, each reply printed, until end of input."""
    ctx, fmt = await _context(runtime, actor)
    interactive = stdin.isatty()
    if interactive:
        stdout.write(f"oppbot · {actor.name} ({actor.code}) · `help` lists commands, `quit` leaves.\n")
    loop = asyncio.get_running_loop()
    while True:
        if interactive:
            stdout.write(PROMPT)
            stdout.flush()
        line = await loop.run_in_executor(None, stdin.readline)
        if not line:
            break
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.lower() in QUIT:
            break
        reply = await runtime.bot.handle(text, ctx)
        stdout.write(render(reply, fmt) + "\n")
        if isinstance(reply, PreferencesReply) and reply.view.changed:
            ctx, fmt = await _context(runtime, actor)  # a new language or time zone applies at once
        if not interactive:
            stdout.write("\n")
        stdout.flush()


async def _context(runtime: Runtime, actor: Salesperson) -> tuple[Context, Formatter]:
    """The console has no platform values: the person's stored ones, else the settings'."""
    settings = runtime.settings
    ctx = Context.of(
        actor, await runtime.service.preferences_of(actor), platform_locale=None, platform_tz=None,
        default_locale=settings.locale, default_tz=settings.timezone,
    )  # fmt: skip
    return ctx, Formatter(ctx.locale, settings.currency)


def run_chat(runtime: Runtime, actor: Salesperson) -> None:
    asyncio.run(chat(runtime, actor, sys.stdin, sys.stdout))
