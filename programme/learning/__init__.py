"""The learning log for leads: areas of wider learning from debriefs or added by hand, taken to a forum.

Operations in ``operations``, pages (and the CSV export for a forum) in ``views``, forms in ``forms``.
"""

import programme.learning.views  # noqa: F401  (the routes join the blueprint)
from programme.learning.blueprint import bp  # noqa: F401  (the app registers it)
