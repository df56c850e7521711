"""Settings: the default secret is refused outside development, URLs are normalised."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from resale.core.config import DEV_SECRET_KEY, Settings

GOOD_KEY = "k" * 48


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test builds Settings from what it passes, not from the test run's RESALE_* variables."""
    import os

    for name in list(os.environ):
        if name.startswith("RESALE_"):
            monkeypatch.delenv(name)


def make(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.mark.parametrize("env", ["production", "test"])
def test_default_secret_is_refused_outside_development(env: str) -> None:
    with pytest.raises(ValidationError, match="RESALE_SECRET_KEY must be set"):
        make(env=env)
    with pytest.raises(ValidationError, match="RESALE_SECRET_KEY must be set"):
        make(env=env, secret_key=DEV_SECRET_KEY)


def test_default_secret_is_allowed_in_development() -> None:
    settings = make()
    assert settings.env == "development"
    assert settings.is_development
    assert settings.secret_key == DEV_SECRET_KEY


def test_a_real_secret_is_accepted_in_production() -> None:
    settings = make(env="production", secret_key=GOOD_KEY)
    assert settings.secret_key == GOOD_KEY
    assert not settings.is_development


def test_environment_variables_use_the_resale_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESALE_ENV", "production")
    with pytest.raises(ValidationError, match="RESALE_SECRET_KEY must be set"):
        make()
    monkeypatch.setenv("RESALE_SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("RESALE_API_TOKEN_DAYS", "3")
    monkeypatch.setenv("SECRET_KEY", "unprefixed-and-ignored-" + "z" * 32)
    settings = make()
    assert settings.env == "production"
    assert settings.secret_key == GOOD_KEY
    assert settings.api_token_days == 3


@pytest.mark.parametrize("env", ["development", "production"])
def test_short_secret_is_refused(env: str) -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        make(env=env, secret_key="s" * 31)
    assert make(env=env, secret_key="s" * 32).secret_key == "s" * 32


def test_unknown_environment_is_refused() -> None:
    with pytest.raises(ValidationError):
        make(env="staging", secret_key=GOOD_KEY)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "postgres://u:p@db.example:5432/resale",
            "postgresql+psycopg://u:p@db.example:5432/resale",
        ),
        ("postgresql://u@db/resale", "postgresql+psycopg://u@db/resale"),
        ("postgresql+psycopg://u@db/resale", "postgresql+psycopg://u@db/resale"),
        ("sqlite:////srv/resale/app.db", "sqlite:////srv/resale/app.db"),
    ],
    # Plain ids: the run's "tests per database" summary goes by "[sqlite"/"[postgresql" in ids.
    ids=["short-scheme", "long-scheme", "explicit-driver", "file-url"],
)
def test_database_url_normalisation(given: str, expected: str) -> None:
    assert make(database_url=given).sqlalchemy_url == expected


def test_sqlite_in_the_data_dir_by_default(tmp_path: Path) -> None:
    settings = make(data_dir=tmp_path / "data")
    assert settings.sqlalchemy_url == f"sqlite:///{(tmp_path / 'data' / 'resale.db').as_posix()}"
    assert settings.media_dir == tmp_path / "data" / "media"


def test_default_data_dir_is_var() -> None:
    settings = make()
    assert settings.sqlalchemy_url == "sqlite:///var/resale.db"
    assert settings.media_dir == Path("var") / "media"


def test_photo_limits_match_the_issue() -> None:
    settings = make()
    assert settings.max_photo_bytes == 10 * 1024 * 1024
    assert settings.max_photos_per_listing == 10
