"""Logging for every process: one format, no full phone numbers and no secrets in any line."""
from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timezone

PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
# Query parameters whose values could be replayed or used: WeChat's signatures (a plain one
# covers no body), nonces and timestamps, the echostr, and Open311 api_keys.
SECRET_PARAMS = re.compile(
    r"(?i)(\b(?:msg_signature|signature|nonce|timestamp|echostr|api_key)=)[^&\s\"']*")


def redact(text: str) -> str:
    return SECRET_PARAMS.sub(r"\1[redacted]", text)


def scrub(text: str) -> str:
    """A line as it may be written: secrets blanked out and phone numbers masked."""
    return redact(PHONE.sub(r"\1****\2", text))


class MaskPhones(logging.Filter):
    """Residents write their phone numbers into messages; logs keep only 138****1234.
    Signatures, nonces and api_keys in any URL a line quotes are blanked out too."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = scrub(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


class JsonLines(logging.Formatter):
    """LOG_FORMAT=json: one JSON object a line, with the ids and timings a record carries
    (`extra=`), for any log stack to ingest."""

    FIELDS = ("event", "inbound_id", "ticket_id", "event_id", "outbox_id", "type", "outcome",
              "action", "actor", "channel", "ms")

    def format(self, record: logging.LogRecord) -> str:
        line = {"ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
                "level": record.levelname, "logger": record.name, "msg": record.getMessage()}
        line.update({name: getattr(record, name) for name in self.FIELDS
                     if getattr(record, name, None) is not None})
        if record.exc_info:
            line["exc"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def init_logging(log_format: str = "text") -> None:
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskPhones) for f in handler.filters):
            handler.addFilter(MaskPhones())
        if log_format == "json" and not isinstance(handler.formatter, JsonLines):
            handler.setFormatter(JsonLines())
