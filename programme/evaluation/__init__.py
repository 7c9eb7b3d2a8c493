"""Evidence of impact: anonymous feedback after sessions, wellbeing pulses and workforce figures.

Tables in ``models``; questionnaire definitions (read, check, score) in ``definitions``; single-use
links and anonymous answers in ``answers``; feedback after a delivered session in ``feedback``; pulses
in ``pulses``; the ``workforce`` import in ``workforce``; pages in ``views``.
"""

import programme.evaluation.feedback_api  # noqa: F401  (adds /api/v1/feedback to the API blueprint)
import programme.evaluation.models  # noqa: F401  (the tables join the metadata)
import programme.evaluation.pulse_api  # noqa: F401  (adds /api/v1/pulses/{id}/results to the API blueprint)
import programme.evaluation.views  # noqa: F401  (the routes join the blueprint)
import programme.evaluation.workforce  # noqa: F401  (registers the workforce import)
from programme.evaluation.blueprint import bp  # noqa: F401  (the app registers it)
