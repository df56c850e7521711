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
    secure_cookies: bool = False

    max_photo_bytes: int = 10 * 1024 * 1024
    max_photos_per_listing: int = 10
    max_photo_pixels: int = 40_000_000

    home_radius_km: float = 30.0

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


settings = Settings()
