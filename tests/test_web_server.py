"""The web server as `make run` starts it (the Procfile's web line, through honcho): slow
clients cannot starve it."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support import free_port, wait_for

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SLOW_CLIENTS = 8


@pytest.fixture
def web(app, settings, tmp_path):
    """The Procfile's web process alone on a free port (two gunicorn processes, as by
    default)."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url,
           "QUEUE_NAME": settings.queue_name, "SECRET_KEY": "x",
           "GRIDDESK_INSTANCE": str(tmp_path), "PATH": f"{BIN}:{os.environ['PATH']}"}
    procfile = tmp_path / "Procfile"
    procfile.write_text((ROOT / "Procfile").read_text().replace(".venv/bin/", f"{BIN}/"))
    output: list[str] = []
    server = subprocess.Popen([str(BIN / "honcho"), "-f", str(procfile), "-d", str(ROOT),
                               "start", "--port", str(port), "web"], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)
    reader = threading.Thread(target=lambda: output.extend(
        line.decode(errors="replace") for line in server.stdout), daemon=True)
    reader.start()
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: urllib.request.urlopen(f"{base}/healthz").status == 200, 60), \
            "".join(output)
        yield port, base, output
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        reader.join(timeout=5)


def test_slow_header_connections_do_not_starve_the_web_server(web):
    port, base, _ = web
    slow = []
    try:
        for _ in range(SLOW_CLIENTS):  # each sends a request line and then trickles headers
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            slow.append(sock)
        time.sleep(0.5)
        for sock in slow:
            sock.sendall(b"X-Slow: 1\r\n")
        started = time.monotonic()
        with urllib.request.urlopen(f"{base}/console/login", timeout=10) as response:
            assert response.status == 200
        # Sync workers would wait for the slow clients' headers (minutes) before answering.
        assert time.monotonic() - started < 5
    finally:
        for sock in slow:
            sock.close()
