"""Forms for the learning log: adding a point by hand and moving a point on to the next stage."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovSubmitInput, GovTextInput
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from programme.learning.operations import DEFAULT_FORUM

# An e-mail address in a learning point identifies someone; the point would go to a forum as it is.
EMAIL_IN_TEXT = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
NO_NAMES = "No names or details that identify anyone"


def validate_no_email(form, field) -> None:
    if field.data and EMAIL_IN_TEXT.search(field.data):
        raise ValidationError("Remove the e-mail address: learning points hold no details that identify anyone")


class LearningPointForm(FlaskForm):
    """A learning point added by a lead rather than from a debrief's session log."""

    text = TextAreaField(
        "Learning point",
        description=NO_NAMES,
        widget=GovCharacterCount(),
        validators=[
            InputRequired("Write the learning point"),
            Length(max=2000, message="The learning point must be 2000 characters or fewer"),
            validate_no_email,
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
    submit = SubmitField("Add learning point", widget=GovSubmitInput())


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
