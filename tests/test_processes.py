"""`make run`'s processes for real: honcho starts the Procfile; a message goes all the way."""
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from bot.wechat.protocol import Protocol, open_reply, signed_request, text_message_xml
from store.models import LocalDelivery, Ticket
from tests.support import count, free_port, rows, wait_for

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


class Stack:
    """`make run`'s Procfile under honcho, started the way the Makefile starts it."""

    def __init__(self, tmp_path, env: dict):
        self.marker = f"GRIDDESK_INSTANCE={tmp_path}"
        self.port = free_port()
        procfile = tmp_path / "Procfile"
        procfile.write_text((ROOT / "Procfile").read_text().replace(".venv/bin/", f"{BIN}/"))
        # SLA_NIGHT_WAITS 0: a ticket's push must not wait for 08:00 when this runs at night
        env = {**os.environ, "SECRET_KEY": "x", "WEB_CONCURRENCY": "1", "SLA_NIGHT_WAITS": "0",
               "GRIDDESK_INSTANCE": str(tmp_path), "PATH": f"{BIN}:{os.environ['PATH']}", **env}
        env = {name: value for name, value in env.items() if value is not None}
        command = (f"GRIDDESK_SUPERVISOR_PID=$$ WEB_PORT={self.port} "
                   f"exec {BIN / 'honcho'} -f {procfile} -d {ROOT} start --port {self.port}")
        self.honcho = subprocess.Popen(["sh", "-c", command], env=env, cwd=ROOT,
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.output: list[str] = []
        self.reader = threading.Thread(target=lambda: self.output.extend(
            line.decode(errors="replace") for line in self.honcho.stdout), daemon=True)
        self.reader.start()
        self.base = f"http://127.0.0.1:{self.port}"

    def said(self, process: str, words: str) -> bool:
        return any(f"{process}.1" in line and words in line for line in self.output)

    def ready(self) -> bool:
        return (wait_for(lambda: urllib.request.urlopen(f"{self.base}/healthz").status == 200, 60)
                and wait_for(lambda: self.said("worker", "Listening on"), 60)
                and wait_for(lambda: self.said("clock", "Registered"), 60))

    def processes(self) -> list[int]:
        """Every live process started for this stack (they all carry its instance folder)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                environ = (entry / "environ").read_bytes().split(b"\0")
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if self.marker.encode() in environ and state != "Z":
                found.append(int(entry.name))
        return found

    def stop(self) -> None:
        for pid in self.processes():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.honcho.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self.reader.join(timeout=5)


def test_web_worker_and_clock_carry_a_message_to_the_grid_worker(app, demo, svc, settings,
                                                                   tmp_path):
    (tmp_path / "metrics").mkdir()
    stack = Stack(tmp_path, {"DATABASE_URL": settings.database_url,
                             "REDIS_URL": settings.redis_url, "QUEUE_NAME": settings.queue_name,
                             "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")})
    try:
        base = stack.base
        assert wait_for(lambda: urllib.request.urlopen(f"{base}/healthz").status == 200, 60)

        protocol = Protocol(settings.wechat_token, settings.wechat_encoding_aes_key,
                            settings.wechat_app_id)
        xml = text_message_xml(demo.DEMO_RESIDENT, "楼道灯坏了三天了", msg_id=424242,
                               create_time=int(time.time()))
        nonce = "5927782489314159"
        args, body = signed_request(protocol, xml, encrypted=True, openid=demo.DEMO_RESIDENT,
                                    timestamp=str(int(time.time())), nonce=nonce)
        request = urllib.request.Request(f"{base}/wechat?{urlencode(args)}",
                                         data=body.encode(), method="POST")
        reply = open_reply(protocol, urllib.request.urlopen(request, timeout=10).read().decode())
        [ticket] = rows(svc, Ticket)
        assert reply.startswith(f"已受理，工单号 {ticket.number}")

        # The access log has the request, but not what would let anyone replay it.
        assert wait_for(lambda: any("POST /wechat?" in line for line in stack.output), 10)
        logged = "".join(stack.output)
        for secret in (args["signature"], args["msg_signature"], nonce):
            assert secret not in logged

        assert wait_for(lambda: count(svc, LocalDelivery) == 1, seconds=30)
        [notice] = rows(svc, LocalDelivery)
        assert notice.to_openid == "o_worker_01" and ticket.number in notice.payload["text"]
        # its link opens the web server (honcho gives the worker a PORT of its own)
        assert f"{base}/m/w/tickets/{ticket.number}?" in json.dumps(notice.payload,
                                                                   ensure_ascii=False)
        # /metrics adds up the web's and the delivery worker's counters (as make run runs).
        def scraped():
            return urllib.request.urlopen(f"{base}/metrics").read().decode()
        assert 'griddesk_messages_total{outcome="handled",type="text"} 1.0' in scraped()
        # (counted just after the delivery is marked sent, in the worker process)
        assert wait_for(lambda: 'griddesk_deliveries_total{channel="template",result="sent"} '
                                '1.0' in scraped(), 10), scraped()
        # The clock loads its cron schedule on its own time (slowly on a busy machine).
        assert wait_for(lambda: stack.said("clock", "Registered"), 60), "".join(stack.output)
    finally:
        os.killpg(stack.honcho.pid, signal.SIGTERM)
        stack.honcho.wait(timeout=30)
        stack.stop()


def embedded_stack(tmp_path, settings) -> Stack:
    """The defaults of `make run`: its own embedded Redis (on a port of its own here)."""
    return Stack(tmp_path, {"DATABASE_URL": settings.database_url, "REDIS_URL": None,
                            "EMBEDDED_REDIS_PORT": str(free_port())})


def test_a_stop_signal_leaves_no_process_behind(app, settings, tmp_path):
    # As `docker stop` or systemd stop `make run`: SIGTERM to honcho alone. The embedded Redis
    # goes last, so the workers deregister instead of waiting for it forever.
    stack = embedded_stack(tmp_path, settings)
    try:
        assert stack.ready(), "".join(stack.output)
        assert len(stack.processes()) >= 6  # honcho, web, worker, clock, redis and their shells
        stack.honcho.send_signal(signal.SIGTERM)
        assert wait_for(lambda: not stack.processes(), 10), "".join(stack.output)
        assert not stack.said("worker", "waiting for it to come back"), "".join(stack.output)
    finally:
        stack.stop()


def test_processes_end_when_their_supervisor_is_killed(app, settings, tmp_path):
    # honcho killed outright cannot stop anything: its processes notice it is gone and stop,
    # rather than wait to serve the next run's Redis with this run's settings.
    stack = embedded_stack(tmp_path, settings)
    try:
        assert stack.ready(), "".join(stack.output)
        stack.honcho.kill()
        assert wait_for(lambda: not stack.processes(), 20), "\n".join(
            Path(f"/proc/{pid}/cmdline").read_bytes()[:120].decode(errors="replace")
            for pid in stack.processes())
    finally:
        stack.stop()
