"""Run storage: SQLAlchemy 2, SQLite file by default, PostgreSQL by URL, Alembic migrations."""

from aftershock.runstore.database import DEFAULT_DB, RunStore, default_db_path, normalise_url, redact

__all__ = ["DEFAULT_DB", "RunStore", "default_db_path", "normalise_url", "redact"]
