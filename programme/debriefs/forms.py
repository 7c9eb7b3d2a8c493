"""Forms for critical-incident debriefs: asking, triage, arranging a session, the session log and follow-up.

No form has a field that invites details identifying a child: the request asks only for a date, a
category, who is affected and practical arrangements.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from programme.debriefs.models import FollowUp, PreferredFormat
from programme.fields import (
    UKDateField,
    WholeNumberField,
    duration_field,
    location_field,
    online_link_field,
    reason_field,
    start_time_field,
    validate_online_link,
)
from programme.learning.operations import DEFAULT_FORUM
from programme.models import MAX_PLACES, IncidentCategory
from programme.rules import LONGEST_MINUTES, SHORTEST_MINUTES
from rosters.bounds import coerce_id, coerce_optional_id

CATEGORIES = [SelectChoice(category.value, category.label) for category in IncidentCategory]
PREFERRED_FORMATS = [
    SelectChoice(PreferredFormat.INDIVIDUAL.value, "Individual – just me and the chair"),
    SelectChoice(PreferredFormat.GROUP.value, "Group – with colleagues affected by the same incident"),
    SelectChoice(PreferredFormat.EITHER.value, "Either – the programme lead can suggest"),
]
TELL_MANAGER = [
    SelectChoice("yes", "Yes, let them know and show them where it stands"),
    SelectChoice("no", "No, do not tell them"),
]
SESSION_FORMATS = [SelectChoice("individual", "Individual"), SelectChoice("group", "Group")]
SIGNPOSTS = [
    SelectChoice("eap", "Employee assistance programme"),
    SelectChoice("occupational_health", "Occupational health"),
    SelectChoice("gp", "GP"),
]
DELIVERED = [SelectChoice("yes", "Yes, it went ahead"), SelectChoice("no", "No, it did not go ahead")]
YES_NO = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]
FOLLOW_UPS = [
    SelectChoice(FollowUp.DONE.value, "Done – the check-in took place"),
    SelectChoice(FollowUp.DECLINED.value, "Declined – the check-in was offered and not wanted"),
]


class DebriefRequestForm(FlaskForm):
    """Ask for a debrief. The view fills in the manager, team and colleague choices."""

    incident_date = UKDateField(
        "Date of the incident",
        description="For example, 14 11 2026. If it went on over several days, the day it ended.",
        required_message="Enter the date of the incident",
    )
    incident_category = RadioField(
        "What kind of incident was it?",
        choices=CATEGORIES,
        widget=GovRadioInput(),
        validators=[InputRequired("Select what kind of incident it was")],
    )
    preferred_format = RadioField(
        "Would you prefer an individual or a group session?",
        choices=PREFERRED_FORMATS,
        default=PreferredFormat.EITHER.value,
        widget=GovRadioInput(),
        validators=[InputRequired("Select individual, group or either")],
    )
    manager = SelectField(
        "Your manager",
        coerce=coerce_optional_id,
        choices=[],
        widget=GovSelect(),
        description="A practitioner asks for a debrief with their manager. Managers may ask on their own.",
    )
    # Asked whenever a manager is named; the service refuses a request that names one and leaves it blank.
    tell_manager = RadioField(
        "Can we let the manager you named know that you have asked, and show them where your request stands?",
        choices=TELL_MANAGER,
        widget=GovRadioInput(),
        description="Answer this if you named a manager. If you say yes, they see the status and dates only, "
        "never the kind of incident or your practical arrangements. They can support your request and invite "
        "colleagues from your team.",
        validators=[Optional()],
    )
    affected_teams = SelectMultipleField(
        "Which teams were affected?",
        coerce=coerce_id,
        choices=[],
        widget=GovCheckboxesInput(),
        description="The team around the child. Select all that apply.",
        validators=[Optional()],
    )
    # Shows the colleagues of the teams ticked, without sending the request.
    refresh = SubmitField("Show colleagues in these teams", widget=GovSubmitInput())
    invite_people = SelectMultipleField(
        "Colleagues to invite",
        coerce=coerce_id,
        choices=[],
        widget=GovCheckboxesInput(),
        description="Colleagues in the affected teams. They cannot chair the debrief. You are invited already.",
        validators=[Optional()],
    )
    partner_emails = StringField(
        "Partner-agency colleagues to invite (optional)",
        description="One e-mail address a line. Add their agency after a comma, for example "
        "sam.jones@nhs.example, Community health",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=5000, message="The list of e-mail addresses is too long")],
    )
    arrangements = StringField(
        "Practical arrangements (optional)",
        description="Times that suit, access needs. Do not describe the incident or name any child.",
        widget=GovCharacterCount(),
        validators=[Optional(), Length(max=1000, message="Practical arrangements must be 1000 characters or fewer")],
    )
    submit = SubmitField("Send request", widget=GovSubmitInput())

    def partner_list(self) -> list[tuple[str, str]]:
        """(e-mail, agency) for each non-empty line; the service checks the addresses."""
        pairs = []
        for line in (self.partner_emails.data or "").splitlines():
            email, _, agency = line.partition(",")
            if email.strip():
                pairs.append((email.strip(), agency.strip()))
        return pairs


class AcceptForm(FlaskForm):
    submit = SubmitField("Accept request", widget=GovSubmitInput())


class DeclineForm(FlaskForm):
    reason = reason_field("Reason for declining", required="Give a reason for declining; the person who asked will see it",
                          max_length=1000, description="The person who asked will see this. Do not name any child.")
    submit = SubmitField("Decline request", widget=GovSubmitInput())


class ArrangeForm(FlaskForm):
    """A dated session and its chair. The chair choices depend on the date, so the view fills them in."""

    day = UKDateField("Date", description="For example, 2 12 2026", required_message="Enter the date of the session")
    start_time = start_time_field()
    duration_minutes = duration_field()
    format = RadioField(
        "Format", choices=SESSION_FORMATS, widget=GovRadioInput(),
        validators=[InputRequired("Select individual or group")],
    )
    location = location_field()
    online_link = online_link_field()
    chair = RadioField(
        "Chair",
        coerce=coerce_optional_id,
        choices=[],
        validate_choice=False,  # the service checks training, independence and the monthly cap
        widget=GovRadioInput(),
        validators=[Optional()],
    )
    others_allowed = WholeNumberField(
        "Others who may come, not invited by name", example=2, default=0,
        description="For example, colleagues from the team who were not named. 0 if only those invited may come.",
        validators=[Optional(), NumberRange(0, 50, "Others who may come must be a whole number from 0 to 50")],
    )
    check = SubmitField("Show chairs for this date", widget=GovSubmitInput())
    confirm = SubmitField("Arrange session", widget=GovSubmitInput())

    validate_online_link = validate_online_link


class TimingForm(FlaskForm):
    """A later target for the session, agreed with the people affected; or going back to the standard one."""

    day = UKDateField("Agreed date for the session", description="For example, 18 12 2026",
                      required_message="Enter the agreed date for the session")
    reason = reason_field("Reason for the later date",
                          description="For example, after the funeral. Do not name any child.", max_length=500)
    submit = SubmitField("Save agreed date", widget=GovSubmitInput())
    clear = SubmitField("Go back to the standard target", widget=GovSubmitInput())


class SessionLogForm(FlaskForm):
    """What was delivered; there are no minutes by design."""

    delivered = RadioField(
        "Did the session go ahead?", choices=DELIVERED, widget=GovRadioInput(),
        validators=[InputRequired("Select whether the session went ahead")],
    )
    reason = reason_field("Why did it not go ahead?")
    attendees = WholeNumberField(
        "How many practitioners attended?", example=4,
        validators=[Optional(), NumberRange(1, MAX_PLACES, f"Attendance must be between 1 and {MAX_PLACES}")],
    )
    duration_minutes = WholeNumberField(
        "Length in minutes", example=90,
        validators=[Optional(), NumberRange(SHORTEST_MINUTES, LONGEST_MINUTES,
                                f"Length must be between {SHORTEST_MINUTES} and {LONGEST_MINUTES} minutes")],
    )
    # Required when the session went ahead: the log operation asks for it then (it is not asked otherwise).
    closed_safe_uplifting = RadioField(
        "Did the session close with a safe and uplifting topic?", choices=YES_NO, widget=GovRadioInput(),
        description="The last point of the chair’s checklist.", validators=[Optional()],
    )
    signposting = SelectMultipleField(
        "Signposting offered",
        coerce=str,
        choices=SIGNPOSTS,
        widget=GovCheckboxesInput(),
        description="Select all that were offered.",
        validators=[Optional()],
    )
    learning_1 = StringField("Wider-learning point 1 (optional)", widget=GovCharacterCount(),
                             validators=[Optional(), Length(max=2000, message="Each point must be 2000 characters or fewer")])
    learning_2 = StringField("Wider-learning point 2 (optional)", widget=GovCharacterCount(),
                             validators=[Optional(), Length(max=2000, message="Each point must be 2000 characters or fewer")])
    learning_3 = StringField("Wider-learning point 3 (optional)", widget=GovCharacterCount(),
                             validators=[Optional(), Length(max=2000, message="Each point must be 2000 characters or fewer")])
    learning_checked = BooleanField("I have checked: these points identify no one", widget=GovCheckboxInput(),
                                    description="Tick only if a point was flagged and you are sure it names no one.")
    forum = StringField(
        "Forum the learning goes to",
        default=DEFAULT_FORUM,
        widget=GovTextInput(),
        validators=[Optional(), Length(max=200, message="The forum must be 200 characters or fewer")],
    )
    submit = SubmitField("Save session log", widget=GovSubmitInput())

    def learning(self) -> list[str]:
        return [field.data or "" for field in (self.learning_1, self.learning_2, self.learning_3)]


class FollowUpForm(FlaskForm):
    outcome = RadioField(
        "How did the check-in go?", choices=FOLLOW_UPS, widget=GovRadioInput(),
        validators=[InputRequired("Select done or declined")],
    )
    submit = SubmitField("Record follow-up", widget=GovSubmitInput())


class FollowUpOpenForm(FlaskForm):
    """A lead opens the follow-up before it is due, saying why."""

    reason = reason_field("Why open it early?", required="Give a reason for opening the follow-up early",
                          description="For example, the people who attended asked for a check-in sooner. Do not name "
                                      "any child.")
    submit = SubmitField("Open the follow-up now", widget=GovSubmitInput())


class WithdrawForm(FlaskForm):
    """The person who asked withdraws their request; a reason is optional."""

    reason = reason_field("Why are you withdrawing it? (optional)", max_length=1000,
                          description="Practical reasons only, for example that support has been found elsewhere. "
                          "Do not describe the incident or name any child.")
    confirm = BooleanField("I no longer want this debrief", widget=GovCheckboxInput(),
                           validators=[InputRequired("Tick to confirm that you want to withdraw your request")])
    withdraw = SubmitField("Withdraw request", widget=GovSubmitInput())


class ChangeForm(FlaskForm):
    """The person who asked would like something practical changed; a lead deals with it."""

    message = StringField(
        "What would you like changed?",
        description="Practical things only: a time, a place, access needs. Do not describe the incident or name "
        "any child.",
        widget=GovCharacterCount(),
        validators=[InputRequired("Say what you would like changed"),
                    Length(max=1000, message="What you would like changed must be 1000 characters or fewer")],
    )
    send = SubmitField("Ask for the change", widget=GovSubmitInput())


class ChangeDealtWithForm(FlaskForm):
    submit = SubmitField("Mark as dealt with", widget=GovSubmitInput())


class SupportForm(FlaskForm):
    # Named apart from the colleagues form's button: both are on one page, and ids must be unique.
    support = SubmitField("Support this request", widget=GovSubmitInput())


class ColleaguesForm(FlaskForm):
    """Colleagues to invite; the view fills in the choices."""

    people = SelectMultipleField(
        "Colleagues to invite",
        coerce=coerce_id,
        choices=[],
        widget=GovCheckboxesInput(),
        description="People in your team and in the teams affected. Anyone you invite cannot chair the debrief.",
        validators=[Optional()],
    )
    invite = SubmitField("Invite colleagues", widget=GovSubmitInput())
