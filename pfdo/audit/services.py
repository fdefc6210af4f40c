"""One API for the audit log: `record(actor, action, obj, details)`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import has_request_context, request
from sqlalchemy import select

from pfdo.accounts.models import User
from pfdo.audit.models import AuditEvent
from pfdo.db import db

#: Russian names of the actions, for the admin's log view
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
    "municipality.updated": "Изменение настроек муниципалитета",
    "child.added": "Добавлен ребёнок",
    "child.updated": "Изменены данные ребёнка",
    "child.viewed": "Просмотр карточки ребёнка сотрудником",
    "certificate_application.submitted": "Заявление на сертификат",
    "certificate_application.confirmed": "Сертификат выдан",
    "certificate_application.refused": "Отказ в выдаче сертификата",
    "certificate.financing_granted": "Перевод в сертификат ПФ",
    "certificate.queued": "Очередь на сертификат ПФ",
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
    # (providers: more labels here)
    # programs
    "program.created": "Создана программа",
    "program.updated": "Изменена программа",
    "program.submitted": "Программа отправлена на модерацию",
    "program.published": "Программа опубликована",
    "program.returned": "Программа возвращена на доработку",
    "program.remoderation": "Программа снова на модерации после изменения",
    "group.created": "Создана группа",
    "group.updated": "Изменена группа",
    "group.opened": "Группа открыта для записи",
    "group.closed": "Группа закрыта для записи",
    # (programs: more labels here)
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
}
DETAIL_LABELS = {
    "role": "роль",
    "from": "было",
    "to": "стало",
    "login": "введённый логин",
    "reason": "причина",
    "endpoint": "раздел",
    "method": "метод",
    "path": "адрес",
    "changed": "изменены поля",
    "consent_version": "редакция согласия",
    "demo": "демо-данные",
    "provider": "поставщик (№)",
    "kind": "вид документа",
    "title": "название",
    "application": "заявление (№)",
    "duplicates": "показаны возможные дубликаты (дети №)",
}
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
#: Values that are codes: shown by their Russian names
VALUE_LABELS = {
    "blocked": "учётная запись заблокирована",
    "charter": "устав",
    "egrul": "выписка из ЕГРЮЛ / ЕГРИП",
    "licence": "лицензия",
    "other": "другой документ",
}


def describe_details(details: dict | None) -> list[tuple[str, str]]:
    """The event's details as (Russian label, readable value) pairs for the admin's log."""
    from pfdo.accounts.models import ROLE_LABELS, Role

    rows = []
    for key, value in (details or {}).items():
        if key in ("role", "from", "to") and value in {str(r) for r in Role}:
            shown = ROLE_LABELS[Role(value)]
        elif isinstance(value, list):
            shown = ", ".join(FIELD_LABELS.get(str(v), str(v)) for v in value)
        elif isinstance(value, bool):
            shown = "да" if value else "нет"
        elif isinstance(value, str):
            shown = VALUE_LABELS.get(value, value)
        else:
            shown = str(value)
        rows.append((DETAIL_LABELS.get(key, key), shown))
    return rows


def record(actor: User | None, action: str, obj=None, details: dict | None = None) -> AuditEvent:
    """Append one event to the log in the caller's transaction: it commits or rolls back with it."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_role=actor.role if actor is not None else None,
        ip=request.remote_addr if has_request_context() else None,
        action=action,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=str(obj.id) if obj is not None and getattr(obj, "id", None) is not None else None,
        details=details or {},
    )
    db.session.add(event)
    db.session.flush()
    return event


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor: str = ""  # e-mail or a part of it
    date_from: date | None = None
    date_to: date | None = None


def search(flt: AuditFilter, *, tz: str, page: int = 1, per_page: int = 50):
    """The admin's view of the log: newest first, filtered, paginated."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if flt.action:
        query = query.where(AuditEvent.action == flt.action)
    if flt.actor:
        query = query.join(User, AuditEvent.actor_id == User.id).where(
            User.email.contains(flt.actor.strip().lower(), autoescape=True)
        )
    zone = ZoneInfo(tz)
    # Local midnights as UTC: SQLite stores UTC wall time and would compare the local one.
    if flt.date_from:
        start = datetime.combine(flt.date_from, time(), zone).astimezone(UTC)
        query = query.where(AuditEvent.created_at >= start)
    if flt.date_to:
        end = datetime.combine(flt.date_to + timedelta(days=1), time(), zone).astimezone(UTC)
        query = query.where(AuditEvent.created_at < end)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
