"""Settings, read once from the environment and `.env` at start-up and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///data/storybot.db",
        description="SQLAlchemy async URL of the store (SQLite or postgresql+asyncpg).",
    )
    database_connect_attempts: int = Field(
        default=8, ge=1, description="Tries to reach the store at start-up before giving up."
    )
    database_retry_seconds: float = Field(
        default=1.0, gt=0, description="First wait between those tries; it doubles up to 30 s."
    )
    telegram_bot_token: str = Field(default="", description="Bot token; empty runs the console.")
    telegram_base_url: str = Field(
        default="https://api.telegram.org/bot",
        description="Bot API base URL (a self-hosted Bot API server or a local test server).",
    )
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(), description="Comma-separated Telegram user ids allowed admin commands."
    )
    seeds_dir: Path = Field(
        default=Path("seeds"), description="Articles ingested into an empty store."
    )
    fetch_timeout_seconds: float = Field(
        default=10.0, description="Connect/read timeout for fetches."
    )
    fetch_max_bytes: int = Field(default=5_000_000, description="Largest page or file accepted.")
    fetch_deadline_seconds: float = Field(
        default=30.0, description="Longest a whole fetch may take, redirects included."
    )
    fetch_allow_private_addresses: bool = Field(
        default=False,
        description="Let fetches reach loopback and private addresses (local test servers only).",
    )
    relevance_threshold: float = Field(
        default=0.12,
        description="Minimum overlap with the story's vocabulary to count as on-topic.",
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
    digest_check_seconds: int = Field(
        default=60, description="How often the picture is compared with what subscribers last got."
    )
    digest_every_minutes: int = Field(
        default=15, description="Instant digests: at most one per this many minutes per chat."
    )
    outbox_lease_seconds: float = Field(
        default=30.0,
        ge=1.0,
        description="How long a sender holds the messages it claimed without renewing; a "
        "stopped sender's messages are sent by another after it.",
    )
    outbox_senders: int = Field(
        default=1,
        ge=1,
        description="Bot processes sending for one token; each keeps to its share of 30/s.",
    )
    source_poll_seconds: int = Field(
        default=900, description="Default interval between two fetches of a feed or page."
    )
    webhook_url: str = Field(
        default="",
        description="Public HTTPS URL Telegram posts updates to; set, it replaces long polling.",
    )
    webhook_listen: str = Field(
        default="0.0.0.0", description="Address the webhook server listens on."
    )
    webhook_port: int = Field(default=8443, description="Port the webhook server listens on.")
    webhook_secret: str = Field(
        default="",
        description="Secret Telegram sends with each webhook request; others get 403.",
        pattern=r"^[A-Za-z0-9_-]{0,256}$",
    )

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(" ", "").split(",") if part)
        if isinstance(value, int):
            return frozenset({value})
        return value


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
