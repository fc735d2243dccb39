"""The console adapter: the shared grammar and replies in a terminal, acting as one salesperson."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from oppbot.bot import Context
from oppbot.domain.model import Salesperson
from oppbot.replies.format import Formatter
from oppbot.replies.text import render
from oppbot.runtime import Runtime

PROMPT = "opp> "
QUIT = {"quit", "exit", "bye", "esci"}


async def chat(runtime: Runtime, actor: Salesperson, stdin: TextIO, stdout: TextIO) -> None:
    """Interactive on a terminal; otherwise one command per line, each reply printed, until end of input."""
    ctx = Context(actor=actor, locale=runtime.settings.locale, tz=runtime.settings.zone)
    fmt = Formatter(ctx.locale, runtime.settings.currency)
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
        if not interactive:
            stdout.write("\n")
        stdout.flush()


def run_chat(runtime: Runtime, actor: Salesperson) -> None:
    asyncio.run(chat(runtime, actor, sys.stdin, sys.stdout))
