"""Reflexive peer-group supervision: series, bookable slots, places and the waitlist, registers, calendars.

Operations: ``series`` (plan, create, change, cancel), ``places`` (book, cancel, waitlist, capacity),
``registers``, ``facilitators``; e-mail in ``notices``, calendar files in ``calendar``, the reminder
command in ``reminders``; pages under ``views/``, the JSON API in ``api``, forms in ``forms``.
"""

# The routes join the blueprint (and the API's), and the command the registry, when their modules are
# imported. Plain imports: binding the view modules' names here would hide the operations of the same name.
import programme.supervision.api  # noqa: E402,F401
import programme.supervision.reminders  # noqa: E402,F401
import programme.supervision.views.booking  # noqa: E402,F401
import programme.supervision.views.calendar  # noqa: E402,F401
import programme.supervision.views.places  # noqa: E402,F401
import programme.supervision.views.registers  # noqa: E402,F401
import programme.supervision.views.series  # noqa: E402,F401
import programme.supervision.views.sessions  # noqa: E402,F401
from programme.supervision.blueprint import bp  # noqa: F401  (the app registers it)
