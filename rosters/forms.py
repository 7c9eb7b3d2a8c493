"""Forms for roster pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovSubmitInput
from wtforms import RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from rosters.csv_import import IMPORTERS, kinds_in_order


class ImportForm(FlaskForm):
    """A spreadsheet and what it holds: one of the kinds registered with the importer."""

    kind = RadioField(
        "What does the file hold?",
        choices=lambda: [SelectChoice(kind, IMPORTERS[kind].label) for kind in kinds_in_order()],
        widget=GovRadioInput(),
        validators=[InputRequired("Select what the file holds")],
    )
    file = FileField(
        "CSV file",
        description="Save from Excel as 'CSV UTF-8'. Nothing is stored unless every row is correct.",
        widget=GovFileInput(),
        validators=[FileRequired("Select a CSV file")],
    )
    submit = SubmitField("Import file", widget=GovSubmitInput())
