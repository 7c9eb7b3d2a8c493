"""Sending e-mail: SMTP when configured, otherwise the message is written to the application log.

Messages are sent after the database change they describe has been committed, never inside it.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str
    attachment: tuple[str, str, bytes] | None = None  # (filename, mime type, content)


def send(messages: Iterable[Message]) -> int:
    """Send each message; return how many were handed over. A failed send is logged, never raised."""
    messages = list(messages)
    if not messages:
        return 0
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        for message in messages:
            # Subject lines never hold personal details, so they are safe to log.
            current_app.logger.info("E-mail not sent (no MAIL_SERVER): %r", message.subject)
        return 0
    sent = 0
    try:
        with _connect(config) as smtp:
            for message in messages:
                smtp.send_message(_build(message, config["MAIL_FROM"]))
                sent += 1
    except (OSError, smtplib.SMTPException) as exc:
        current_app.logger.error("E-mail delivery failed after %d of %d: %s", sent, len(messages), type(exc).__name__)
    return sent


def _connect(config) -> smtplib.SMTP:
    host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
    if config.get("MAIL_USE_SSL"):
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=10, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=10)
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    return smtp


def _build(message: Message, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    email.set_content(message.body)
    if message.attachment is not None:
        filename, mime, content = message.attachment
        maintype, _, subtype = mime.partition("/")
        email.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return email
