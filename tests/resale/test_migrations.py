"""The migrations build exactly the schema the models describe, and can be undone and redone."""

from __future__ import annotations

import importlib
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from resale.migrations import alembic_config, include_object, upgrade

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("resale", "listings", "carbon", "matching")


def import_all_models() -> None:
    """Register every table of every area, so a model without a migration is noticed."""
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("models.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            importlib.import_module(module)


def schema_differences(connection: sa.Connection) -> list[Any]:
    import_all_models()
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include_object}
    )
    return list(compare_metadata(context, SQLModel.metadata))


def user_tables(connection: sa.Connection) -> set[str]:
    return set(sa.inspect(connection).get_table_names()) - {"alembic_version"}


@pytest.fixture
def scratch_url(engine: Engine, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as ``engine``, dropped afterwards."""
    if engine.dialect.name == "sqlite":
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    name = f"resale_scratch_{secrets.token_hex(4)}"
    admin = sa.create_engine(engine.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield engine.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = schema_differences(connection)
    assert differences == [], "a model changed without a migration:\n" + "\n".join(
        map(str, differences)
    )


def test_the_comparison_notices_a_missing_column(engine: Engine) -> None:
    # Guard against a comparison that always finds nothing.
    import_all_models()
    metadata = sa.MetaData()
    for table in SQLModel.metadata.sorted_tables:
        table.to_metadata(metadata)
    sa.Table("listings", metadata, sa.Column("colour", sa.String(20)), extend_existing=True)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        differences = compare_metadata(context, metadata)
    assert [d[0] for d in differences] == ["add_column"]
    assert differences[0][3].name == "colour"


def test_one_head_and_the_database_is_at_it(engine: Engine) -> None:
    script = ScriptDirectory.from_config(alembic_config())
    heads = script.get_heads()
    assert len(heads) == 1
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_heads() == tuple(heads)


def test_downgrade_to_base_and_upgrade_again(scratch_url: str) -> None:
    config = alembic_config(scratch_url)
    upgrade(scratch_url)
    scratch = sa.create_engine(scratch_url)
    try:
        with scratch.connect() as connection:
            assert {"users", "listings", "listing_photos"} <= user_tables(connection)
            assert schema_differences(connection) == []

        command.downgrade(config, "base")
        with scratch.connect() as connection:
            assert user_tables(connection) == set()
            assert MigrationContext.configure(connection).get_current_heads() == ()

        upgrade(scratch_url)
        upgrade(scratch_url)  # a second upgrade to head changes nothing
        with scratch.connect() as connection:
            assert schema_differences(connection) == []
            # The rebuilt schema works: a row goes in and the constraints hold.
            connection.execute(
                sa.text(
                    "INSERT INTO users (display_name, email, password_hash, is_admin, created_at)"
                    " VALUES ('A', 'a@example.com', 'x', false, CURRENT_TIMESTAMP)"
                )
            )
            with pytest.raises(sa.exc.IntegrityError):
                connection.execute(
                    sa.text(
                        "INSERT INTO users (display_name, email, password_hash, is_admin, created_at)"
                        " VALUES ('B', 'a@example.com', 'y', false, CURRENT_TIMESTAMP)"
                    )
                )
            connection.rollback()
    finally:
        scratch.dispose()


def test_every_revision_steps_down_and_up(scratch_url: str) -> None:
    """Each migration's downgrade undoes its upgrade, one step at a time."""
    config = alembic_config(scratch_url)
    script = ScriptDirectory.from_config(config)
    revisions = list(reversed(list(script.walk_revisions())))  # oldest first
    for revision in revisions:
        command.upgrade(config, revision.revision)
        command.downgrade(config, revision.down_revision or "base")
        command.upgrade(config, revision.revision)
    scratch = sa.create_engine(scratch_url)
    try:
        with scratch.connect() as connection:
            assert schema_differences(connection) == []
    finally:
        scratch.dispose()


def test_0010_backfills_saved_search_categories(scratch_url: str) -> None:
    config = alembic_config(scratch_url)
    command.upgrade(config, "0009")
    scratch = sa.create_engine(scratch_url)
    try:
        with scratch.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO users (id, display_name, email, password_hash, is_admin,"
                    " created_at) VALUES (1, 'A', 'a@example.com', 'x', false, CURRENT_TIMESTAMP)"
                )
            )
            for search_id, query in [(1, "q=lamp&category=sofas&sort=best"), (2, "q=lamp")]:
                connection.execute(
                    sa.text(
                        "INSERT INTO saved_searches (id, user_id, name, query, created_at,"
                        " last_seen_at) VALUES (:id, 1, 'n', :query, CURRENT_TIMESTAMP,"
                        " CURRENT_TIMESTAMP)"
                    ),
                    {"id": search_id, "query": query},
                )
        command.upgrade(config, "0010")
        with scratch.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT id, category FROM saved_searches ORDER BY id")
            ).all()
        assert [tuple(r) for r in rows] == [(1, "sofas"), (2, None)]
    finally:
        scratch.dispose()
