"""The audit log: append-only in the database, written with the operation it records, and the
admin's filtered view of it (dates in the municipality's time zone)."""

from __future__ import annotations

import ast
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from pfdo.accounts import services as accounts
from pfdo.accounts.models import User
from pfdo.audit.models import AuditEvent
from pfdo.db import db
from tests.conftest import form_post, login

ROW = re.compile(r"<tr>\s*(<td.*?)</tr>", re.S)
CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)


def events(app, action: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return db.session.scalars(query).all()


def log_rows(client, **params) -> list[tuple[str, str, str]]:
    """(time, actor's e-mail or «система», event) for each row of the admin's log."""
    response = client.get("/admin/audit", query_string=params, headers={"HX-Request": "true"})
    assert response.status_code == 200
    rows = []
    for row in ROW.findall(response.get_data(as_text=True)):
        time, actor, action = (CELL.findall(row) + ["", "", ""])[:3]
        email = re.search(r"[\w.+-]+@[\w.-]+", actor)
        rows.append((time.strip(), email.group(0) if email else "система", action.strip()))
    return rows


# --- Append-only ------------------------------------------------------------------------

@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET action = 'auth.login' WHERE action = 'auth.login_failed'",
        "UPDATE audit_event SET actor_id = NULL",
        "DELETE FROM audit_event",
        "DELETE FROM audit_event WHERE action = 'auth.login_failed'",
    ],
)
def test_database_refuses_to_change_or_delete_audit_rows(app, client, make, statement):
    user = make.user("coordinator")
    login(client, user.email, "wrong-password-1")
    with app.app_context():
        with pytest.raises(DBAPIError) as refused, db.engine.begin() as conn:
            conn.execute(text(statement))
        assert "append-only" in str(refused.value)
    [event] = events(app)
    assert (event.action, event.actor_id) == ("auth.login_failed", user.id)


def test_audited_operation_that_fails_leaves_no_audit_row(app, make, monkeypatch):
    admin = make.user("admin")
    flushed = []

    def mail_server_refuses(*args, **kwargs):
        # By now the audit row has been written in the operation's transaction...
        flushed.append(db.session.scalar(select(func.count()).select_from(AuditEvent)))
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(accounts, "queue_email", mail_server_refuses)
    account = accounts.StaffAccount(name=accounts.PersonName("Петров", "Пётр"),
                                    email="petrov@example.ru", role="coordinator")
    with app.app_context(), pytest.raises(RuntimeError):
        accounts.create_staff_user(account, actor=admin)
    assert flushed == [1]
    # ...and it is rolled back together with the account.
    assert events(app) == []
    with app.app_context():
        assert db.session.scalars(select(User.email)).all() == [admin.email]


# --- What is recorded -------------------------------------------------------------------

def test_login_failed_login_and_logout_are_recorded_with_actor_and_ip(app, client, make):
    user = make.user("coordinator", email="coordinator@example.ru")
    remote = {"environ_base": {"REMOTE_ADDR": "203.0.113.7"}}
    response = form_post(client, "/login", {"login": user.email, "password": "not-the-password"},
                         page="/login", **remote)
    assert response.status_code == 422
    response = form_post(client, "/login", {"login": "nobody@example.ru", "password": "x"},
                         page="/login", **remote)
    assert response.status_code == 422
    response = form_post(client, "/login", {"login": user.email,
                                            "password": "синий-кит-плывёт-2026"},
                         page="/login", **remote)
    assert response.status_code == 302
    assert form_post(client, "/logout", page="/account", **remote).status_code == 302

    recorded = [(e.action, e.actor_id, e.actor_role, e.ip) for e in events(app)]
    assert recorded == [
        ("auth.login_failed", user.id, "coordinator", "203.0.113.7"),
        ("auth.login_failed", None, None, "203.0.113.7"),
        ("auth.login", user.id, "coordinator", "203.0.113.7"),
        ("auth.logout", user.id, "coordinator", "203.0.113.7"),
    ]
    assert events(app)[1].details == {"reason": "unknown_login", "login": "nobody@example.ru"}


# --- The admin's view -------------------------------------------------------------------

