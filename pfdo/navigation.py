"""Each role's sections in the header."""

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
    Role.HOTLINE: [MenuItem("Горячая линия", "accounts.cabinet", "headset")],
    Role.ADMIN: [
        MenuItem("Пользователи", "accounts.users", "people"),
        MenuItem("Журнал действий", "audit.log", "list-check"),
        MenuItem("Муниципалитет", "municipality.settings", "gear"),
    ],
}


def menu_for(user) -> list[MenuItem]:
    if user is None or not user.is_authenticated:
        return list(PUBLIC_MENU)
    return ROLE_MENUS.get(Role(user.role), []) + PUBLIC_MENU
