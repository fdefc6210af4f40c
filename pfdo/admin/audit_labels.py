"""The audit log in Russian: the name of every action, object, detail and coded value, and how a
detail's value reads (money in roubles, certificate numbers grouped, roles by name). A test
scans every `audit.record(...)` call for a label here."""

from __future__ import annotations

from collections.abc import Callable

from pfdo.accounts.models import ROLE_LABELS, Role
from pfdo.certificates.numbers import format_number
from pfdo.hotline.card import REVEAL_REASONS
from pfdo.hotline.lookup import KIND_LABELS as HOTLINE_SEARCH_LABELS
from pfdo.hotline.models import CallOutcome, CallTopic
from pfdo.masking import FIELD_LABELS as PERSONAL_FIELD_LABELS
from pfdo.money import format_rub

ACTION_LABELS = {
    "auth.login": "Вход",
    "auth.login_failed": "Неудачная попытка входа",
    "auth.logout": "Выход",
    "auth.password_changed": "Смена пароля",
    "auth.password_reset_requested": "Запрос восстановления пароля",
    "auth.password_reset": "Восстановление пароля",
    "auth.session_expired": "Сеанс завершён по времени",
    "authz.denied": "Отказ в доступе",
    "user.registered": "Регистрация родителя",
    "user.created": "Создание учётной записи",
    "user.role_changed": "Смена роли",
    "user.blocked": "Блокировка учётной записи",
    "user.unblocked": "Разблокировка учётной записи",
    "user.profile_changed": "Изменение профиля",
    "user.registration_repeated": "Повторная регистрация на существующий адрес",
    "user.phone_left_off": "Телефон не добавлен при регистрации: уже занят",
    "user.email_changed": "Исправлен адрес почты",
    "user.phone_changed": "Исправлен телефон",
    # the personal-data access log (pfdo.audit.access_log)
    "user.list_viewed": "Просмотр списка пользователей (почта, телефоны)",
    "user.viewed": "Просмотр учётной записи пользователя",
    "child.searched": "Поиск заявлений по данным ребёнка",
    "hotline.searched": "Поиск сертификата на горячей линии",
    "privacy.data_exported": "Родитель скачал данные семьи",
    "hotline.certificate_viewed": "Просмотр карточки сертификата на горячей линии",
    "hotline.field_revealed": "Открыто скрытое поле на горячей линии",
    "audit.searched": "Поиск в журнале действий по человеку",
    "hotline.call_logged": "Звонок записан в журнал",
    "municipality.updated": "Изменение настроек муниципалитета",
    "child.added": "Добавлен ребёнок",
    "child.updated": "Изменены данные ребёнка",
    "child.viewed": "Просмотр карточки ребёнка сотрудником",
    "certificate_application.submitted": "Заявление на сертификат",
    "certificate_application.confirmed": "Сертификат выдан",
    "certificate_application.refused": "Отказ в выдаче сертификата",
    "certificate.financing_granted": "Перевод в сертификат ПФ",
    "certificate.queued": "Очередь на сертификат ПФ",
    "certificate.numbers_requested": "Запрос номеров сертификатов на почту",
    "certificate.closed": "Сертификат закрыт",
    "certificate.suspended": "Сертификат приостановлен",
    "period.created": "Создан период финансирования",
    "period.updated": "Изменён период финансирования",
    "period.closed": "Период финансирования закрыт",
    # providers
    "provider.applied": "Заявка поставщика на включение в реестр",
    "provider.resubmitted": "Заявка поставщика подана повторно",
    "provider.approved": "Поставщик включён в реестр",
    "provider.rejected": "Заявка поставщика отклонена",
    "provider.updated": "Изменены сведения о поставщике",
    "provider.document_added": "Документ поставщика приложен",
    "provider.document_removed": "Документ поставщика удалён",
    "provider.document_viewed": "Документ поставщика открыт",
    "provider.staff_attached": "Учётная запись сотрудника прикреплена к поставщику",
    "provider.staff_detached": "Учётная запись сотрудника откреплена от поставщика",
    # (providers: more labels here)
    # programs
    "program.created": "Создана программа",
    "program.updated": "Изменена программа",
    "program.submitted": "Программа отправлена на модерацию",
    "program.published": "Программа опубликована",
    "program.returned": "Программа возвращена на доработку",
    "program.remoderation": "Программа снова на модерации после изменения",
    "program.revision_submitted": "Изменения программы отправлены на модерацию",
    "program.revision_updated": "Изменения программы на модерации дополнены",
    "program.revision_resubmitted": "Изменения программы отправлены повторно",
    "program.revision_published": "Изменения программы опубликованы",
    "program.revision_returned": "Изменения программы возвращены на доработку",
    "program.revision_withdrawn": "Изменения программы отменены",
    "group.created": "Создана группа",
    "group.updated": "Изменена группа",
    "group.opened": "Группа открыта для записи",
    "group.closed": "Группа закрыта для записи",
    # (programs: more labels here)
    # personal data (pfdo.privacy)
    "consent.withdrawn": "Отзыв согласия на обработку персональных данных",
    "consent.given": "Согласие на обработку персональных данных дано снова",
    "certificate_application.withdrawn": "Заявление отозвано вместе с согласием",
    "certificate_application.resumed": "Заявление снова на рассмотрении",
    "certificate.resumed": "Действие сертификата возобновлено",
    "personal_data.erased": "Данные семьи обезличены",
    "personal_data.deletion_requested": "Запрос родителя на удаление данных семьи",
    "personal_data.deletion_cancelled": "Запрос на удаление данных отменён родителем",
    "personal_data.deletion_done": "Запрос на удаление данных выполнен",
    "privacy.deletion_viewed": "Просмотр семьи по запросу на удаление данных",
    # enrolment (pfdo.enrollments)
    "enrolment.requested": "Заявка на обучение",
    "enrolment.withdrawn": "Заявка на обучение отозвана родителем",
    "enrolment.rejected": "Отказ по заявке на обучение",
    "enrolment.accepted": "Заявка принята, направлена оферта",
    "enrolment.expired": "Заявка закрыта: поставщик не ответил в срок",
    "contract.accepted": "Оферта принята, договор заключён",
    "contract.declined": "Оферта отклонена семьёй",
    "contract.lapsed": "Срок оферты истёк",
    "contract.terminated": "Договор расторгнут",
    "contract.rolled_over": "Оплата договора зарезервирована на новый период",
    "group.disbanded": "Группа расформирована",
    "waitlist.joined": "Постановка в очередь в группу",
    "waitlist.left": "Выход из очереди в группу",
    "review.written": "Отзыв о программе",
    "review.answered": "Ответ поставщика на отзыв",
    "review.hidden": "Отзыв скрыт координатором",
    # the monthly close (pfdo.billing)
    "billing.report_saved": "Отчёт за месяц сохранён (черновик)",
    "billing.report_submitted": "Отчёт за месяц отправлен, счёт сформирован",
    "billing.invoice_returned": "Счёт возвращён поставщику на исправление",
    "billing.invoice_approved": "Счёт одобрен",
    "billing.invoice_paid": "Счёт оплачен",
    "billing.month_corrected": "Исправление оплаченного счёта",
}


