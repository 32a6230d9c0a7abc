"""A live GridDesk on a free port (werkzeug, in a thread) and Debian's chromium via Playwright.

A second thread plays the RQ worker: it delivers pending outbox rows through the app's own
transport (the local one), so the simulator's phones receive what residents would.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from store.models import Outbox
from tests.conftest import empty_database
from tests.support import demo_password_hash

CHROMIUM = os.environ.get("GRIDDESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.server.serve_forever, daemon=True),
                        threading.Thread(target=self.deliver, daemon=True)]

    def deliver(self) -> None:
        from bot.wechat.jobs import deliver_outbox
        svc = self.app.extensions["griddesk"]
        while not self.stopping.wait(0.25):
            with svc.db.sessions() as session:
                ids = list(session.scalars(select(Outbox.id).where(Outbox.status == "pending")
                                           .order_by(Outbox.id).limit(100)))
            for outbox_id in ids:
                with self.app.app_context():
                    try:
                        deliver_outbox(outbox_id)
                    except Exception:
                        pass

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.server.shutdown()
        for thread in self.threads:
            thread.join(10)


@pytest.fixture
def live(make_app):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    app = make_app(extra={"TESTING": True})  # CSRF on, as in production
    svc = app.extensions["griddesk"]
    empty_database(svc.db)
    from store import demo
    with svc.db.transaction() as session:
        demo.load(session, password_hash=demo_password_hash(), now=svc.now())
    with LiveServer(app) as server:
        yield server
    svc.queue.empty()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live):
    contexts = []
    refused = []  # what the content security policy blocked: nothing the console needs

    def make(username: str | None = "admin", password: str = "griddesk"):
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN",
                                      base_url=live.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: refused.append(message.text)
                if "Content Security Policy" in message.text else None)
        if username:
            page.goto("/console/login")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            page.wait_for_url("**/console/")
        return page

    yield make
    for context in contexts:
        context.close()
    assert not refused, refused


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def screenshot():
    return shot


def wait_until(predicate, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)
