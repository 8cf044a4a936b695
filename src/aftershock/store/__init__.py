"""Run storage: SQLAlchemy 2, SQLite file by default, PostgreSQL by URL, Alembic migrations."""

from aftershock.store.runstore import DEFAULT_DB, RunStore, normalise_url, redact

__all__ = ["DEFAULT_DB", "RunStore", "normalise_url", "redact"]
