"""Statements sent in batches (store.db: psycopg's pipeline mode on PostgreSQL, one by one
on SQLite) behave as if sent one by one: a deferred write is never lost or kept from a
rolled-back savepoint, and a batch that fails fails as SQLAlchemy would, committing nothing.
Run on the suite's database (PostgreSQL when it answers) and on SQLite."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import exc, select

from store import Database, inbound, outbox
from store.db import defer
from store.models import InboundMessage, SendAllowance

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["suite", "sqlite"])
def db(request, svc, tmp_path):
    if request.param == "suite":
        yield svc.db
        return
    sqlite = Database(f"sqlite:///{tmp_path / 'batches.db'}")
    sqlite.upgrade()
    yield sqlite
    sqlite.dispose()


def store_raw(session, key: str) -> int:
    return inbound.add(session, raw="<xml/>", dedupe_key=key, openid="o_batch",
                       msg_type="text", now=NOW)


def test_the_outcome_and_the_deferred_allowance_commit_together(db):
    with db.transaction() as session:
        inbound_id = store_raw(session, "msg:1")
        assert store_raw(session, "msg:1") is None  # the same message again: not stored twice
        outbox.user_acted(session, "o_batch", "message", NOW)
        inbound.finish(session, inbound_id, status="processed", reply="好的", commit=True)
    with db.sessions() as session:
        assert session.get(InboundMessage, inbound_id).status == "processed"
        assert session.get(SendAllowance, "o_batch").message_at == NOW


def test_a_deferred_write_goes_with_a_plain_commit_too(db):
    with db.transaction() as session:
        outbox.user_acted(session, "o_batch", "message", NOW)
    with db.sessions() as session:
        assert session.get(SendAllowance, "o_batch").message_at == NOW


def test_a_deferred_write_inside_a_rolled_back_savepoint_is_dropped(db):
    with db.transaction() as session:
        inbound_id = store_raw(session, "msg:2")
        with pytest.raises(RuntimeError):
            with session.begin_nested():
                outbox.user_acted(session, "o_batch", "message", NOW)
                raise RuntimeError("handling failed")
        inbound.finish(session, inbound_id, status="failed", error="handling failed")
    with db.sessions() as session:
        assert session.get(InboundMessage, inbound_id).status == "failed"
        assert session.get(SendAllowance, "o_batch") is None


def test_a_failing_batch_raises_as_sqlalchemy_would_and_commits_nothing(db):
    with pytest.raises(exc.IntegrityError):
        with db.transaction() as session:
            inbound_id = store_raw(session, "msg:3")
            defer(session, outbox._acted(session.bind.dialect.name, "message"),
                  {"who": "o_batch", "now": NOW})
            # no such ticket: the foreign key fails the batch that also holds the COMMIT
            inbound.finish(session, inbound_id, status="processed", ticket_id=987654,
                           commit=True)
    with db.sessions() as session:
        assert session.scalars(select(InboundMessage.id)).all() == []
        assert session.get(SendAllowance, "o_batch") is None
    with db.transaction() as session:  # the connection is fine for the next message
        store_raw(session, "msg:3")


def test_a_savepoint_sent_with_the_raw_message_keeps_it_when_rolled_back(db):
    """inbound.add_then_savepoint: the savepoint (sent in the raw message's batch on
    PostgreSQL) is opened after the raw message, so rolling it back keeps the raw message;
    its release, deferred, goes with the outcome and the COMMIT."""
    with db.transaction() as session:
        kept, nested = inbound.add_then_savepoint(session, raw="<xml/>", dedupe_key="msg:4",
                                                  openid="o_batch", msg_type="text", now=NOW)
        with nested:
            outbox.user_acted(session, "o_batch", "message", NOW)
            store_raw(session, "msg:5")
        assert session.get(InboundMessage, kept) is not None
        with pytest.raises(RuntimeError):
            with session.begin_nested():
                store_raw(session, "msg:6")
                raise RuntimeError("handling failed")
        inbound.finish(session, kept, status="failed", error="handling failed", commit=True)
    with db.transaction() as session:
        handled, nested = inbound.add_then_savepoint(session, raw="<xml/>", dedupe_key="msg:7",
                                                     openid="o_batch", msg_type="text", now=NOW)
        with pytest.raises(RuntimeError):
            with nested:
                store_raw(session, "msg:8")
                raise RuntimeError("handling failed")
        inbound.finish(session, handled, status="failed", error="handling failed", commit=True)
    with db.sessions() as session:
        keys = session.scalars(select(InboundMessage.dedupe_key).order_by(InboundMessage.id))
        assert list(keys) == ["msg:4", "msg:5", "msg:7"]
        assert session.get(SendAllowance, "o_batch").message_at == NOW


def test_a_failing_batch_that_opens_a_savepoint_raises_its_own_error(db):
    with db.transaction() as session:
        earlier = store_raw(session, "msg:9")
    with pytest.raises(exc.IntegrityError):
        with db.transaction() as session:
            defer(session, outbox._acted(session.bind.dialect.name, "message"),
                  {"who": "o_batch", "now": NOW})
            # no such ticket: the foreign key fails the batch that also opens the savepoint
            defer(session, inbound._finish(), {"which": earlier, "status": "processed",
                                               "reply": None, "error": None,
                                               "ticket_id": 987654})
            inbound.add_then_savepoint(session, raw="<xml/>", dedupe_key="msg:11",
                                       openid="o_batch", msg_type="text", now=NOW)
    with db.sessions() as session:
        assert session.get(SendAllowance, "o_batch") is None
        assert session.get(InboundMessage, earlier).status == "received"
        assert session.scalar(select(InboundMessage.id).where(
            InboundMessage.dedupe_key == "msg:11")) is None
    with db.transaction() as session:  # the connection is fine for the next message
        assert store_raw(session, "msg:10") is not None


def test_the_ticket_counter_survives_a_dropped_connection_and_says_when_the_database_is_gone(
        svc):
    """PostgreSQL: the day's counter runs on the driver's connection of its own engine
    (store.db.count_with). A connection the server dropped is replaced and the count taken
    again (never a number twice); with no database the error is SQLAlchemy's
    OperationalError, which the webhook answers with 503."""
    from sqlalchemy import create_engine, text

    from store.db import count_with, counter_engine, dispose_counter_engine
    from store.tickets import _count_on
    if svc.db.is_sqlite:
        pytest.skip("the counter has an engine of its own on PostgreSQL only")
    counting = _count_on("postgresql")
    first = count_with(svc.db.engine, counting, {"day": "c1"})
    assert count_with(svc.db.engine, counting, {"day": "c1"}) == first + 1 == 2
    pooled = counter_engine(svc.db.engine).raw_connection()
    backend = pooled.driver_connection.info.backend_pid
    pooled.close()
    with svc.db.engine.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    assert count_with(svc.db.engine, counting, {"day": "c1"}) == 3
    pooled = counter_engine(svc.db.engine).raw_connection()
    assert pooled.driver_connection.info.backend_pid != backend
    pooled.close()

    gone = create_engine(svc.db.engine.url.set(port=1))  # nothing listens there
    try:
        with pytest.raises(exc.OperationalError):
            count_with(gone, counting, {"day": "c1"})
    finally:
        dispose_counter_engine(gone)
        gone.dispose()


def test_a_batch_that_opens_the_transaction_takes_its_begin_along_and_rolls_back_whole(db):
    """On PostgreSQL the batch that opens a transaction sends BEGIN itself (the connection
    is in autocommit until it goes back to the pool): what SQLAlchemy sends after the batch is
    in the same transaction, a rollback takes back both, and every pooled connection is back
    to implicit transactions (a rollback there undoes too)."""
    from sqlalchemy import update

    class Undone(Exception):
        pass

    with pytest.raises(Undone):
        with db.transaction() as session:
            inbound_id = store_raw(session, "msg:b1")  # the batch that opens the transaction
            session.execute(update(InboundMessage).where(InboundMessage.id == inbound_id)
                            .values(status="failed"))
            raise Undone
    with db.sessions() as session:
        assert session.scalar(select(InboundMessage.id)) is None
    with db.transaction() as session:
        kept = store_raw(session, "msg:b2")
        session.execute(update(InboundMessage).where(InboundMessage.id == kept)
                        .values(status="processed"))
    with db.sessions() as session:
        assert session.get(InboundMessage, kept).status == "processed"
    if not db.is_sqlite:
        pooled = [db.engine.raw_connection() for _ in range(db.engine.pool.checkedin())]
        assert pooled and not any(c.driver_connection.autocommit for c in pooled)
        for connection in pooled:
            connection.close()
    with pytest.raises(Undone):  # a plain transaction, no batch: rolled back as ever
        with db.transaction() as session:
            session.add(InboundMessage(raw="<xml/>", dedupe_key="msg:b3", status="received",
                                       received_at=NOW))
            session.flush()
            raise Undone
    with db.sessions() as session:
        assert session.scalar(select(InboundMessage.id).where(
            InboundMessage.dedupe_key == "msg:b3")) is None
