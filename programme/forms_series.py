"""Forms for leads' supervision series pages and facilitators' registers."""

from __future__ import annotations

import datetime as dt

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import DateField, Field, HiddenField, IntegerField, RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation, ValidationError

from programme.models import MAX_PLACES, ORDINALS, WEEKDAYS, Attendance, Pattern, Status
from rosters.bounds import DATE_RANGE_WORDS, coerce_optional_id, date_in_range


def int_or_none(value: object) -> int | None:
    """Coerce a select of small numbers (weekdays, weeks); the empty placeholder option becomes None."""
    if value is None or value == "":
        return None
    return int(value)  # type: ignore[arg-type]


class UKDateField(DateField):
    """Day, month and year boxes; says which of "missing" and "not a real date" applies."""

    def __init__(self, label: str, *, required_message: str, **kwargs):
        kwargs.setdefault("invalid_value_message", f"{label} must be a real date, for example 14 6 2027")
        super().__init__(label, format="%d %m %Y", widget=GovDateInput(), **kwargs)
        self.required_message = required_message

    def process_formdata(self, valuelist: list[str]) -> None:
        parts = [part.strip() for part in valuelist]
        if not any(parts):
            # Nothing typed: the widget redraws three empty boxes (it cannot unpack fewer or more values).
            self.raw_data = None
            self.data = None
            return
        if len(parts) != 3:
            # The GOV.UK widget redraws exactly three boxes; anything else cannot be shown back.
            self.raw_data = None
            self.data = None
            raise ValueError(self.gettext("Enter the date as day, month and year, for example 14 6 2027"))
        super().process_formdata(parts)
        if self.data is not None and not date_in_range(self.data):
            # Refused here, so that no view goes on to do date arithmetic with year 1 or 9999.
            self.data = None
            raise ValueError(self.gettext(f"{self.label.text} must be between {DATE_RANGE_WORDS}"))

    def pre_validate(self, form) -> None:
        if self.data is None and not self.process_errors:
            raise StopValidation(self.required_message)


class WholeNumberField(IntegerField):
    """A whole number typed into a text box, with a message saying what to type."""

    def __init__(self, label: str, *, example: int, **kwargs):
        kwargs.setdefault("invalid_value_message", f"{label} must be a whole number, for example {example}")
        kwargs.setdefault("widget", GovTextInput())
        super().__init__(label, **kwargs)


def parse_time(value: str | None) -> dt.time | None:
    """'10:00' or '9.30' -> time; None if it is not a 24-hour clock time."""
    text = (value or "").strip().replace(".", ":")
    try:
        hours, minutes = text.split(":")
        if len(minutes) != 2:
            return None
        return dt.time(int(hours), int(minutes))
    except ValueError:
        return None


class TimeText:
    """Validator: a start time such as 10:00."""

    def __call__(self, form, field: Field) -> None:
        if parse_time(field.data) is None:
            raise ValidationError("Enter the start time using the 24-hour clock, for example 10:00 or 14:30")


def start_time_field() -> StringField:
    return StringField(
        "Start time",
        description="Use the 24-hour clock, for example 10:00 or 14:30",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the start time"), TimeText()],
    )


def duration_field() -> WholeNumberField:
    return WholeNumberField(
        "Length in minutes",
        example=90,
        default=90,
        description="For example, 90 for an hour and a half",
        validators=[InputRequired("Enter the length in minutes"),
                    NumberRange(15, 480, "Length must be between 15 and 480 minutes")],
    )


def capacity_field() -> WholeNumberField:
    return WholeNumberField(
        "Places",
        example=8,
        default=8,
        description="Groups of 6 to 8 are the norm",
        validators=[InputRequired("Enter the number of places"),
                    NumberRange(1, MAX_PLACES, f"Places must be between 1 and {MAX_PLACES}")],
    )


def location_field() -> StringField:
    return StringField(
        "Place (optional if there is an online link)",
        description="For example, Room 2, Civic Centre",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=300, message="Place must be 300 characters or fewer")],
    )


def online_link_field() -> StringField:
    return StringField(
        "Online link (optional if there is a place)",
        description="For example, a Microsoft Teams meeting link starting https://",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=500, message="Online link must be 500 characters or fewer")],
    )


def validate_online_link(form, field: Field) -> None:
    if field.data and not field.data.strip().lower().startswith(("https://", "http://")):
        raise ValidationError("Enter the online link starting https://")


def validate_place_or_link(form) -> bool:
    """A session needs somewhere to happen; say so on the place field."""
    if not ((form.location.data or "").strip() or (form.online_link.data or "").strip()):
        form.location.errors.append("Give a place or an online link")
        return False
    return True


PATTERNS = [
    SelectChoice(Pattern.EVERY_N_WEEKS.value, "Every week, or every few weeks, on the same day"),
    SelectChoice(Pattern.NTH_WEEKDAY_MONTHLY.value, "Once a month on the same weekday, for example the 2nd Tuesday"),
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
    reason = StringField(
        "Why is the session cancelled?",
        description="Everyone booked or waiting is sent this reason",
        widget=GovCharacterCount(),
        validators=[InputRequired("Say why the session is cancelled"),
                    Length(max=500, message="The reason must be 500 characters or fewer")],
    )
    submit = SubmitField("Cancel session", widget=GovSubmitInput())


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
    reason = StringField(
        "Why did it not go ahead?",
        widget=GovCharacterCount(),
        validators=[Length(max=500, message="The reason must be 500 characters or fewer")],
    )
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
