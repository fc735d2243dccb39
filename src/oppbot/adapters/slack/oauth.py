"""Multi-workspace mode: Bolt's OAuth flow with installations and states in our database.

slack_sdk ships async SQLAlchemy stores (AsyncSQLAlchemyInstallationStore / AsyncSQLAlchemyOAuthStateStore)
that run on our AsyncEngine. Their tables (slack_installations, slack_bots, slack_oauth_states) are
created by an Alembic migration, never by `create_tables()` at run time.
"""

from __future__ import annotations

from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore

from oppbot.runtime import Runtime

BOT_SCOPES = (
    "commands", "chat:write", "chat:write.public", "users:read", "users:read.email", "im:write",
    "channels:history", "groups:history", "im:history",
)  # fmt: skip
STATE_EXPIRATION_SECONDS = 600
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


def multi_workspace(runtime: Runtime) -> bool:
    s = runtime.settings
    return bool(s.slack_client_id and s.slack_client_secret)


def oauth_settings(runtime: Runtime) -> AsyncOAuthSettings | None:
    """None in single-workspace mode (a bot token); the OAuth flow when client id and secret are set."""
    s = runtime.settings
    if not multi_workspace(runtime) or s.slack_client_id is None:
        return None
    return AsyncOAuthSettings(
        client_id=s.slack_client_id,
        client_secret=s.slack_client_secret,
        scopes=list(BOT_SCOPES),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=AsyncSQLAlchemyInstallationStore(
            client_id=s.slack_client_id, engine=runtime.engine
        ),
        state_store=AsyncSQLAlchemyOAuthStateStore(
            expiration_seconds=STATE_EXPIRATION_SECONDS, engine=runtime.engine
        ),
    )
