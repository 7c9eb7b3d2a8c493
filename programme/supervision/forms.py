"""Forms for supervision: a new series, changing its future sessions or one session, cancelling, the register."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput
from wtforms import HiddenField, RadioField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from programme.fields import (
    UKDateField,
    WholeNumberField,
    capacity_field,
    duration_field,
    int_or_none,
    location_field,
    online_link_field,
    parse_time,
    reason_field,
    start_time_field,
    validate_online_link,
    validate_place_or_link,
)
from programme.models import MAX_PLACES, ORDINALS, WEEKDAYS, Attendance, Pattern, Status
from rosters.bounds import coerce_optional_id

PATTERNS = [
    SelectChoice(Pattern.EVERY_N_WEEKS.value, "Every week, or every few weeks, on the same day"),
    SelectChoice(Pattern.NTH_WEEKDAY_MONTHLY.value, "Once a month on the same weekday, for example the 2nd Tuesday"),
]


# The order fields appear on the page, for the error summary.
SERIES_ORDER = [
    "team", "pattern", "interval_weeks", "week_of_month", "weekday", "first_date", "last_date", "start_time",
    "duration_minutes", "capacity", "location", "online_link", "facilitator",
]


class SeriesForm(FlaskForm):
    """A new series. The facilitator list depends on the team and dates, so the view fills it in."""

    team = SelectField(
        "Team", coerce=coerce_optional_id, widget=GovSelect(), validators=[InputRequired("Select a team")]
    )
    pattern = RadioField(
        "How often does the group meet?",
        choices=PATTERNS,
        default=Pattern.EVERY_N_WEEKS.value,
        widget=GovRadioInput(),
        validators=[InputRequired("Select how often the group meets")],
    )
    interval_weeks = WholeNumberField(
        "Every how many weeks?",
        example=4,
        default=4,
        description="If it meets every few weeks: 1 for every week, 4 for every 4 weeks",
        validators=[Optional(), NumberRange(1, 12, "Every how many weeks must be between 1 and 12")],
    )
    week_of_month = SelectField(
        "Which week of the month?",
        description="If it meets on one weekday each month, for example the 2nd Tuesday",
        coerce=int_or_none,
        choices=[SelectChoice(str(number), word) for number, word in ORDINALS.items()],
        widget=GovSelect(),
    )
    weekday = SelectField(
        "Day of the week",
        coerce=int_or_none,
        choices=[SelectChoice("", "Choose a day")] + [SelectChoice(str(i), day) for i, day in enumerate(WEEKDAYS)],
        widget=GovSelect(),
        validators=[InputRequired("Select the day of the week")],
    )
    first_date = UKDateField(
        "First date", description="For example, 14 6 2027", required_message="Enter the first date"
    )
    last_date = UKDateField(
        "Last date",
        description="Sessions are created up to this date, for at most 18 months",
        required_message="Enter the last date",
    )
    start_time = start_time_field()
    duration_minutes = duration_field()
    capacity = capacity_field()
    location = location_field()
    online_link = online_link_field()
    facilitator = SelectField(
        "Facilitator",
        coerce=coerce_optional_id,
        choices=[],
        validate_choice=False,  # the choices depend on the team and dates; the view checks them
        widget=GovSelect(),
        description="People with valid reflexive peer-group supervision training, least busy first",
    )
    # What the preview showed; creating needs the details to be unchanged since then.
    checked = HiddenField()
    check = SubmitField("Check dates and facilitators", widget=GovSubmitInput())
    confirm = SubmitField("Create series", widget=GovSubmitInput())

    validate_online_link = validate_online_link

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.pattern.data == Pattern.EVERY_N_WEEKS.value and self.interval_weeks.data is None \
                and not self.interval_weeks.errors:
            self.interval_weeks.errors.append("Enter every how many weeks the group meets")
            valid = False
        if self.pattern.data == Pattern.NTH_WEEKDAY_MONTHLY.value and self.week_of_month.data is None:
            self.week_of_month.errors.append("Select which week of the month")
            valid = False
        if self.first_date.data and self.last_date.data and self.last_date.data < self.first_date.data:
            self.last_date.errors.append("The last date must be on or after the first date")
            valid = False
        return validate_place_or_link(self) and valid

    def fingerprint(self) -> str:
        """Everything the preview depends on, so a change after checking is noticed."""
        return "|".join(
            str(value)
            for value in (
                self.team.data, self.pattern.data, self.interval_weeks.data, self.week_of_month.data,
                self.weekday.data, self.first_date.data, self.last_date.data, parse_time(self.start_time.data),
                self.duration_minutes.data, self.capacity.data, (self.location.data or "").strip(),
                (self.online_link.data or "").strip(), self.facilitator.data,
            )
        )


class SeriesEditForm(FlaskForm):
    """Change every future session of a series."""

    start_time = start_time_field()
    duration_minutes = duration_field()
    capacity = capacity_field()
    location = location_field()
    online_link = online_link_field()
    submit = SubmitField("Change future sessions", widget=GovSubmitInput())

    validate_online_link = validate_online_link

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return validate_place_or_link(self) and valid


class SessionEditForm(SeriesEditForm):
    """Change one dated session."""

    date = UKDateField("Date", description="For example, 14 6 2027", required_message="Enter the date")
    submit = SubmitField("Change this session", widget=GovSubmitInput())


class CancelSessionForm(FlaskForm):
    reason = reason_field("Why is the session cancelled?", required="Say why the session is cancelled",
                          description="Everyone booked or waiting is sent this reason")
    submit = SubmitField("Cancel session", widget=GovSubmitInput())


class RemovePlaceForm(FlaskForm):
    """A lead removes someone's place; the person is sent the reason."""

    reason = reason_field("Why is the place removed?", required="Say why the place is removed",
                          description="The person is sent this reason by e-mail")
    submit = SubmitField("Remove place", widget=GovSubmitInput())


