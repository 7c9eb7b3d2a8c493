"""Forms for the privacy pages: finding a person, a legal hold's reason, and confirming an erasure."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import EmailField, HiddenField, StringField, SubmitField
from wtforms.validators import InputRequired, Length


class FindPersonForm(FlaskForm):
    class Meta:
        csrf = False  # a search (GET) changes nothing

    email = EmailField("E-mail address", widget=GovTextInput(),
                       validators=[InputRequired("Enter the e-mail address of the person")])


class HoldForm(FlaskForm):
    """Place (hold=1) or clear (hold=0) a legal hold."""

    hold = HiddenField(default="1")
    reason = StringField("Reason for the hold", description="For example the claim, complaint or case reference",
                         widget=GovTextInput(), validators=[Length(max=500, message="Keep the reason to 500 characters")])
    submit = SubmitField("Place legal hold", widget=GovSubmitInput())


class EraseForm(FlaskForm):
    email = EmailField("Type the person's e-mail address to confirm", widget=GovTextInput(),
                       validators=[InputRequired("Type the e-mail address to confirm")])
    submit = SubmitField("Erase this person", widget=GovSubmitInput())
