"""E-mail messages and their delivery over SMTP (or, with no MAIL_SERVER, to the application log).

Nothing here is called during a request: messages go into the outbox with the change they report
(``rosters.outbox.post``) and ``flask send-mail`` delivers them with ``deliver_each``.
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


def deliver_each(messages: Iterable[Message]) -> list[str | None]:
    """Hand each message to the SMTP server; say, in order, None for taken or why it was not.

    Called only by the outbox's sender (``rosters.outbox``), never during a page or API request.
    Nothing is raised: a server that cannot be reached gives every message its reason.
    """
    messages = list(messages)
    if not messages:
        return []
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        for message in messages:
            current_app.logger.info("E-mail not sent (no MAIL_SERVER): %r", message.subject)
        return [None] * len(messages)
    outcomes: list[str | None] = ["not tried: the connection failed first"] * len(messages)
    try:
        with _connect(config) as smtp:
            for index, message in enumerate(messages):
                try:
                    smtp.send_message(_build(message, config["MAIL_FROM"]))
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                    # One address the server will not take must not stop everyone else's message;
                    # smtplib has reset the transaction, so the connection can carry on.
                    outcomes[index] = f"refused by the server: {type(exc).__name__}"
                    current_app.logger.warning("E-mail %d of %d refused by the server (%s): %r",
                                               index + 1, len(messages), type(exc).__name__, message.subject)
                    continue
                outcomes[index] = None
    except (OSError, smtplib.SMTPException) as exc:
        taken = sum(1 for outcome in outcomes if outcome is None)
        reason = f"mail server unavailable: {type(exc).__name__}"
        outcomes = [outcome if outcome is None or outcome.startswith("refused") else reason for outcome in outcomes]
        current_app.logger.error("E-mail delivery failed after %d of %d: %s", taken, len(messages), type(exc).__name__)
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
        kind, _, parameters = mime.partition(";")
        maintype, _, subtype = kind.strip().partition("/")
        method = parameters.strip().partition("=")[2].strip().upper() if "method" in parameters.lower() else ""
        if (maintype, subtype) == ("text", "calendar") and method:
            # An invitation: the calendar part sits beside the text as an alternative with its method,
            # which is how Outlook, Gmail and Apple Mail recognise it and keep the event up to date;
            # the same file is attached too, for clients that only offer attachments.
            email.add_alternative(content.decode("utf-8"), subtype="calendar", params={"method": method})
            email.add_attachment(content, maintype="application", subtype="ics", filename=filename)
        else:
            email.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return email
