"""Forms for the leads' questionnaire and pulse pages: upload a definition, plan a pulse, one-button actions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import RadioField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange

from programme.evaluation.pulses import LONGEST_DAYS, TITLE_LONGEST
from programme.fields import UKDateField, WholeNumberField
from rosters.bounds import coerce_id, coerce_optional_id


class UploadForm(FlaskForm):
    file = FileField(
        "Questionnaire definition (JSON file)",
        description="The format is described in the questionnaire guide. Nothing is stored unless the whole "
        "file is correct.",
        widget=GovFileInput(),
        validators=[FileRequired("Select a questionnaire definition file")],
    )
    submit = SubmitField("Upload questionnaire", widget=GovSubmitInput())


class PulseForm(FlaskForm):
    title = StringField(
        "Title",
        description="For example: Spring wellbeing pulse 2027. People see it in their e-mail.",
        widget=GovTextInput(),
        validators=[InputRequired("Enter a title for the pulse"),
                    Length(max=TITLE_LONGEST, message=f"The title must be {TITLE_LONGEST} characters or fewer")],
    )
    questionnaire = RadioField(
        "Questionnaire", coerce=coerce_optional_id, choices=[], widget=GovRadioInput(),
        validators=[InputRequired("Select a questionnaire")],
    )
    teams = SelectMultipleField(
        "Teams", coerce=coerce_id, choices=[], widget=GovCheckboxesInput(),
        description="Everyone enabled on these teams' rosters, whatever their role, is sent a link. "
        "Select all that apply.",
        validators=[InputRequired("Select at least one team")],
    )
    opens_on = UKDateField("Opens on", required_message="Enter the date the pulse opens",
                           description="Today or a later date. Links are e-mailed on that day.")
    days = WholeNumberField(
        "Open for (days)", example=14, default=14,
        description=f"From 1 to {LONGEST_DAYS}. One reminder goes to those who have not answered in the last "
        "two days.",
        validators=[InputRequired("Enter how many days the pulse is open"),
                    NumberRange(1, LONGEST_DAYS, f"A pulse is open for 1 to {LONGEST_DAYS} days")],
    )
    submit = SubmitField("Create pulse", widget=GovSubmitInput())


class ButtonForm(FlaskForm):
    """A one-button action (retire, cancel): the CSRF token is its only field."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())
