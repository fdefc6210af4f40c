"""Where each role lands after login and on /cabinet: its real workspace. Endpoint names only,
so the accounts package depends on none of the packages whose pages these are."""

from __future__ import annotations

from pfdo.accounts.models import Role

LANDING = {
    Role.PARENT: "families.cabinet",
    #: a provider's staff: their provider's cabinet (which says so when no provider is attached)
    Role.PROVIDER: "providers.cabinet",
    Role.COORDINATOR: "coordinator.dashboard",
    Role.ADMIN: "admin.users",
    Role.HOTLINE: "hotline.index",
}


#: /cabinet, the address every signed-in person may open: the family's cabinet for a parent, a
#: redirect to their workspace for everyone else (so a login goes there)
CABINET = "families.cabinet"


def landing_endpoint(user) -> str:
    """The endpoint of the user's workspace; the home page for a guest."""
    if user is None or not getattr(user, "is_authenticated", False):
        return "site.home"
    return LANDING[Role(user.role)]