@pytest.fixture
def history(app, make, frozen_clock):
    """Events on three local days in Vladivostok (UTC+10); returns the admin's client."""
    make.municipality()  # Asia/Vladivostok
    coordinator = make.user("coordinator", email="coordinator@leninsk-eao.ru")
    hotline = make.user("hotline", email="hotline@leninsk-eao.ru")
    admin = make.user("admin", email="admin@leninsk-eao.ru")
    # 15.03 10:00 UTC = 15.03 20:00 in Vladivostok
    assert login(app.test_client(), coordinator.email, "wrong-password-1").status_code == 422
    frozen_clock.advance(timedelta(hours=5))
    # 15.03 15:00 UTC = 16.03 01:00 in Vladivostok: the same UTC day, the next local one
    assert login(app.test_client(), coordinator.email).status_code == 302
    frozen_clock.advance(timedelta(days=1))
    # 16.03 15:00 UTC = 17.03 01:00 in Vladivostok
    assert login(app.test_client(), hotline.email).status_code == 302
    client = app.test_client()
    assert login(client, admin.email).status_code == 302
    return client


FAILED = ("15.03.2026 20:00", "coordinator@leninsk-eao.ru", "Неудачная попытка входа")
COORDINATOR_IN = ("16.03.2026 01:00", "coordinator@leninsk-eao.ru", "Вход")
HOTLINE_IN = ("17.03.2026 01:00", "hotline@leninsk-eao.ru", "Вход")
ADMIN_IN = ("17.03.2026 01:00", "admin@leninsk-eao.ru", "Вход")
MUNICIPALITY = ("15.03.2026 20:00", "система", "Изменение настроек муниципалитета")


def test_log_shows_times_in_the_municipalitys_zone_newest_first(history):
    assert log_rows(history) == [ADMIN_IN, HOTLINE_IN, COORDINATOR_IN, FAILED, MUNICIPALITY]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"action": "auth.login_failed"}, [FAILED]),
        ({"action": "auth.login"}, [ADMIN_IN, HOTLINE_IN, COORDINATOR_IN]),
        ({"actor": "COORDINATOR@"}, [COORDINATOR_IN, FAILED]),
        ({"actor": "hotline"}, [HOTLINE_IN]),
        ({"actor": "coordinator", "action": "auth.login"}, [COORDINATOR_IN]),
        ({"date_from": "2026-03-16"}, [ADMIN_IN, HOTLINE_IN, COORDINATOR_IN]),
        ({"date_from": "2026-03-16", "date_to": "2026-03-16"}, [COORDINATOR_IN]),
        ({"date_to": "2026-03-15"}, [FAILED, MUNICIPALITY]),
        ({"date_from": "2026-03-17", "date_to": "2026-03-17"}, [ADMIN_IN, HOTLINE_IN]),
        ({"date_from": "2026-03-18"}, []),
    ],
)
def test_log_filters_by_action_actor_and_local_dates(history, params, expected):
    assert log_rows(history, **params) == expected


@pytest.mark.parametrize(("bad", "message"), [
    ("16.03.2026x", "Дата в формате дд.мм.гггг"),
    ("2026-02-30", "Такой даты нет: в феврале 2026 года 28 дней"),
    ("вчера", "Дата в формате дд.мм.гггг")])
def test_malformed_date_is_shown_as_an_error_and_ignored(history, bad, message):
    response = history.get("/admin/audit", query_string={"date_from": bad})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert "Найдено 5 записей" in html  # the bad date filters nothing out
    assert log_rows(history, date_from=bad, action="auth.login_failed") == [FAILED]


@pytest.mark.parametrize("role", ["parent", "coordinator", "hotline"])
def test_only_the_admin_sees_the_log(app, client, login_as, role):
    login_as(role)
    assert client.get("/admin/audit").status_code == 403
    assert events(app, "authz.denied")[-1].details["endpoint"] == "admin.audit_log"


def test_details_are_shown_in_russian():
    from pfdo.admin.audit_labels import describe_details

    assert describe_details({"from": "hotline", "to": "coordinator", "demo": True,
                             "changed": ["address", "name"], "reason": "blocked"}) == [
        ("было", "Оператор горячей линии"),
        ("стало", "Муниципальный координатор"),
        ("демо-данные", "да"),
        ("изменены поля", "адрес, название"),
        ("причина", "учётная запись заблокирована"),
    ]


# --- No codes in the admin's view ---------------------------------------------------------

PFDO = Path(__file__).resolve().parents[1] / "pfdo"


