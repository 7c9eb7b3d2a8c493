"""Further support beyond peer support: services a lead lists, and referrals a chair offers.

Tables in ``models``; operations in ``operations``; pages in ``views``; forms in ``forms``.
"""

import programme.support.models  # noqa: F401  (the tables join the metadata)
from programme.support.blueprint import bp  # noqa: F401  (the app registers it)
