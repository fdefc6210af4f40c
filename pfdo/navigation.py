"""Each role's sections in the header.

The header has room for a role's own sections and the public ones only while the role has one
section: a role with several (provider staff, coordinator, administrator) keeps its own
sections in the row and the public ones under «Ещё», so that the row fits a 1280 px screen."""

from __future__ import annotations

from dataclasses import dataclass

from pfdo.accounts.models import Role


@dataclass(frozen=True)
class MenuItem:
    label: str
    endpoint: str
    icon: str


PUBLIC_MENU = [
    MenuItem("Кружки и секции", "navigator.index", "search"),
    MenuItem("Реестр поставщиков", "providers.registry", "buildings"),
    MenuItem("Правила", "site.rules", "journal-text"),
    MenuItem("Контакты", "site.contacts", "telephone"),
]

ROLE_MENUS = {
    Role.PARENT: [MenuItem("Личный кабинет", "accounts.cabinet", "person-circle")],
    Role.PROVIDER: [MenuItem("Кабинет поставщика", "providers.cabinet", "building"),
                    MenuItem("Программы", "programs.index", "journal-bookmark")],
    Role.COORDINATOR: [
        MenuItem("Кабинет координатора", "coordinator.dashboard", "clipboard-check"),
        MenuItem("Заявления", "coordinator.applications", "inbox"),
        MenuItem("Поставщики", "providers.queue", "building-check"),
        MenuItem("Периоды", "coordinator.period_list", "calendar-range"),
        MenuItem("Программы", "programs.moderation", "journal-check"),
    ],
    Role.HOTLINE: [MenuItem("Горячая линия", "hotline.index", "headset")],
    Role.ADMIN: [
        MenuItem("Пользователи", "accounts.users", "people"),
        MenuItem("Журнал действий", "audit.log", "list-check"),
        MenuItem("Муниципалитет", "municipality.settings", "gear"),
    ],
}


#: where a role lands after login and on /cabinet: its real workspace (provider staff land in
#: their provider's cabinet, see accounts.views.cabinet; parents in the family's cabinet)
LANDING = {
    Role.COORDINATOR: "coordinator.dashboard",
    Role.ADMIN: "accounts.users",
    Role.HOTLINE: "hotline.index",
}


@dataclass(frozen=True)
class Menu:
    #: the sections shown in the menu row
    items: list[MenuItem]
    #: the sections under «Ещё»
    more: list[MenuItem]

    def __iter__(self):
        return iter(self.items + self.more)


def menu_for(user) -> list[MenuItem]:
    return list(header_menu(user))


def header_menu(user) -> Menu:
    if user is None or not user.is_authenticated:
        return Menu(list(PUBLIC_MENU), [])
    own = ROLE_MENUS.get(Role(user.role), [])
    if len(own) > 1:
        return Menu(list(own), list(PUBLIC_MENU))
    return Menu(own + PUBLIC_MENU, [])