ATTENDANCE = [
    SelectChoice(Attendance.ATTENDED.value, "Attended"),
    SelectChoice(Attendance.DID_NOT_ATTEND.value, "Did not attend"),
]
OUTCOMES = [
    SelectChoice(Status.DELIVERED.value, "Yes, it was delivered"),
    SelectChoice(Status.CANCELLED.value, "No, it did not go ahead"),
]


class RegisterForm(FlaskForm):
    """The register; ``register_form`` adds one attendance question per person booked."""

    others = WholeNumberField(
        "How many others came without booking?",
        example=0,
        default=0,
        validators=[InputRequired("Enter how many others came, or 0"),
                    NumberRange(0, MAX_PLACES, f"Others must be between 0 and {MAX_PLACES}")],
    )
    outcome = RadioField(
        "Did the session go ahead?",
        choices=OUTCOMES,
        widget=GovRadioInput(),
        validators=[InputRequired("Select whether the session went ahead")],
    )
    reason = reason_field("Why did it not go ahead?")
    submit = SubmitField("Save register", widget=GovSubmitInput())

    booking_fields: list[tuple[int, str]] = []  # (booking id, field name), set per form class

    def attendance_fields(self) -> list:
        return [self[name] for _, name in self.booking_fields]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.outcome.data == Status.DELIVERED.value:
            for field in self.attendance_fields():
                if not field.data:
                    field.errors.append(f"Select whether {field.label.text} attended")
                    valid = False
        if self.outcome.data == Status.CANCELLED.value and not (self.reason.data or "").strip():
            self.reason.errors.append("Say why the session did not go ahead")
            valid = False
        return valid

    def attendance(self) -> dict[int, bool]:
        return {
            booking_id: self[name].data == Attendance.ATTENDED.value
            for booking_id, name in self.booking_fields
            if self[name].data
        }


def register_form(people: list[tuple[int, str]], **kwargs) -> RegisterForm:
    """A register form with one attended / did not attend question per (booking id, name)."""

    class Register(RegisterForm):
        pass

    names = []
    for booking_id, name in people:
        field_name = f"booking_{booking_id}"
        setattr(
            Register,
            field_name,
            RadioField(name, choices=ATTENDANCE, widget=GovRadioInput(), validators=[Optional()]),
        )
        names.append((booking_id, field_name))
    Register.booking_fields = names
    return Register(**kwargs)
