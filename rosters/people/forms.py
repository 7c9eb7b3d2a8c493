"""Forms for a lead's people pages and for setting a password by link."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import PasswordField, RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length

from rosters.models import Role
from rosters.people.operations import EMAIL_MAX, NAME_MAX
from rosters.services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


class PersonForm(FlaskForm):
    """A person's details; ``team`` choices are set by the view (every team, and "No team")."""

    name = StringField("Full name", widget=GovTextInput(),
                       validators=[InputRequired("Enter the person's name"),
                                   Length(max=NAME_MAX, message=f"Name must be {NAME_MAX} characters or fewer")])
    email = StringField("Email address", widget=GovTextInput(),
                        description="Their work address. It is how they sign in and where e-mails go.",
                        validators=[InputRequired("Enter an email address"),
                                    Length(max=EMAIL_MAX, message="Enter an email address in the correct format, "
                                                                  "like name@example.org")])
    team = SelectField("Team", choices=[], validate_choice=False, widget=GovSelect())
    role = RadioField("Role", choices=[SelectChoice(role.value, role.label) for role in Role], widget=GovRadioInput(),
                      validators=[InputRequired("Select a role")])
    submit = SubmitField("Save", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    """A single button: the CSRF token is its only field."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        "Create a password", widget=GovPasswordInput(),
        description=f"At least {MIN_PASSWORD_LENGTH} characters. A few unrelated words make a good password; "
                    "avoid ones that are often used.",
        validators=[InputRequired("Enter a password"),
                    Length(max=MAX_PASSWORD_LENGTH, message=f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer")])
    confirm = PasswordField("Confirm your password", widget=GovPasswordInput(),
                            validators=[InputRequired("Enter your password again"),
                                        EqualTo("password", message="The passwords do not match: enter the same "
                                                                    "password twice")])
    submit = SubmitField("Set password", widget=GovSubmitInput())
