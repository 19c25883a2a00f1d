"""Bring an older database up to the current tables: add the columns it lacks.

Hand-written rather than Alembic because every change so far only adds nullable
columns (``owner`` in #6), which ``create_all`` skips on existing tables. Once a
change needs more than that (a rename, a type change, data moved), switch to Alembic.
"""

from __future__ import annotations

from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Engine


def add_missing_columns(engine: Engine, metadata: MetaData) -> list[str]:
    """Add each nullable column (and its index) that a table lacks; returns ``table.column`` added."""
    inspector = inspect(engine)
    added: list[str] = []
    for table in metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue
        present = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            if not column.nullable:
                raise RuntimeError(f"{table.name}.{column.name} is new and not nullable: write a real migration")
            kind = column.type.compile(dialect=engine.dialect)
            with engine.begin() as conn:
                # Two workers may start at once: the loser's ALTER fails; check again before failing.
                try:
                    conn.exec_driver_sql(f'ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}')
                except Exception:
                    if column.name not in {c["name"] for c in inspect(engine).get_columns(table.name)}:
                        raise
                    continue
            if column.index:
                # Raw SQL: an Index() object would attach itself to the shared metadata for good.
                with engine.begin() as conn:
                    conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS ix_{table.name}_{column.name} "
                                         f"ON {table.name} ({column.name})")
            added.append(f"{table.name}.{column.name}")
    return added