#: Russian names of the logged objects and of the keys of `details`
OBJECT_LABELS = {
    "User": "Учётная запись",
    "Municipality": "Муниципалитет",
    "Child": "Ребёнок",
    "CertificateApplication": "Заявление",
    "Certificate": "Сертификат",
    "FinancingPeriod": "Период",
    "Provider": "Поставщик",
    "ProviderDocument": "Документ поставщика",
    "Program": "Программа",
    "Group": "Группа",
    "Consent": "Согласие на обработку ПДн",
    "EnrollmentRequest": "Заявка на обучение",
    "Contract": "Договор (оферта)",
    "WaitlistEntry": "Место в очереди",
    "Review": "Отзыв",
    "ServiceReport": "Отчёт за месяц",
    "Invoice": "Счёт",
    "DeletionRequest": "Запрос на удаление данных",
}
DETAIL_LABELS = {
    "search_by": "искали",
    "children": "детей",
    "found": "найдены сертификаты (№ записи)",
    "field": "поле",
    "topic": "тема",
    "outcome": "итог",
    "role": "роль",
    "from": "было",
    "to": "стало",
    "login": "введённый логин",
    "reason": "причина",
    "endpoint": "раздел",
    "method": "действие",
    "path": "адрес",
    "changed": "изменены поля",
    "consent_version": "редакция согласия",
    "demo": "демо-данные",
    "provider": "поставщик (№)",
    "kind": "вид документа",
    "title": "название",
    "revision": "версия программы (№)",
    "applications_withdrawn": "отозвано заявлений",
    "certificates_suspended": "приостановлено сертификатов",
    "children_erased": "обезличено детей",
    "certificates_closed": "закрыто сертификатов",
    "contracts_ended": "расторгнуто договоров",
    "basis": "основание",
    "due_on": "выполнить до",
    "request": "запрос на удаление (№)",
    "user": "учётная запись (№)",
    "users": "показанные учётные записи (№)",
    "query": "запрос",
    "page": "страница",
    "export": "выгрузка в XLSX",
    "status": "статус",
    "applications": "найденные заявления (№)",
    "exported": "скачаны таблицей (XLSX)",
    "application": "заявление (№)",
    "certificate": "сертификат",
    "period": "период",
    "amount": "сумма",
    "source": "основание",
    "returned": "возвращено в фонд",
    "certificates": "обработано сертификатов",
    "nominal": "номинал",
    "quota": "сертификатов ПФ (квота)",
    "budget": "бюджет",
    "duplicates": "показаны возможные дубликаты (дети №)",
    # enrolment
    "group": "группа (№)",
    "child": "ребёнок (№)",
    "contract": "договор (№)",
    "contracts": "расторгнуто договоров",
    "program": "программа (№)",
    "months": "месяцев по договору",
    "reserved": "зарезервировано",
    "planned": "было запланировано",
    "released": "возвращено на сертификат",
    "pay_in_full": "без оплаты сертификатом",
    "by": "по инициативе",
    "rating": "оценка",
    # the monthly close
    "month": "месяц",
    "delivered": "месяцев оказано",
    "not_delivered": "месяцев не оказано",
    "remarks": "замечания",
}
#: Details that are sums of money in kopecks, and that are certificate numbers
MONEY_DETAILS = {"amount", "returned", "nominal", "budget", "reserved", "released",
                 "planned"}
