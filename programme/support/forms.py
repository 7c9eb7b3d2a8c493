"""Forms for further support: a service on the lead's list, and a referral the chair records.

No form has a field for a reason or anything clinical: a referral is who, which service, accepted or
declined, and consent to share contact details.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from programme.support.models import ReferralOutcome, ServiceKind
from programme.support.operations import HOW_TO_REACH_MAX, NAME_MAX

KINDS = [SelectChoice(kind.value, kind.label) for kind in ServiceKind]
OUTCOMES = [
    SelectChoice(ReferralOutcome.ACCEPTED.value, "Accepted"),
    SelectChoice(ReferralOutcome.DECLINED.value, "Declined"),
]
YES_NO = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]


class ServiceForm(FlaskForm):
    """A service people can be referred or pointed to."""

    name = StringField(
        "Name of the service",
        description="For example, Employee assistance programme (Care First)",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the name of the service"),
                    Length(max=NAME_MAX, message=f"The name must be {NAME_MAX} characters or fewer")],
    )
    kind = RadioField(
        "Kind of service", choices=KINDS, widget=GovRadioInput(),
        validators=[InputRequired("Select what kind of service it is")],
    )
    how_to_reach = TextAreaField(
        "How to reach it",
        description="Telephone number, e-mail or web address, and when it is open. Everyone invited to a debrief "
        "sees this. No clinical detail.",
        widget=GovCharacterCount(),
        validators=[InputRequired("Say how to reach the service"),
                    Length(max=HOW_TO_REACH_MAX,
                           message=f"How to reach the service must be {HOW_TO_REACH_MAX} characters or fewer")],
    )
    submit = SubmitField("Add service", widget=GovSubmitInput())


class ServiceActiveForm(FlaskForm):
    """Take a service off the list or put it back: the wanted state is sent, so a second click changes nothing."""

    active = HiddenField(validators=[InputRequired("Say whether the service is on the list"),
                                     AnyOf(("yes", "no"), message="Say whether the service is on the list")])
    submit = SubmitField("Change", widget=GovSubmitInput())


class ReferralForm(FlaskForm):
    """A service offered to someone invited, and their answer. The view fills in the people and services."""

    invitation = RadioField(
        "Who was offered the service?", choices=[], validate_choice=False,  # the operation checks the request
        widget=GovRadioInput(), validators=[InputRequired("Select who was offered the service")],
    )
    service = RadioField(
        "Service offered", choices=[], validate_choice=False,  # the operation checks it is on the list
        widget=GovRadioInput(), validators=[InputRequired("Select the service offered")],
    )
    outcome = RadioField(
        "Did they accept the referral?", choices=OUTCOMES, widget=GovRadioInput(),
        validators=[InputRequired("Select whether they accepted or declined the referral")],
    )
    consent_to_share = RadioField(
        "Did they agree that their name and contact details are passed to the service?",
        choices=YES_NO, widget=GovRadioInput(), validators=[Optional()],
        description="Only if they accepted. If not, they will contact the service themselves.",
    )
    submit = SubmitField("Record referral", widget=GovSubmitInput())

    def consent(self) -> bool | None:
        """Yes, no, or not answered."""
        return {"yes": True, "no": False}.get(self.consent_to_share.data or "")


class FollowedUpForm(FlaskForm):
    submit = SubmitField("Mark as followed up", widget=GovSubmitInput())
