"""Keep a secret (the Discord token) out of every log line, whoever logs it."""

from __future__ import annotations

import logging

REDACTED = "[redacted]"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactSecret(logging.Filter):
    """Replaces `secret` in a record's formatted message and its traceback text."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secret:
            return True
        message = record.getMessage()
        if self.secret in message:
            record.msg = message.replace(self.secret, REDACTED)
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.secret in record.exc_text:
            record.exc_text = record.exc_text.replace(self.secret, REDACTED)
        return True


def redact_secret_in_logs(secret: str, logger: logging.Logger | None = None) -> RedactSecret:
    """Add a redacting filter to every handler of `logger` (the root logger by default).

    Handler filters see records propagated from every child logger, so this covers
    discord.py's own logging as well as newsbot's.
    """
    target = logger or logging.getLogger()
    redactor = RedactSecret(secret)
    if target is logging.getLogger() and not target.handlers:
        logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    for handler in target.handlers:
        handler.addFilter(redactor)
    return redactor
