"""The store fixtures of the adapter tests, so every command runs on SQLite and PostgreSQL."""

from tests.adapters.conftest import postgres_database, postgres_store, sqlite_store

__all__ = ["postgres_database", "postgres_store", "sqlite_store"]
