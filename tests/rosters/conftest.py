"""One real OpenID provider per run for the council sign-in tests (see tests/rosters/oidc_support.py)."""

from tests.rosters.oidc_support import oidc_provider  # noqa: F401  (a session-scoped fixture)
