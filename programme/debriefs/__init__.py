"""Critical-incident debriefs (reflective wellbeing sessions): asking, triage, an independent chair,
the session log (no minutes) and the follow-up.

Operations: ``asking``, ``triage``, ``chairs`` (choosing a chair and arranging the session), ``log``;
e-mail in ``notices``; pages under ``views/``; the JSON API in ``api``; forms in ``forms``. Only leads
and the assigned chair see a request (to anyone else it does not exist); participants see their own
invitation. Every view of a request and every change is on the audit trail.
"""

# The routes join the blueprint (and the API's) when their modules are imported. Plain imports: binding
# the view modules' names here would hide the operations of the same name (``asking``, ``log``).
import programme.debriefs.api  # noqa: E402,F401
import programme.debriefs.views.asking  # noqa: E402,F401
import programme.debriefs.views.log  # noqa: E402,F401
import programme.debriefs.views.managers  # noqa: E402,F401
import programme.debriefs.views.mine  # noqa: E402,F401
import programme.debriefs.views.requests  # noqa: E402,F401
from programme.debriefs.blueprint import bp  # noqa: F401  (the app registers it)
