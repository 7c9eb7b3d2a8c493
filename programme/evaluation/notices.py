"""The e-mail with a person's single-use feedback link. The subject holds no personal details."""

from __future__ import annotations

from collections.abc import Iterable

from programme.evaluation.feedback import FeedbackLink
from programme.models import Kind
from rosters.mail import Message
from rosters.web import absolute_url

SUBJECT = "One minute of feedback on your session"


def feedback_url(secret: str) -> str:
    """The absolute address of the answer page for a link's secret."""
    return absolute_url("evaluation.respond", token=secret)


def _what(link: FeedbackLink) -> str:
    session = link.session
    kind = "reflexive supervision" if session.kind == Kind.SUPERVISION.value else "debrief"
    return f"the {kind} session on {session.starts_local:%A %-d %B %Y}"


def feedback_invitation(link: FeedbackLink) -> Message:
    """Ask one person who attended for their anonymous feedback, with their own single-use link."""
    body = (
        f"Hello {link.person.name},\n\n"
        f"Thank you for coming to {_what(link)}. Would you tell us how it was for you? Four statements "
        "and an optional comment: about a minute.\n\n"
        f"{feedback_url(link.secret)}\n\n"
        "Your answers are anonymous. They are stored without your name or this link, with only the month "
        "and the team, and results are shown only when enough people have answered. The link is yours "
        f"alone, works once, and can be used until {link.invitation.expires_on:%-d %B %Y}. Please do not "
        "forward it.\n\n"
        "If something from your work is weighing on you, talk to your manager, or contact your employee "
        "assistance programme or occupational health."
    )
    return Message(link.person.email, SUBJECT, body)


def feedback_invitations(links: Iterable[FeedbackLink]) -> list[Message]:
    return [feedback_invitation(link) for link in links]
