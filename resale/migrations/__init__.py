"""Alembic migrations: the only way the schema is made, in development, production and tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config for this project; ``url`` overrides the configured database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Autogenerate's filter: leave out the full-text table and index SQLModel cannot describe."""
    from listings.models import FTS_TABLE, SEARCH_VECTOR, SEARCH_VECTOR_INDEX

    if type_ == "table" and name and name.startswith(FTS_TABLE):
        return False
    if type_ == "column" and name == SEARCH_VECTOR:
        return False
    return not (type_ == "index" and name == SEARCH_VECTOR_INDEX)
