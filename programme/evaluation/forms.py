"""Forms for evaluation: the answer form built from a questionnaire's definition."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovRadioInput, GovSubmitInput
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice

from programme.evaluation.answers import COMMENT_LONGEST
from programme.evaluation.definitions import Definition


class AnswerForm(FlaskForm):
    """One radio question per item (added by ``answer_form``), an optional comment and the button."""

    submit = SubmitField("Send my answers", widget=GovSubmitInput())


def answer_form(definition: Definition, **kwargs) -> AnswerForm:
    """An answer form for ``definition``: items are checked by ``answers.read_answers``, not here, so the
    page and any other caller refuse alike."""
    fields = {}
    choices = [SelectChoice(str(value), label) for value, label in definition.points]
    for number, item in enumerate(definition.items, start=1):
        fields[item.id] = RadioField(f"{number}. {item.text}", choices=choices, widget=GovRadioInput(),
                                     validate_choice=False)
    if definition.comment:
        fields["comment"] = TextAreaField(definition.comment, widget=GovCharacterCount())
    form_class = type("DefinedAnswerForm", (AnswerForm,), fields)
    form = form_class(**kwargs)
    form.item_fields = [form[item.id] for item in definition.items]
    form.comment_longest = COMMENT_LONGEST
    return form
