"""Forms for the learning log: adding or editing a point, moving it on or back, and rejecting it."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from programme.learning.operations import DEFAULT_FORUM, REASON_MAX
from programme.learning.screening import CONFIRM_LABEL

# An e-mail address in an outcome identifies someone; the outcome goes to a forum as it is.
EMAIL_IN_TEXT = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
NO_NAMES = "No names or details that identify anyone"


def validate_no_email(form, field) -> None:
    if field.data and EMAIL_IN_TEXT.search(field.data):
        raise ValidationError("Remove the e-mail address: learning points hold no details that identify anyone")


class LearningPointForm(FlaskForm):
    """A learning point added by a lead rather than from a debrief's session log."""

    text = TextAreaField(
        "Learning point",
        description=NO_NAMES + ": it is about practice and support, not about a child.",
        widget=GovCharacterCount(),
        validators=[
            InputRequired("Write the learning point"),
            Length(max=2000, message="The learning point must be 2000 characters or fewer"),
        ],
    )
    forum = StringField(
        "Forum",
        default=DEFAULT_FORUM,
        description="Where the point will be taken: the Safeguarding Practice Learning and Improvement Group, "
        "or a single agency's meeting",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter the forum the point will be taken to"),
            Length(max=200, message="The forum must be 200 characters or fewer"),
        ],
    )
    checked = BooleanField(CONFIRM_LABEL, widget=GovCheckboxInput(),
                           description="Tick only if words were flagged and you are sure they identify no one.")
    submit = SubmitField("Add learning point", widget=GovSubmitInput())


class EditPointForm(LearningPointForm):
    """A lead's edit of a point: usually a redaction."""

    submit = SubmitField("Save changes", widget=GovSubmitInput())


class AdvanceForm(FlaskForm):
    """Move a point on one stage. ``status`` is the stage the lead saw, so a double click moves it once."""

    status = HiddenField()
    outcome = TextAreaField(
        "Outcome (optional)",
        description="What the forum decided or what changed. " + NO_NAMES + ".",
        validators=[Optional(), Length(max=2000, message="The outcome must be 2000 characters or fewer"),
                    validate_no_email],
    )
    next = HiddenField()
    submit = SubmitField("Move on", widget=GovSubmitInput())


class MoveBackForm(FlaskForm):
    """Move a point back one stage (or a rejected point back to where it was)."""

    status = HiddenField()
    next = HiddenField()
    submit = SubmitField("Move back", widget=GovSubmitInput())


class RejectForm(FlaskForm):
    """Reject a draft or approved point, with the reason."""

    status = HiddenField()
    reason = TextAreaField(
        "Why is the point rejected?",
        description="For the audit trail and the learning log; " + NO_NAMES.lower() + ".",
        widget=GovTextArea(),
        validators=[
            InputRequired("Give the reason for rejecting the point"),
            Length(max=REASON_MAX, message=f"The reason must be {REASON_MAX} characters or fewer"),
        ],
    )
    submit = SubmitField("Reject learning point", widget=GovSubmitInput())
