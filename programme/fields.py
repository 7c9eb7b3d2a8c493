"""Form fields the programme's forms share: UK dates in three boxes, whole numbers, times, lengths, places.

Each says what to type when the value is wrong, in the GOV.UK way, and refuses values outside the
service's bounds (``rosters.bounds``) before any view does arithmetic with them.
"""

from __future__ import annotations

import datetime as dt

from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovDateInput, GovTextInput
from wtforms import DateField, Field, IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation, ValidationError

from programme.models import MAX_PLACES
from programme.rules import LONGEST_MINUTES, SHORTEST_MINUTES
from rosters.bounds import DATE_RANGE_WORDS, date_in_range


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
                    NumberRange(SHORTEST_MINUTES, LONGEST_MINUTES,
                                f"Length must be between {SHORTEST_MINUTES} and {LONGEST_MINUTES} minutes")],
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


def reason_field(label: str, *, required: str | None = None, max_length: int = 500,
                 description: str | None = None) -> StringField:
    """Why something happened or was decided, in the person's words: a text box that counts characters.

    ``required`` is the message when it is left empty; without it the field is optional here and the
    operation asks for it when it needs it (only a session that did not go ahead needs a reason).
    """
    first = InputRequired(required) if required else Optional()
    return StringField(
        label,
        description=description,
        widget=GovCharacterCount(),
        validators=[first, Length(max=max_length, message=f"The reason must be {max_length} characters or fewer")],
    )


def when_and_where(form) -> dict:
    """The start, length, place and link a session form holds, as the operations take them."""
    return {
        "start": parse_time(form.start_time.data),
        "duration_minutes": form.duration_minutes.data,
        "location": form.location.data or "",
        "online_link": form.online_link.data or "",
    }

