"""Further support beyond peer support: services a lead lists, and referrals a chair offers.

Tables in ``models``; operations in ``operations``; pages (and the template globals the partials under
``templates/programme/support/parts/`` use) in ``views``; forms in ``forms``; demo services in ``demo``.
"""

import programme.support.models  # noqa: F401  (the tables join the metadata)
import programme.support.views  # noqa: E402,F401  (the routes join the blueprint)
from programme.support.blueprint import bp  # noqa: F401  (the app registers it)
