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
    return sum(1 for outcome in deliver(messages) if outcome is True)


def deliver(messages: Iterable[Message]) -> list[bool | None]:
    """Send each message and say, in order, what became of it.

    True: the SMTP server took it. False: it was not delivered (logged). None: no MAIL_SERVER is
    configured, so it was written to the log instead. Nothing is ever raised.
    """
    messages = list(messages)
    if not messages:
        return []
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        for message in messages:
            # Subject lines never hold personal details, so they are safe to log.
            current_app.logger.info("E-mail not sent (no MAIL_SERVER): %r", message.subject)
        return [None] * len(messages)
    outcomes: list[bool | None] = [False] * len(messages)
    try:
        with _connect(config) as smtp:
            for index, message in enumerate(messages):
                try:
                    smtp.send_message(_build(message, config["MAIL_FROM"]))
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                    # One address the server will not take must not stop everyone else's message;
                    # smtplib has reset the transaction, so the connection can carry on.
                    current_app.logger.warning(
                        "E-mail %d of %d refused by the server (%s): %r",
                        index + 1, len(messages), type(exc).__name__, message.subject,
                    )
                    continue
                outcomes[index] = True
    except (OSError, smtplib.SMTPException) as exc:
        sent = sum(1 for outcome in outcomes if outcome)
        current_app.logger.error("E-mail delivery failed after %d of %d: %s", sent, len(messages), type(exc).__name__)
    return outcomes


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
