"""Engine, sessions and migrations. No Flask here: the bot layer owns one Database per app."""
from __future__ import annotations

import contextlib
import functools
import os
import threading
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from psycopg.pq import TransactionStatus
from sqlalchemy import create_engine, event
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
IDLE = TransactionStatus.IDLE


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


# A pooled connection unused for this long is pinged before it is handed out.
IDLE_BEFORE_PING_SECONDS = 2.0
# Connections a process keeps open (opened only when needed, then kept). A web process runs
# WEB_THREADS (16) requests at once: with SQLAlchemy's default of 5 kept (and 10 more opened
# and closed again), a busy webhook opened a new PostgreSQL connection every ten messages —
# a backend started, authenticated and its catalog caches filled each time, on both sides.
POOL_SIZE = 16  # a gthread process's threads (WEB_THREADS); PostgreSQL allows 100 in all


def ping_when_idle(engine) -> None:
    """pool_pre_ping, but only for connections that sat idle: a ping on every checkout was a
    round trip per message under load, where a connection is back in use within
    milliseconds. One that idled (a quiet district, a database restarted meanwhile) is pinged
    and, if dead, replaced before use, as pool_pre_ping does. A connection broken while in
    steady use fails its statement instead: the pool is then emptied (SQLAlchemy's
    disconnect handling), the webhook answers 503, and WeChat's retry finds a new one."""
    def stamp(dbapi_connection, record, *_):
        record.info["idle_since"] = time.monotonic()

    def ping_if_idle(dbapi_connection, record, proxy):
        if time.monotonic() - record.info.get("idle_since", 0.0) < IDLE_BEFORE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise DisconnectionError(f"idle connection lost: {error}") from error

    event.listen(engine, "connect", stamp)
    event.listen(engine, "checkin", stamp)
    event.listen(engine, "checkout", ping_if_idle)


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
                pool_size=POOL_SIZE, max_overflow=0, pool_timeout=10,
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
        elif url.startswith("postgresql"):
            engine_options.setdefault("pool_size", POOL_SIZE)
            engine_options.setdefault("max_overflow", 0)
            engine_options.setdefault("pool_timeout", 10)
        self.engine = create_engine(url, **engine_options)
        if url.startswith("sqlite"):
            _owner_only(self.engine.url.database)
            event.listen(self.engine, "connect", _sqlite_pragmas)
        elif not engine_options.get("pool_pre_ping"):
            ping_when_idle(self.engine)
        if url.startswith("postgresql"):
            deferrable_savepoints(self.engine)
            event.listen(self.engine, "checkin", explicit_begin_undone)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextlib.contextmanager
    def transaction(self) -> Session:
        """A session whose work is committed on success and rolled back on any error."""
        with self.sessions() as session, session.begin():
            yield session

    def run_alone(self, statement, params: dict | None = None):
        """One statement as a transaction of its own (autocommit): on PostgreSQL one round
        trip, where a session's transaction takes three (BEGIN, the statement, COMMIT) and
        its bookkeeping. Atomic as any transaction; for a write that needs nothing else
        (the delivery worker's `sent`, one a message). The result's rows, read."""
        with self.engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            result = connection.execute(statement, params or {})
            return result.all() if result.returns_rows else []

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


# --- fewer round trips on PostgreSQL: psycopg's pipeline mode ---------------------------------
# A statement nobody reads the result of need not wait for its answer: on PostgreSQL such
# statements are sent with the next one that is read (and with the COMMIT), in one round trip.
# SQLAlchemy cannot read results in pipeline mode, so these batches run on the driver's
# connection (statements compiled once by SQLAlchemy, parameters processed as it would).
# Elsewhere (SQLite: no round trips) each statement simply runs at once.

DEFERRED = "griddesk_deferred_statements"  # session.info: statements waiting for a batch


def pipelines(session: Session) -> bool:
    return session.bind.dialect.name == "postgresql"