NUMBER_DETAILS = {"certificate"}
#: Names of changed fields (the "changed" detail), as the forms call them
FIELD_LABELS = {
    "name": "название",
    "region_name": "субъект РФ",
    "region_code": "код региона",
    "municipality_code": "код муниципалитета",
    "timezone": "часовой пояс",
    "hotline_phone": "телефон горячей линии",
    "hotline_hours": "часы работы горячей линии",
    "coordinator_name": "уполномоченный орган",
    "address": "адрес",
    "email": "почта",
    "child_population": "число детей",
    # providers
    "legal_form": "организационно-правовая форма",
    "full_name": "полное наименование",
    "short_name": "краткое наименование",
    "inn": "ИНН",
    "ogrn": "ОГРН",
    "district": "район",
    "contact_name": "контактное лицо",
    "phone": "телефон",
    "website": "сайт",
    "licence_number": "номер лицензии",
    "licence_date": "дата лицензии",
    "description": "описание",
}
#: Values of a detail that are codes, by their Russian names: (detail, code) -> label
VALUE_LABELS = {
    **{("search_by", code): label for code, label in HOTLINE_SEARCH_LABELS.items()},
    **{("field", str(code)): label for code, label in PERSONAL_FIELD_LABELS.items()},
    **{("reason", code): label for code, label in REVEAL_REASONS.items()},
    **{("topic", str(t)): t.label for t in CallTopic},
    **{("outcome", str(o)): o.label for o in CallOutcome},
    ("reason", "blocked"): "учётная запись заблокирована",
    ("reason", "age"): "ребёнку исполнилось 18 лет",
    ("kind", "charter"): "устав",
    ("kind", "egrul"): "выписка из ЕГРЮЛ / ЕГРИП",
    ("kind", "licence"): "лицензия",
    ("kind", "other"): "другой документ",
    ("source", "request"): "по заявлению родителя",
    ("source", "period_open"): "открытие периода финансирования",
    ("source", "queue"): "место из очереди",
    ("method", "GET"): "открытие страницы",
    ("method", "HEAD"): "открытие страницы",
    ("method", "POST"): "отправка формы",
    ("reason", "consent_withdrawn"): "отзыв согласия на обработку ПДн",
    ("reason", "deletion_request"): "запрос родителя на удаление данных",
    ("basis", "consent_withdrawn"): "30 дней после отзыва согласия на обработку ПДн",
    ("basis", "deletion_request"): "запрос родителя на удаление данных",
    ("reason", "wrong_password"): "неверный пароль",
    ("reason", "no_password"): "пароль ещё не задан",
    ("reason", "unknown_login"): "неизвестный логин",
    ("by", "parent"): "родителя",
    ("by", "provider"): "поставщика",
    ("by", "group_closed"): "группа расформирована",
    ("by", "certificate"): "сертификат закрыт",
    ("source", "enrolment"): "зачисление на сертифицированную программу",
}


def describe_details(details: dict | None, *,
                     endpoint_title: Callable[[str], str] | None = None) -> list[tuple[str, str]]:
    """The event's details as (Russian label, readable value) pairs for the admin's log: roles,
    codes and field names by their Russian names, money in roubles, certificate numbers
    grouped, the section of a refused request by its title (`endpoint_title`, from the
    navigation)."""
    rows = []
    for key, value in (details or {}).items():
        if key in ("role", "from", "to") and value in {str(r) for r in Role}:
            shown = ROLE_LABELS[Role(value)]
        elif key == "endpoint" and endpoint_title is not None and isinstance(value, str):
            shown = endpoint_title(value)
        elif key in MONEY_DETAILS and isinstance(value, int) and not isinstance(value, bool):
            shown = format_rub(value)
        elif key in NUMBER_DETAILS and isinstance(value, str):
            shown = format_number(value)
        elif isinstance(value, list):
            shown = ", ".join(FIELD_LABELS.get(str(v), str(v)) for v in value)
        elif isinstance(value, bool):
            shown = "да" if value else "нет"
        elif isinstance(value, str):
            shown = VALUE_LABELS.get((key, value), value)
        else:
            shown = str(value)
        rows.append((DETAIL_LABELS.get(key, key), shown))
    return rows


