"""People in the browser: leads add people, change their details, deactivate and reactivate them, and
e-mail a single-use link to set a password.

- ``operations``: add, change, deactivate, reactivate (the import's rules, and the programme always
  keeps an active lead); ``links``: password links; ``models``: the ``password_links`` table;
  ``notices``: the e-mail; ``forms`` and ``views``: the pages (``blueprint``).
"""

# The routes join the blueprint when their module is imported.
import rosters.people.views  # noqa: E402,F401
from rosters.people.blueprint import bp  # noqa: F401  (the app registers it)
