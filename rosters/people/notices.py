"""The e-mail with a person's password link. The subject holds no personal details."""

from __future__ import annotations

from flask import current_app

from rosters.clock import uk_time
from rosters.mail import Message
from rosters.people.links import SentLink
from rosters.web import absolute_url

SUBJECT = "Set your password for the staff wellbeing support service"


def set_password_url(secret: str) -> str:
    """The absolute address of the set-password page for a link's secret."""
    return absolute_url("people.set_password", token=secret)


def password_link(sent: SentLink) -> Message:
    """Send the person their single-use link to set a password."""
    person = sent.person
    until = uk_time(sent.link.expires_at)
    service = current_app.config["SERVICE_NAME"]
    body = (
        f"Hello {person.name},\n\n"
        f"A programme lead has given you a sign-in for {service} ({current_app.config['ORGANISATION_NAME']}). "
        "To choose your password, open this link:\n\n"
        f"{set_password_url(sent.secret)}\n\n"
        f"The link works once, until {until:%-d %B %Y at %H:%M} (UK time). It is yours alone: please do not "
        "forward it. If it has expired, ask your programme lead to send a new one.\n\n"
        f"Then sign in with this e-mail address ({person.email}) and your new password.\n\n"
        "If you were not expecting this e-mail, you can ignore it: nothing changes unless the link is used."
    )
    return Message(person.email, SUBJECT, body)


def password_links(sent: SentLink) -> list[Message]:
    return [password_link(sent)]
