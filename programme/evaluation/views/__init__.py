"""The evaluation pages: answering by a single-use link (``respond``)."""

import programme.evaluation.views.respond  # noqa: F401
