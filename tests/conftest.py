"""Root conftest: the shared database fixtures (SQLite and PostgreSQL) live in tests/dbfixtures.py."""

pytest_plugins = ["tests.dbfixtures"]
