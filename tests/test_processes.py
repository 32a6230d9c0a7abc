"""`make run`'s processes for real: honcho starts the Procfile; a message goes all the way."""
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from bot.wechat import Protocol, open_reply, signed_request, text_message_xml
from store.models import LocalDelivery, Ticket
from tests.support import count, free_port, rows, wait_for

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def test_web_worker_and_clock_carry_a_message_to_the_grid_worker(app, demo, svc, settings,
                                                                   tmp_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url,
           "QUEUE_NAME": settings.queue_name, "SECRET_KEY": "x", "WEB_CONCURRENCY": "1",
           "GRIDDESK_INSTANCE": str(tmp_path), "PATH": f"{BIN}:{os.environ['PATH']}"}
    procfile = tmp_path / "Procfile"
    procfile.write_text((ROOT / "Procfile").read_text().replace(".venv/bin/", f"{BIN}/"))
    honcho = subprocess.Popen([str(BIN / "honcho"), "-f", str(procfile), "-d", str(ROOT),
                              "start", "--port", str(port)], env=env, cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             start_new_session=True)
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(
        line.decode(errors="replace") for line in honcho.stdout), daemon=True)
    reader.start()
    try:
        base = f"http://127.0.0.1:{port}"
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
        assert wait_for(lambda: any("POST /wechat?" in line for line in output), 10)
        logged = "".join(output)
        for secret in (args["signature"], args["msg_signature"], nonce):
            assert secret not in logged

        assert wait_for(lambda: count(svc, LocalDelivery) == 1, seconds=30)
        [notice] = rows(svc, LocalDelivery)
        assert notice.to_openid == "o_worker_01" and ticket.number in notice.payload["text"]
        # The clock loads its cron schedule on its own time (slowly on a busy machine).
        assert wait_for(lambda: any("clock.1" in line and "Registered" in line
                                    for line in output), 60), "".join(output)
    finally:
        os.killpg(honcho.pid, signal.SIGTERM)
        honcho.wait(timeout=30)
        reader.join(timeout=5)
