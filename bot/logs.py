"""Logging for every process: one format, no full phone numbers and no secrets in any line."""
from __future__ import annotations

import logging
import re

PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
# Query parameters whose values could be replayed or used: WeChat's signatures (a plain one
# covers no body), nonces and timestamps, the echostr, and Open311 api_keys.
SECRET_PARAMS = re.compile(
    r"(?i)(\b(?:msg_signature|signature|nonce|timestamp|echostr|api_key)=)[^&\s\"']*")


def redact(text: str) -> str:
    return SECRET_PARAMS.sub(r"\1[redacted]", text)


class MaskPhones(logging.Filter):
    """Residents write their phone numbers into messages; logs keep only 138****1234.
    Signatures, nonces and api_keys in any URL a line quotes are blanked out too."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(PHONE.sub(r"\1****\2", message))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(PHONE.sub(r"\1****\2", record.exc_text))
        if masked != message:
            record.msg, record.args = masked, ()
        return True


def init_logging() -> None:
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskPhones) for f in handler.filters):
            handler.addFilter(MaskPhones())
