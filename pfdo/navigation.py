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
    #: kept under «Ещё» even in the row of a role's own sections (the row must fit)
    secondary: bool = False


PUBLIC_MENU = [
    MenuItem("Кружки и секции", "navigator.index", "search"),
    MenuItem("Реестр поставщиков", "navigator.registry", "buildings"),
    MenuItem("Правила", "site.rules", "journal-text"),
    MenuItem("Контакты", "site.contacts", "telephone"),
]

ROLE_MENUS = {
    Role.PARENT: [MenuItem("Личный кабинет", "families.cabinet", "person-circle"),
                  MenuItem("Мои записи", "enrollments.mine", "journal-check")],
    Role.PROVIDER: [MenuItem("Кабинет поставщика", "providers.cabinet", "building"),
                    MenuItem("Программы", "programs.index", "journal-bookmark"),
                    MenuItem("Заявки", "enrollments.provider_requests", "inbox"),
                    MenuItem("Договоры", "enrollments.provider_contracts", "file-earmark-text"),
                    MenuItem("Отчёты и счета", "billing.provider_reports", "receipt"),
                    MenuItem("Отзывы", "enrollments.provider_reviews", "star", secondary=True)],
    Role.COORDINATOR: [
        MenuItem("Кабинет координатора", "coordinator.dashboard", "clipboard-check"),
        MenuItem("Заявления", "coordinator.applications", "inbox"),
        MenuItem("Сертификаты", "certificates.registry_list", "card-list", secondary=True),
        MenuItem("Поставщики", "providers.queue", "building-check"),
        MenuItem("Периоды", "coordinator.period_list", "calendar-range"),
        MenuItem("Программы", "programs.moderation", "journal-check"),
        MenuItem("Договоры", "enrollments.coordinator_contracts", "file-earmark-text"),
        MenuItem("Закрытие месяца", "billing.coordinator_month", "calendar-check",
                 secondary=True),
        MenuItem("Счета", "billing.coordinator_invoices", "receipt", secondary=True),
        MenuItem("Сроки ответов поставщиков", "enrollments.provider_deadlines",
                 "hourglass-split", secondary=True),
        MenuItem("Отзывы", "enrollments.coordinator_reviews", "star", secondary=True),
        MenuItem("Звонки горячей линии", "hotline.call_log", "telephone-inbound",
                 secondary=True),
        MenuItem("Удаление данных", "deletions.index", "person-x", secondary=True),
    ],
    Role.HOTLINE: [MenuItem("Горячая линия", "hotline.index", "headset"),
                   MenuItem("Журнал звонков", "hotline.call_log", "telephone-inbound")],
    Role.ADMIN: [
        MenuItem("Пользователи", "admin.users", "people"),
        MenuItem("Журнал действий", "admin.audit_log", "list-check"),
        MenuItem("Муниципалитет", "municipality.settings", "gear"),
    ],
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
        return Menu([i for i in own if not i.secondary],
                    [i for i in own if i.secondary] + PUBLIC_MENU)
    return Menu(own + PUBLIC_MENU, [])


#: The blueprints' sections, for an endpoint that has no title of its own
SECTION_LABELS = {
    "site": "Сайт",
    "accounts": "Учётные записи",
    "admin": "Администрирование",
    "municipality": "Настройки муниципалитета",
    "families": "Дети",
    "certificates": "Сертификаты",
    "coordinator": "Кабинет координатора",
    "providers": "Поставщики",
    "programs": "Программы",
    "navigator": "Кружки и секции",
    "hotline": "Горячая линия",
    "deletions": "Удаление данных",
}

#: Pages and actions by their Russian titles (the audit log names sections by them). The menu's
#: own labels are used for the endpoints it links, unless a title here says more.
PAGE_TITLES = {
    "site.home": "Главная страница",
    "site.consent": "Согласие на обработку персональных данных",
    "site.privacy": "Обработка персональных данных",
    "site.healthz": "Проверка работы сервера",
    "site.readyz": "Проверка готовности сервера",
    "families.cabinet": "Личный кабинет",
    "privacy.account": "Учётная запись",
    "accounts.login": "Вход",
    "accounts.logout": "Выход",
    "accounts.register": "Регистрация",
    "accounts.forgot_password": "Восстановление пароля",
    "site.notifications_page": "Уведомления",
    "privacy.download_data": "Выгрузка данных семьи",
    "privacy.delete_preview": "Удаление данных семьи",
    "privacy.request_deletion": "Запрос на удаление данных семьи",
    "privacy.cancel_deletion": "Отмена запроса на удаление данных",
    "deletions.index": "Запросы на удаление данных",
    "deletions.card": "Запрос на удаление данных",
    "deletions.carry_out": "Удаление данных семьи по запросу",
    "certificates.registry_card": "Карточка сертификата в реестре",
    "certificates.registry_suspend": "Приостановка сертификата",
    "certificates.registry_resume": "Возобновление сертификата",
    "enrollments.coordinator_contracts_xlsx": "Договоры: выгрузка таблицей",
    "hotline.call_log_xlsx": "Журнал звонков: выгрузка таблицей",
    "billing.coordinator_invoices_xlsx": "Счета: выгрузка таблицей",
    "certificates.registry_xlsx": "Реестр сертификатов: выгрузка таблицей",
    "admin.audit_log_xlsx": "Журнал действий: выгрузка таблицей",
    "coordinator.applications_xlsx": "Заявления на сертификаты: выгрузка таблицей",
    "providers.queue_xlsx": "Поставщики: выгрузка таблицей",
    "programs.moderation_xlsx": "Программы: выгрузка таблицей",
    "site.notifications_count": "Число непрочитанных уведомлений",
    "site.read_notice": "Уведомление прочитано",
    "site.read_all_notices": "Все уведомления прочитаны",
    "hotline.certificate": "Карточка сертификата для горячей линии",
    "hotline.reveal": "Просмотр скрытого поля на горячей линии",
    "hotline.start_call": "Начало звонка",
    "hotline.finish_call": "Запись звонка в журнал",
    "certificates.forgot_number": "Напоминание номера сертификата",
    "accounts.reset_password": "Новый пароль по ссылке из письма",
    "accounts.change_password": "Смена пароля",
    "admin.create_user": "Новая учётная запись",
    "admin.user_detail": "Учётная запись пользователя",
    "admin.change_role": "Смена роли пользователя",
    "admin.block_user": "Блокировка учётной записи",
    "admin.unblock_user": "Разблокировка учётной записи",
    "families.add": "Новый ребёнок",
    "families.child": "Карточка ребёнка",
    "families.edit": "Изменение данных ребёнка",
    "families.apply": "Заявление на сертификат",
    "certificates.detail": "Сертификат: баланс и история",
    "certificates.extract": "Выписка по сертификату",
    "certificates.qr": "QR-код сертификата",
    "certificates.request_financing": "Перевод в сертификат ПФ",
    "certificates.join_queue": "Очередь на сертификат ПФ",
    "certificates.verify": "Проверка сертификата",
    "certificates.verify_number": "Проверка сертификата по ссылке",
    "coordinator.application": "Заявление на сертификат",
    "coordinator.confirm": "Подтверждение заявления",
    "coordinator.refuse": "Отказ по заявлению",
    "coordinator.new_period": "Новый период финансирования",
    "coordinator.edit_period": "Изменение периода финансирования",
    "providers.apply": "Заявка на включение в реестр поставщиков",
    "providers.edit": "Сведения о поставщике",
    "providers.add_document": "Документы поставщика",
    "providers.document": "Документ поставщика",
    "providers.remove_document": "Удаление документа поставщика",
    "providers.resubmit": "Повторная подача заявки поставщика",
    "providers.queue": "Заявки поставщиков",
    "providers.review": "Заявка поставщика",
    "providers.approve": "Включение поставщика в реестр",
    "providers.reject": "Отклонение заявки поставщика",
    "programs.index": "Программы поставщика",
    "programs.new": "Новая программа",
    "programs.detail": "Программа в кабинете поставщика",
    "programs.edit": "Изменение программы",
    "programs.document": "Документ программы",
    "programs.submit": "Отправка программы на модерацию",
    "programs.new_group": "Новая группа",
    "programs.edit_group": "Изменение группы",
    "programs.toggle_group": "Открытие и закрытие набора в группу",
    "programs.moderation": "Модерация программ",
    "programs.review": "Программа на модерации",
    "programs.publish": "Публикация программы",
    "programs.return_program": "Возврат программы на доработку",
    "navigator.program": "Страница программы",
    "navigator.program_document": "Документ программы",
    "navigator.provider": "Страница поставщика",
    # --- enrolment: provider and coordinator ---
    "enrollments.provider_requests": "Заявки на обучение",
    "enrollments.provider_request": "Заявка на обучение",
    "enrollments.accept_request": "Принятие заявки на обучение",
    "enrollments.reject_request": "Отказ по заявке на обучение",
    "enrollments.provider_contracts": "Оферты и договоры поставщика",
    "enrollments.provider_contract": "Оферта или договор в кабинете поставщика",
    "enrollments.provider_terminate": "Расторжение договора поставщиком",
    "enrollments.group_pupils": "Ученики группы",
    "enrollments.disband_group": "Расформирование группы",
    "enrollments.coordinator_contracts": "Договоры и оферты",
    "enrollments.provider_deadlines": "Сроки ответов поставщиков",
    "enrollments.request_form": "Заявка на обучение",
    "enrollments.join_waitlist": "Очередь в группу",
    "enrollments.contract": "Оферта и договор",
    "enrollments.week": "Расписание ребёнка на неделю",
    "enrollments.week_ics": "Календарь занятий ребёнка",
    "enrollments.review_form": "Отзыв о программе",
    "enrollments.provider_reviews": "Отзывы о программах",
    "enrollments.answer_review": "Ответ на отзыв",
    "enrollments.coordinator_reviews": "Отзывы о программах",
    "enrollments.hide_review": "Скрытие отзыва",
    # --- the monthly close: the provider's reports and invoices ---
    "billing.provider_reports": "Отчёты и счета",
    "billing.provider_open_report": "Открытие отчёта за месяц",
    "billing.provider_report": "Отчёт об оказанных услугах за месяц",
    "billing.provider_save_report": "Сохранение и отправка отчёта за месяц",
    "billing.provider_invoice": "Счёт поставщика за месяц",
    # --- the monthly close: the coordinator's queue, decisions and overview ---
    "billing.coordinator_invoices": "Счета поставщиков",
    "billing.coordinator_invoice": "Счёт поставщика на проверке",
    "billing.coordinator_approve": "Одобрение и оплата счёта",
    "billing.coordinator_return": "Возврат счёта на исправление",
    "billing.coordinator_correct": "Исправление счёта после оплаты",
    "billing.coordinator_month": "Закрытие месяца",
}


def section_title(endpoint: str | None) -> str:
    """The Russian title of the page or action behind `endpoint` («coordinator.dashboard» →
    «Кабинет координатора»): its own title, the menu's label, or its blueprint's section."""
    if not endpoint:
        return "Неизвестная страница"
    if endpoint in PAGE_TITLES:
        return PAGE_TITLES[endpoint]
    for menu in (PUBLIC_MENU, *ROLE_MENUS.values()):
        for item in menu:
            if item.endpoint == endpoint:
                return item.label
    return SECTION_LABELS.get(endpoint.partition(".")[0], "Раздел сайта")
