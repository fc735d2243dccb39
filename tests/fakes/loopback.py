"""The loopback server lives in the package (the playground's stand-in runs on it too)."""

from oppbot.playground.loopback import LoopbackServer

__all__ = ["LoopbackServer"]
