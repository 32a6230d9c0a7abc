"""Engine, sessions and migrations. No Flask here: the bot layer owns one Database per app."""
from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    # WAL lets the web, the worker and the clock read while one of them writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _owner_only(database: str | None) -> None:
    """The SQLite file holds residents' messages and password hashes: created 0600 (its WAL
    and shared-memory files take the same mode), an older looser file tightened."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.is_dir():
        return  # SQLite will say so itself
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    path.chmod(0o600)


_counters: dict[str, object] = {}
_counters_lock = threading.Lock()


def counter_engine(engine):
    """An engine on the same PostgreSQL database for counters taken outside the caller's
    transaction (each statement its own commit): a counter row locked until a long
    transaction commits makes every concurrent one wait in line. Its commits do not wait for
    the disk (synchronous_commit off): any transaction that uses a value commits later and
    flushes the log up to and past the counter's own commit record. No ping before each use
    (a round trip per message): see count_with."""
    key = str(engine.url.render_as_string(hide_password=False))
    with _counters_lock:
        if key not in _counters:
            _counters[key] = create_engine(
                engine.url, isolation_level="AUTOCOMMIT", hide_parameters=True,
                pool_size=4, max_overflow=28,
                connect_args={"options": "-c synchronous_commit=off"})
        return _counters[key]


def count_with(engine, statement, values: dict):
    """Run a counter's statement on counter_engine(engine). A connection the server dropped
    (a restart) is found out by using it: the pool is emptied and the statement runs once
    more on a new connection; a count taken just before the drop is skipped, never reused."""
    for last_try in (False, True):
        try:
            with counter_engine(engine).connect() as connection:
                return connection.scalar(statement, values)
        except DBAPIError as error:
            if last_try or not error.connection_invalidated:
                raise


def dispose_counter_engine(engine) -> None:
    with _counters_lock:
        counter = _counters.pop(str(engine.url.render_as_string(hide_password=False)), None)
    if counter is not None:
        counter.dispose()


class Database:
    """One engine and its session factory for one database URL."""

    def __init__(self, url: str, **engine_options):
        self.url = url
        # Errors must not carry residents' words (phone numbers, addresses) into the logs.
        engine_options.setdefault("hide_parameters", True)
        if url.startswith("sqlite"):
            engine_options.setdefault("connect_args", {"check_same_thread": False})
        else:
            engine_options.setdefault("pool_pre_ping", True)
        self.engine = create_engine(url, **engine_options)
        if url.startswith("sqlite"):
            _owner_only(self.engine.url.database)
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextlib.contextmanager
    def transaction(self) -> Session:
        """A session whose work is committed on success and rolled back on any error."""
        with self.sessions() as session, session.begin():
            yield session

    def upgrade(self, revision: str = "head") -> None:
        command.upgrade(self.alembic_config(), revision)

    def downgrade(self, revision: str = "base") -> None:
        command.downgrade(self.alembic_config(), revision)

    def alembic_config(self) -> Config:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["engine"] = self.engine
        return config

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        self.engine.dispose()
        dispose_counter_engine(self.engine)