def recorded_events() -> list[tuple[str, str, set[str]]]:
    """(file, action, detail keys) of every `record(...)` and `record_access(...)` call in pfdo/
    whose action is written out (a literal, or either branch of a conditional), and every audit
    action of the program state machine's table."""
    found = []
    for path in PFDO.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and len(node.args) >= 2 and getattr(
                    node.func, "attr", getattr(node.func, "id", None)) in ("record",
                                                                           "record_access")):
                continue
            action = node.args[1]
            actions = [action.body, action.orelse] if isinstance(action, ast.IfExp) else [action]
            details = node.args[3] if len(node.args) > 3 else None
            keys = {k.value for k in details.keys if isinstance(k, ast.Constant)} \
                if isinstance(details, ast.Dict) else set()
            for one in actions:
                if isinstance(one, ast.Constant):
                    found.append((path.name, one.value, keys))
    from pfdo.programs.moderation import ACTIONS

    found += [("programs/moderation.py", spec.audit,
               {"from", "to", "reason", "changed", "revision"})
              for spec in ACTIONS.values()]
    return found


def test_every_recorded_action_and_detail_has_a_russian_label():
    from pfdo.admin.audit_labels import ACTION_LABELS, DETAIL_LABELS

    events = recorded_events()
    assert len(events) > 40  # the scan sees the calls
    unlabelled = [(f, a) for f, a, _ in events if a not in ACTION_LABELS]
    assert unlabelled == []
    keys = [(f, a, k) for f, a, ks in events for k in ks if k not in DETAIL_LABELS]
    assert keys == []


def test_codes_in_details_are_shown_by_their_russian_names():
    from pfdo.admin.audit_labels import describe_details
    from pfdo.navigation import section_title

    shown = describe_details(
        {"certificate": "7905000019", "amount": 1_745_600, "period": "2026 год",
         "source": "period_open", "endpoint": "coordinator.dashboard", "method": "POST",
         "reason": "age", "returned": 150_050, "certificates": 3},
        endpoint_title=section_title)
    assert shown == [
        ("сертификат", "79 05 00001 9"),
        ("сумма", "17\u00a0456,00\u00a0₽"),
        ("период", "2026 год"),
        ("основание", "открытие периода финансирования"),
        ("раздел", "Кабинет координатора"),
        ("действие", "отправка формы"),
        ("причина", "ребёнку исполнилось 18 лет"),
        ("возвращено в фонд", "1\u00a0500,50\u00a0₽"),
        ("обработано сертификатов", "3"),
    ]


def test_every_page_has_a_russian_section_title(app):
    from pfdo.navigation import section_title

    titles = {rule.endpoint: section_title(rule.endpoint) for rule in app.url_map.iter_rules()
              if rule.endpoint != "static"}
    not_russian = {e: t for e, t in titles.items()
                   if not re.fullmatch(r"(QR-|[А-ЯЁ])[А-ЯЁа-яё0-9 :,«»()\-]+", t) or "." in t}
    assert not_russian == {}
    assert titles["admin.audit_log"] == "Журнал действий"
    assert titles["coordinator.application"] == "Заявление на сертификат"


def test_a_refused_request_is_shown_by_section_and_action_in_russian(app, client, make,
                                                                     login_as):
    make.municipality()
    login_as("parent")
    assert client.get("/admin/audit").status_code == 403
    admin = make.user("admin")
    viewer = app.test_client()
    login(viewer, admin.email)
    html = viewer.get("/admin/audit", query_string={"action": "authz.denied"}).get_data(
        as_text=True)
    shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[html.index('id="results"'):]))
    assert "Отказ в доступе" in shown
    assert "раздел: Журнал действий" in shown and "действие: открытие страницы" in shown
    assert "адрес: /admin/audit" in shown
    assert "admin.audit_log" not in shown and "GET" not in shown
    assert "Время — по часовому поясу Владивосток (МСК+7, UTC+10)." in html
    assert "Asia/Vladivostok" not in html


def test_the_admin_downloads_the_filtered_log_as_xlsx(app, client, login_as):
    import io

    import openpyxl
    login_as("admin")
    client.get("/admin/users")  # a personal-data view, so the log has such a record
    response = client.get("/admin/audit.xlsx", query_string={"action": "personal_data"})
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.get_data())).active.iter_rows(
        values_only=True))
    assert rows[0] == ("Время", "Кто", "Роль", "Адрес", "Действие", "Чьи данные", "Объект",
                       "Подробности")
    assert rows[1:] and all(row[4].startswith("Просмотр") for row in rows[1:])
    assert all("(учётная запись)" in row[5] for row in rows[1:])  # whose contacts were shown
