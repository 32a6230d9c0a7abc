"""Logs never hold a resident's full phone number, SQL parameters, signatures or keys."""
import io
import logging

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.logs import init_logging


@pytest.fixture
def written():
    """What the root logger writes, as the app's logging set-up filters it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    init_logging()
    yield stream.getvalue
    root.removeHandler(handler)


def test_phone_numbers_are_masked_in_messages_and_tracebacks(written):
    log = logging.getLogger("griddesk.test")
    log.warning("resident wrote: 我的电话 %s，楼道灯坏了", "13812345678")
    try:
        raise ValueError("cannot handle 联系 13987654321")
    except ValueError:
        log.exception("inbound failed")
    written = written()
    assert "138****5678" in written and "139****4321" in written
    assert "13812345678" not in written and "13987654321" not in written
    assert "楼道灯坏了" in written  # the rest of the line stays readable


def test_database_errors_do_not_carry_the_values(svc):
    try:
        with svc.db.engine.connect() as connection:
            connection.execute(text("SELECT * FROM no_such_table WHERE phone = :p"),
                               {"p": "13812345678"})
    except SQLAlchemyError as error:
        assert "13812345678" not in str(error)
    else:
        raise AssertionError("the query should have failed")


def test_json_logs_give_a_line_per_message_and_per_ticket_change(chat, svc):
    import json
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    formatters, level = {h: h.formatter for h in root.handlers}, root.level
    root.setLevel(logging.INFO)  # as init_logging sets it where no handler was configured yet
    try:
        init_logging("json")
        chat.send("我的电话13812345678，3栋楼道灯坏了三天了")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        for h, formatter in formatters.items():
            h.setFormatter(formatter)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    [handled] = [line for line in lines if line.get("event") == "message"]
    assert handled["outcome"] == "handled" and handled["type"] == "text"
    assert handled["ticket_id"] and handled["ms"] > 0
    changes = [line for line in lines if line.get("event") == "ticket_change"]
    assert {"created", "assigned"} <= {line["action"] for line in changes}
    assert all(line["ticket_id"] == handled["ticket_id"] for line in changes)
    for line in [handled, *changes]:  # ids and timings only: none of the resident's words
        assert "楼道灯" not in json.dumps(line, ensure_ascii=False)
        assert "1381234" not in json.dumps(line)
def test_signatures_nonces_and_api_keys_never_reach_a_log_line(written):
    from bot.logs import redact
    log = logging.getLogger("griddesk.test")
    log.warning("GET %s", "/wechat?signature=0123abcd&timestamp=1700000000&nonce=98765"
                          "&msg_signature=fedc4321&encrypt_type=aes")
    log.warning("GET /open311/v2/requests.json?api_key=k-S3CR3T")
    written = written()
    for secret in ("0123abcd", "98765", "fedc4321", "k-S3CR3T", "1700000000"):
        assert secret not in written
    assert "encrypt_type=aes" in written and "/open311/v2/requests.json" in written
    assert redact('"POST /wechat?nonce=1&signature=ab HTTP/1.1"') == (
        '"POST /wechat?nonce=[redacted]&signature=[redacted] HTTP/1.1"')


def test_the_access_log_masks_a_phone_number_searched_for_in_the_console():
    from datetime import timedelta
    from types import SimpleNamespace
    from gunicorn.config import Config
    from bot.gunicorn_conf import RedactingLogger
    uri = "/console/?q=13912345678"
    request = SimpleNamespace(headers=[("REFERER", uri)], method="GET", path="/console/",
                              query="q=13912345678", uri=uri, version=(1, 1))
    response = SimpleNamespace(status="200 OK", sent=10, headers=[], response_length=10)
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": uri, "QUERY_STRING": "q=13912345678",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.7"}
    atoms = RedactingLogger(Config()).atoms(response, request, environ, timedelta(seconds=0.01))
    line = Config().access_log_format % atoms
    assert "GET /console/?q=139****5678" in line and "13912345678" not in line
    assert not [value for value in atoms.values() if "13912345678" in str(value)]
