"""Root conftest: the shared database fixtures (SQLite and PostgreSQL) live in tests/dbfixtures.py."""

import os

# The scheduler sends DMs on its own: off unless a test turns it on (tests/scheduler do).
os.environ.setdefault("OPPBOT_SCHEDULER", "off")

pytest_plugins = ["tests.dbfixtures"]
