"""The evaluation pages: answering by a single-use link (``respond``)."""

import programme.evaluation.views.feedback  # noqa: F401  (leads: the summary of feedback after sessions)
import programme.evaluation.views.overview  # noqa: F401  (leads: the evaluation hub)
import programme.evaluation.views.pulses  # noqa: F401  (leads: pulses and their results)
import programme.evaluation.views.questionnaires  # noqa: F401  (leads: upload, view and retire questionnaires)
import programme.evaluation.views.respond  # noqa: F401
