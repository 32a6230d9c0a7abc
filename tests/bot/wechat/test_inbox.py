"""One message, one transaction: the raw message and its handling commit together, and a
handler that fails keeps the raw message (its savepoint is rolled back) and nothing else.
Run on the suite's database (PostgreSQL when it answers) and on SQLite, the embedded default."""
import threading
import time

import pytest
from sqlalchemy import event, select

from handlers import replies
from store import Database, demo as demo_data
from store.models import (InboundMessage, LocalDelivery, Outbox, Resident, SendAllowance,
                          Ticket, TicketEvent)
from tests.support import Chat, count, demo_password_hash, rows, run_worker


@pytest.fixture
def sqlite_app(make_app, tmp_path):
    """The same app on a SQLite file (make run's default), whatever the suite runs on."""
    url = f"sqlite:///{tmp_path / 'griddesk.db'}"
    db = Database(url)
    db.upgrade()
    with db.transaction() as session:
        demo_data.load(session, password_hash=demo_password_hash(), now=db_now())
    db.dispose()
    return make_app(database_url=url)


def db_now():
    from bot.services import Services
    return Services.now()


@pytest.fixture(params=["suite", "sqlite"])
def any_app(request, app, demo):
    """The suite's database, then SQLite."""
    return app if request.param == "suite" else request.getfixturevalue("sqlite_app")


def statements_of(svc, action):
    """The SQL statements and commits one action sends."""
    sent, commits = [], []
    listen = [("before_cursor_execute", lambda conn, cursor, sql, *rest: sent.append(sql)),
              ("commit", lambda conn: commits.append(1))]
    for name, listener in listen:
        event.listen(svc.db.engine, name, listener)
    try:
        result = action()
    finally:
        for name, listener in listen:
            event.remove(svc.db.engine, name, listener)
    return result, sent, len(commits)


def test_a_new_complaint_is_stored_and_handled_in_one_transaction(any_app):
    svc = any_app.extensions["griddesk"]
    chat = Chat(any_app.test_client(), demo_data.DEMO_RESIDENT)
    Chat(any_app.test_client(), "o_someone_else").send("先来一条：连接池和编译缓存都准备好")
    reply, sent, commits = statements_of(svc, lambda: chat.send("3栋楼道灯坏了三天了"))
    assert reply.startswith("已受理，工单号")
    assert commits == 1  # the raw message, the ticket, its timeline and its push together
    # Through SQLAlchemy on PostgreSQL: the resident with what they have going on, their
    # grid and its least busy worker (store.arrival), the ticket with its timeline and push
    # (store.inserts); the raw message with the savepoint, and the allowance, the release,
    # the outcome and the COMMIT, go as pipelined batches (store.db) that SQLAlchemy does not
    # see. SQLite (in process, no round trips) runs each through SQLAlchemy, reads the
    # resident after stamping, then the grid and the worker, and writes the timeline row by
    # row.
    assert len(sent) <= (2 if not svc.db.is_sqlite else 14), "\n".join(sent)
    [stored] = rows(svc, InboundMessage, InboundMessage.reply == reply)
    [ticket] = rows(svc, Ticket, Ticket.id == stored.ticket_id)
    assert stored.status == "processed" and ticket.number in reply


def round_trips_of(svc, action, tmp_path):
    """What the action sends, and on PostgreSQL the client's waits for the server: every
    Query or Sync it sends (libpq's own trace), the way `python -m bench profile` counts."""
    if svc.db.is_sqlite:
        result, sent, _ = statements_of(svc, action)
        return result, len(sent)
    trace = (tmp_path / "libpq.trace").open("w")
    svc.db.engine.dispose()

    def start(dbapi_connection, record):
        dbapi_connection.pgconn.trace(trace.fileno())

    def stop(dbapi_connection, record):
        dbapi_connection.pgconn.untrace()  # libpq writes its buffered trace out

    event.listen(svc.db.engine, "connect", start)
    event.listen(svc.db.engine, "close", stop)
    try:
        result = action()
        svc.db.engine.dispose()
    finally:
        event.remove(svc.db.engine, "connect", start)
        event.remove(svc.db.engine, "close", stop)
        trace.close()
    waits = sum(1 for line in (tmp_path / "libpq.trace").open(errors="replace")
                if line.split("\t")[1:2] == ["F"] and line.split("\t")[3].strip() in
                ("Query", "Sync"))
    return result, waits


def test_a_new_complaint_waits_on_the_database_few_times(any_app, tmp_path):
    """On PostgreSQL the client waits four times: BEGIN + the raw message + savepoint, the
    resident with their grid and its worker, the ticket with its timeline and push, then
    allowance + release + outcome + COMMIT as one pipelined batch; no ping of a connection
    in steady use. On SQLite the same work runs statement by statement."""
    svc = any_app.extensions["griddesk"]
    Chat(any_app.test_client(), "o_warm").send("先来一条：连接池和编译缓存都准备好")
    chat = Chat(any_app.test_client(), demo_data.DEMO_RESIDENT)
    reply, waits = round_trips_of(svc, lambda: chat.send("3栋楼道灯坏了三天了"), tmp_path)
    assert reply.startswith("已受理，工单号")
    # a fresh connection is not pinged, and the ticket counter has its own connection
    assert waits <= (4 if not svc.db.is_sqlite else 14), waits
    [stored] = rows(svc, InboundMessage, InboundMessage.reply == reply)
    [ticket] = rows(svc, Ticket, Ticket.id == stored.ticket_id)
    assert stored.status == "processed" and ticket.number in reply
    with svc.db.sessions() as session:  # the deferred write went with the COMMIT
        allowance = session.get(SendAllowance, chat.openid)
    assert allowance.message_at is not None and allowance.message_sends == 0
    assert count(svc, TicketEvent, TicketEvent.ticket_id == ticket.id) == 2
    [push] = rows(svc, Outbox, Outbox.ticket_id == ticket.id)
    assert push.purpose == "ticket_assigned" and push.status in ("pending", "sent")