def defer(session: Session, statement, params: dict) -> None:
    """Run a statement later in this transaction, with the next batch (PostgreSQL), or now.
    Its effects are not visible to the transaction until then: only for writes nothing reads
    before the commit. Whatever is still deferred runs before any commit (see _run_deferred)."""
    if pipelines(session):
        session.info.setdefault(DEFERRED, []).append((statement, params))
    else:
        session.connection().execute(statement, params)


def execute_then_savepoint(session: Session, statements: list[tuple]) -> tuple[list, object]:
    """execute_together, then a savepoint (session.begin_nested(): its transaction is returned
    with the rows of the last statement): on PostgreSQL the SAVEPOINT goes in the same round
    trip, after the statements (what they write stays when the savepoint is rolled back)."""
    if not pipelines(session):
        rows = execute_together(session, statements)
        return rows, session.begin_nested()
    batch = session.info.pop(DEFERRED, []) + statements
    with savepoint_deferred(session):
        nested = session.begin_nested()
        session.connection()  # SQLAlchemy sends the SAVEPOINT when the connection is taken
    savepoint = session.info.pop(DEFERRED, [])
    assert len(savepoint) == 1, "begin_nested() sent its SAVEPOINT, or more than that"
    try:
        return _pipelined(session, batch + savepoint, commit=False,
                          rows_of=len(batch) - 1), nested
    except DBAPIError:
        # The SAVEPOINT that SQLAlchemy counts as open never ran: its ROLLBACK TO would fail
        # and hide this error. The connection is dropped instead (the server ends the
        # transaction); the error goes on as it came.
        session.connection().invalidate()
        raise


def execute_together(session: Session, statements: list[tuple]) -> list:
    """Run the deferred statements and these (statement, params) in one round trip on
    PostgreSQL (in order, in the session's transaction, opening it: BEGIN goes along); the
    rows of the last one."""
    batch = session.info.pop(DEFERRED, []) + statements
    if not pipelines(session):
        result = None
        for statement, params in batch:
            result = session.connection().execute(statement, params)
        return list(result.all()) if result is not None and result.returns_rows else []
    return _pipelined(session, batch, commit=False)


def commit_together(session: Session, statements: list[tuple]) -> None:
    """Run the deferred statements and these, then COMMIT, in one round trip on PostgreSQL.
    The session's own commit that follows finds nothing left to do on the wire (its flush
    must find nothing pending: flush before). Elsewhere the statements run now and the
    session's commit commits them."""
    if not pipelines(session):
        execute_together(session, statements)
        return
    _pipelined(session, session.info.pop(DEFERRED, []) + statements, commit=True)


def _pipelined(session: Session, batch: list[tuple], *, commit: bool,
               rows_of: int = -1) -> list:
    """The batch in one round trip; the rows of its statement `rows_of` (the last one)."""
    connection = session.connection()
    driver = connection.connection.driver_connection
    cursors, sql = [], None
    if driver.info.transaction_status == IDLE and not driver.autocommit:
        # This batch opens the transaction. psycopg would send its BEGIN in a round trip of
        # its own (it syncs after it in pipeline mode); in autocommit mode it sends nothing
        # itself, so the BEGIN goes first in the batch. Back out of autocommit when the
        # connection returns to the pool (explicit_begin_undone); until then the statements
        # SQLAlchemy sends run in this transaction, and its commit or rollback ends it.
        driver.autocommit = True
        connection.connection._connection_record.info[EXPLICIT_BEGIN] = True
        batch = [("BEGIN", None), *batch]
        rows_of = rows_of + 1 if rows_of >= 0 else rows_of
    try:
        with driver.pipeline():
            for statement, params in batch:
                if isinstance(statement, str):  # a savepoint's command (deferrable_savepoints)
                    sql, values = statement, None
                else:
                    sql, values = _driver_form(connection.dialect, statement, params)
                cursor = driver.cursor()
                cursor.execute(sql, values)
                cursors.append(cursor)
            if commit:  # as a statement: driver.commit() would sync once more
                driver.cursor().execute("COMMIT")
        last = cursors[rows_of] if cursors else None
        return last.fetchall() if last is not None and last.description else []
    except driver.Error as error:
        # As SQLAlchemy would have raised it (OperationalError: the webhook says 503), with
        # a connection the server dropped taken out of the pool.
        if driver.broken or driver.closed:
            connection.invalidate(error)
        raise DBAPIError.instance(sql, None, error, type(driver).Error,
                                  hide_parameters=True) from error


