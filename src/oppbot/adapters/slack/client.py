"""Every Slack Web API client oppbot makes: its base URL, and retries on rate limits and connection errors."""

from __future__ import annotations

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from oppbot.runtime import Runtime


def web_client(runtime: Runtime, token: str | None = None) -> AsyncWebClient:
    """Every Web API client: our base URL, and retries on rate limits and connection errors."""
    client = AsyncWebClient(token=token, base_url=runtime.settings.slack_api_url)
    handlers = client.retry_handlers
    if not any(isinstance(h, AsyncConnectionErrorRetryHandler) for h in handlers):
        handlers.append(AsyncConnectionErrorRetryHandler(max_retry_count=2))
    handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    return client
