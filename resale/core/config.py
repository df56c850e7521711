"""Settings, read once from the environment (prefix ``RESALE_``) and ``.env``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-only-secret-key-do-not-use-in-production"  # noqa: S105


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RESALE_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    secret_key: str = DEV_SECRET_KEY
    data_dir: Path = Path("var")
    # Empty means SQLite in data_dir; set e.g. postgresql+psycopg://user@host/db for PostgreSQL.
    database_url: str = ""
    database_echo: bool = False

    session_days: int = Field(default=30, ge=1)
    api_token_days: int = Field(default=7, ge=1)
    # Session, CSRF and flash cookies only over HTTPS; unset means on in production.
    secure_cookies: bool | None = None

    max_photo_bytes: int = 10 * 1024 * 1024
    max_photos_per_listing: int = 10
    max_photo_pixels: int = 40_000_000
    # Photos decoded at once per process (each large one takes tens of MB even at reduced
    # scale); the others wait their turn. About the number of cores.
    photo_decodes_at_once: int = Field(default=2, ge=1)
    # Photos a failed sell form kept for its next submit are removed after this many hours.
    pending_photo_hours: float = Field(default=24, gt=0)

    # Logins: failed attempts allowed per account (normalised e-mail) and per client address
    # within one window of login_window_seconds; 0 turns that limit off.
    login_failures_per_account: int = Field(default=5, ge=0)
    login_failures_per_address: int = Field(default=20, ge=0)
    login_window_seconds: int = Field(default=900, ge=1)
    # Where the login counters live: empty means this database (table rate_limit_counters);
    # a `limits` storage URL such as redis://127.0.0.1:6379/0 uses that instead.
    rate_limit_url: str = ""
    # argon2 hashes or checks at once per process (about the number of cores), and how many
    # requests may wait for one before the next is refused with 503 and Retry-After.
    password_hashes_at_once: int = Field(default=2, ge=1)
    password_queue_max: int = Field(default=64, ge=0)

    home_radius_km: float = 30.0

    # Orders. An unpaid order holds its listing this long, then the sweep releases it.
    reservation_minutes: int = Field(default=30, ge=1)
    # Conversations and offers: how long an offer stays open, how long an accepted offer
    # keeps the item for its buyer, and how much one person may send.
    offer_hours: int = Field(default=48, ge=1)
    offer_reservation_hours: int = Field(default=24, ge=1)
    messages_per_minute: int = Field(default=20, ge=0)  # 0: no limit
    messages_per_day: int = Field(default=500, ge=0)
    conversations_per_hour: int = Field(default=20, ge=0)
    # A live stream looks at the database at least this often (seconds), for what another
    # process wrote; what this process writes wakes it at once.
    live_poll_seconds: float = Field(default=5.0, gt=0)
    # Reviews: days after an order completes during which its buyer and seller may review
    # each other; a review still unanswered is shown when they end.
    review_days: int = Field(default=14, ge=1)
    # Buyer protection: days after hand-over or delivery to confirm or open a dispute.
    protection_days: float = Field(default=2, gt=0)
    # A shipped parcel counts as delivered this many days after it was sent (no carrier feed).
    shipping_transit_days: float = Field(default=3, ge=0)
    # The platform's cut of each trade, in basis points of the total (100 = 1 %).
    platform_fee_bps: int = Field(default=0, ge=0, le=10_000)
    # How often the app runs the order sweep itself; 0 leaves it to cron (`resale orders sweep`).
    sweep_interval_seconds: int = Field(default=60, ge=0)
    # Views of listings are noted in memory and written this often (seconds) in one short
    # transaction, so opening a page never writes; 0 leaves writing them to the caller (tests).
    view_flush_seconds: float = Field(default=5, ge=0)
    # One viewer counts once per listing within this many minutes.
    view_repeat_minutes: float = Field(default=30, ge=0)
    # Wrong hand-over codes a seller may enter before the code is locked.
    handover_max_attempts: int = Field(default=5, ge=1)
    # The buyer's share of a trade's avoided CO2e, in basis points; the seller gets the rest.
    carbon_buyer_share_bps: int = Field(default=5_000, ge=0, le=10_000)

    # Payments: Stripe when a secret key is set, else the labelled development gateway.
    stripe_secret_key: str = ""
    stripe_publishable_key: str = ""
    stripe_webhook_secret: str = ""
    # Only for tests and local fakes (localstripe); empty means Stripe's own API.
    stripe_api_base: str = ""
    # Production refuses the development gateway unless this says so (a staging site);
    # every page then says that no real money moves.
    allow_dev_gateway: bool = False
    # The public address of this site, for links sent to payment pages and in e-mails.
    public_url: str = "http://127.0.0.1:8000"

    # E-mail for notifications (the notifications.email job), through this SMTP server;
    # without a host every notification stays in-app only. Port 465 speaks TLS from the
    # start; otherwise STARTTLS, by default whenever a user (so a password) is set.
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "resale <no-reply@resale.example>"
    smtp_starttls: bool | None = None
    smtp_timeout_seconds: float = Field(default=10, gt=0)

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.env != "development" and self.secret_key == DEV_SECRET_KEY:
            raise ValueError(
                "RESALE_SECRET_KEY must be set to a private random value outside development "
                f"(RESALE_ENV={self.env}); e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        if len(self.secret_key) < 32:
            raise ValueError("RESALE_SECRET_KEY must be at least 32 characters long")
        return self

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            url = self.database_url
            # Plain postgres URLs mean psycopg 3, the driver we ship.
            for prefix in ("postgres://", "postgresql://"):
                if url.startswith(prefix):
                    return "postgresql+psycopg://" + url[len(prefix) :]
            return url
        return f"sqlite:///{(self.data_dir / 'resale.db').as_posix()}"

    @property
    def is_development(self) -> bool:
        return self.env == "development"

    @property
    def shows_test_payments(self) -> bool:
        """Every page must say that no real money moves: a production (staging) site runs on
        the development gateway, which it does with no Stripe key (``allow_dev_gateway``).
        In development and tests that goes without saying."""
        return self.env == "production" and not self.stripe_secret_key

    @property
    def smtp_uses_starttls(self) -> bool:
        """Whether to ask the SMTP server for STARTTLS: as set, else when logging in."""
        return bool(self.smtp_user) if self.smtp_starttls is None else self.smtp_starttls

    @property
    def cookies_secure(self) -> bool:
        """Whether our cookies carry ``Secure``: as set, else only in production."""
        return self.env == "production" if self.secure_cookies is None else self.secure_cookies


settings = Settings()