def test_a_handler_failing_after_its_writes_keeps_the_raw_message_and_nothing_else(
        any_app, monkeypatch):
    """The failure comes after the ticket, its timeline and its push were written: the
    savepoint takes all of them back, and the message is answered and handled later."""
    svc = any_app.extensions["griddesk"]
    chat = Chat(any_app.test_client(), demo_data.DEMO_RESIDENT)
    with svc.db.sessions() as session:
        stamped_before = session.scalar(select(Resident.last_inbound_at)
                                        .where(Resident.openid == chat.openid))
    ticket_opened = replies.ticket_opened

    def fail_after_writing(ticket, now, **_):
        assert ticket.id is not None  # written, not just built
        raise RuntimeError("the reply could not be worded")

    monkeypatch.setattr(replies, "ticket_opened", fail_after_writing)
    reply = chat.send("5号楼电梯又坏了，老人下不了楼", msg_id=990001)
    assert reply == replies.ACK_LATER  # no ticket number: none was committed
    [stored] = rows(svc, InboundMessage)
    assert stored.status == "failed" and "5号楼电梯" in stored.raw
    assert "the reply could not be worded" in stored.error and stored.ticket_id is None
    # (the day's ticket counter is not the message's: on PostgreSQL it counts outside the
    # transaction, so the number of a ticket rolled back is skipped, never given twice)
    for model in (Ticket, TicketEvent, Outbox, SendAllowance):
        assert count(svc, model) == 0, model.__name__
    with svc.db.sessions() as session:
        assert session.scalar(select(Resident.last_inbound_at).where(
            Resident.openid == chat.openid)) == stamped_before

    monkeypatch.setattr(replies, "ticket_opened", ticket_opened)
    run_worker(any_app)  # the reprocess job, then the deliveries it owes
    [ticket] = rows(svc, Ticket)
    assert rows(svc, InboundMessage)[0].status == "processed"
    told = rows(svc, LocalDelivery, LocalDelivery.to_openid == chat.openid)
    assert told[0].payload["text"].startswith(f"已受理，工单号 {ticket.number}")
    # a late retry from WeChat gets the answer of record, and opens nothing more
    assert chat.send("5号楼电梯又坏了，老人下不了楼", msg_id=990001).startswith(
        f"已受理，工单号 {ticket.number}")
    assert count(svc, Ticket) == 1


@pytest.mark.parametrize("failing", ["statement", "flush"])
def test_a_handler_whose_database_write_fails_keeps_the_raw_message_and_nothing_else(
        any_app, monkeypatch, failing):
    """A write refused by the database inside the handling (a statement, or the ORM's flush)
    rolls back to the savepoint that was opened with the raw message's INSERT (on PostgreSQL
    in the same round trip), and the raw message is kept as failed in the same transaction."""
    from sqlalchemy import text

    from store import tickets
    from store.models import TicketCounter
    svc = any_app.extensions["griddesk"]
    chat = Chat(any_app.test_client(), demo_data.DEMO_RESIDENT)
    hand_to = tickets.hand_to

    def refused(session, *args, **kwargs):
        if failing == "statement":
            for _ in range(2):
                session.execute(text("INSERT INTO ticket_counter (day, last) VALUES ('x', 1)"))
        else:
            session.add(TicketCounter(day="x", last=1))
            session.flush()
            session.add(TicketCounter(day="x", last=2))
            session.flush()
        return hand_to(session, *args, **kwargs)

    monkeypatch.setattr(tickets, "hand_to", refused)
    reply = chat.send("5号楼电梯又坏了，老人下不了楼", msg_id=990002)
    assert reply == replies.ACK_LATER
    [stored] = rows(svc, InboundMessage)
    assert stored.status == "failed" and "5号楼电梯" in stored.raw and stored.ticket_id is None
    for model in (Ticket, TicketEvent, Outbox, SendAllowance):
        assert count(svc, model) == 0, model.__name__
    assert count(svc, TicketCounter, TicketCounter.day == "x") == 0
    monkeypatch.setattr(tickets, "hand_to", hand_to)
    run_worker(any_app)  # handled again
    [ticket] = rows(svc, Ticket)
    assert rows(svc, InboundMessage)[0].status == "processed"
    assert chat.send("5号楼电梯又坏了，老人下不了楼", msg_id=990002).startswith(
        f"已受理，工单号 {ticket.number}")  # WeChat's late retry: the answer of record


def test_a_retry_that_comes_while_the_first_try_is_open_waits_and_gets_its_answer(app, demo,
                                                                                 svc):
    """WeChat retries after 5 s; a first try that is slow holds its transaction open. The
    retry waits on the stored message's key and answers with the first try's ticket."""
    classify, started = svc.classify, threading.Event()

    def slow(words):
        started.set()
        time.sleep(1.0)
        return classify(words)

    svc.classify = slow
    answers = {}

    def send(name):
        answers[name] = Chat(app.test_client(), demo.DEMO_RESIDENT).send(
            "小区东门路灯不亮好几天了", msg_id=880001)

    first = threading.Thread(target=send, args=("first",))
    first.start()
    assert started.wait(10)
    svc.classify = classify
    send("retry")
    first.join()
    assert answers["first"].startswith("已受理，工单号")
    assert answers["retry"] == answers["first"]
    assert count(svc, Ticket) == 1 and count(svc, InboundMessage) == 1