EXPLICIT_BEGIN = "griddesk_explicit_begin"  # pool record info: in autocommit for a BEGIN


def explicit_begin_undone(dbapi_connection, record) -> None:
    """At checkin (the transaction ended: committed, or reset by the pool's rollback): a
    connection put in autocommit by _pipelined for its own BEGIN is back to psycopg's
    implicit transactions. One that cannot be (still in a transaction: broken) is closed."""
    if record.info.pop(EXPLICIT_BEGIN, False):
        try:
            dbapi_connection.autocommit = False
        except Exception as error:  # never handed out again in autocommit
            record.invalidate(error)


def _driver_form(dialect, statement, params: dict) -> tuple[str, dict]:
    compiled, processors, defaults = _compiled(dialect, statement, tuple(sorted(params)))
    values = compiled.construct_params(params)
    for key, default in defaults.items():
        if values.get(key) is None:
            values[key] = default.arg if default.is_scalar else default.arg(None)
    return compiled.string, {key: processors[key](value) if key in processors else value
                             for key, value in values.items()}


@functools.lru_cache(maxsize=64)
def _compiled(dialect, statement, keys: tuple[str, ...]):
    """The statement as SQLAlchemy would send it, its parameters' processors, and the
    Python-side defaults of the columns an INSERT fills in itself."""
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    defaults = {column.key: column.default for column in compiled.insert_prefetch
                if column.default is not None}
    return compiled, dict(compiled._bind_processors), defaults


def _run_deferred(session: Session) -> None:
    """Before the transaction's commit (not a savepoint's release): statements deferred and
    not yet sent by a batch run now."""
    if session.in_nested_transaction():
        return
    for statement, params in session.info.pop(DEFERRED, []):
        if isinstance(statement, str):
            session.connection().exec_driver_sql(statement)
        else:
            session.connection().execute(statement, params)


# The savepoint that keeps a message's raw row when its handling fails (bot.wechat.inbox) cost
# two round trips of its own: SAVEPOINT, and RELEASE before the commit. Within
# savepoint_deferred(session), the one SAVEPOINT or RELEASE SAVEPOINT that SQLAlchemy sends
# next (for session.begin_nested() or its commit) is deferred instead: sent in order with the
# next batch (execute_then_savepoint, commit_together). ROLLBACK TO SAVEPOINT is never
# deferred. PostgreSQL engines only (Database); elsewhere nothing is deferred.
_deferring = threading.local()


@contextlib.contextmanager
def savepoint_deferred(session: Session):
    if not pipelines(session):
        yield
        return
    _deferring.session = session
    try:
        yield
    finally:
        _deferring.session = None


def deferrable_savepoints(engine) -> None:
    dialect = engine.dialect
    savepoint, release = dialect.do_savepoint, dialect.do_release_savepoint

    def do_savepoint(connection, name):
        if not _deferred_savepoint(connection, "SAVEPOINT", name):
            savepoint(connection, name)

    def do_release_savepoint(connection, name):
        if not _deferred_savepoint(connection, "RELEASE SAVEPOINT", name):
            release(connection, name)

    dialect.do_savepoint, dialect.do_release_savepoint = do_savepoint, do_release_savepoint


def _deferred_savepoint(connection, command: str, name: str) -> bool:
    session = getattr(_deferring, "session", None)
    if session is None:
        return False
    _deferring.session = None  # this one command only
    quoted = connection.dialect.identifier_preparer.quote(name)
    session.info.setdefault(DEFERRED, []).append((f"{command} {quoted}", None))
    return True


event.listen(Session, "before_commit", _run_deferred)
event.listen(Session, "after_soft_rollback", lambda session, previous: session.info.pop(
    DEFERRED, None))
