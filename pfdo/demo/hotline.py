"""Demo hotline: two weeks of calls taken by the demo operator and a colleague, on working
days within the hotline's hours (the municipality's time), each started and finished through
the call log's services at its own moment; most name the caller's certificate."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from faker import Faker
from sqlalchemy import select

from pfdo import clock
from pfdo.accounts.models import Role, User
from pfdo.certificates.models import Certificate, CertificateStatus
from pfdo.db import db, unit_of_work
from pfdo.hotline import calls
from pfdo.municipality import services as municipality

DAYS = 14
#: (topic, weight, [(outcome, weight)], comments)
TOPICS = [
    ("balance", 30, [("answered", 9), ("callback", 1)],
     ["Спросили остаток на сертификате", "Почему уменьшился баланс: оплата за месяц",
      "Сколько зарезервировано по договору"]),
    ("enrolment", 22, [("answered", 6), ("provider", 3), ("callback", 1)],
     ["Как записаться в кружок через навигатор", "Поставщик не отвечает на заявку",
      "Где найти договор-оферту"]),
    ("financing", 14, [("answered", 7), ("coordinator", 3)],
     ["Как перевести сертификат в ПФ", "Остались ли места на сертификаты ПФ"]),
    ("documents", 14, [("coordinator", 6), ("answered", 4)],
     ["Ошибка в СНИЛС ребёнка", "Какие документы нужны для заявления",
      "Забыли номер сертификата"]),
    ("complaint", 5, [("coordinator", 3), ("provider", 2)],
     ["Жалоба на отмену занятий", "Недоволен ответом поставщика"]),
    ("other", 15, [("answered", 6), ("dropped", 2)],
     ["Часы работы горячей линии", "Вопрос не по сертификату", ""]),
]
COLLEAGUE = ("Кузнецова", "Татьяна", "Андреевна")


def _pick(rng: random.Random, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def seed_hotline(fake: Faker) -> int:
    """The calls of the last DAYS days, up to now; returns how many."""
    rng = fake.random
    operator = db.session.scalars(select(User).where(User.role == Role.HOTLINE)
                                  .order_by(User.id)).first()
    if operator is None:
        return 0
    with unit_of_work():
        colleague = User(role=Role.HOTLINE, email="kuznetsova.hotline@leninsk-eao.ru",
                         last_name=COLLEAGUE[0], first_name=COLLEAGUE[1],
                         middle_name=COLLEAGUE[2], password_hash=None)
        db.session.add(colleague)
    operators = [operator.id, colleague.id]
    certificates = list(db.session.scalars(
        select(Certificate.id).where(Certificate.status == CertificateStatus.ACTIVE)
        .order_by(Certificate.id)))
    zone = ZoneInfo(municipality.timezone())
    now = clock.now()
    today = municipality.local_today()
    taken = 0
    for back in range(DAYS - 1, -1, -1):
        day = today - timedelta(days=back)
        if day.weekday() >= 5:
            continue
        for _ in range(rng.randint(6, 14)):
            minute = rng.choice([m for m in range(9 * 60, 18 * 60) if not 13 * 60 <= m < 14 * 60])
            start = datetime.combine(day, time(minute // 60, minute % 60, rng.randint(0, 59)),
                                     zone)
            end = start + timedelta(seconds=rng.randint(40, 600))
            if end > now:
                continue
            topic = _pick(rng, [(t[0], t[1]) for t in TOPICS])
            _, _, outcomes, comments = next(t for t in TOPICS if t[0] == topic)
            user = db.session.get(User, rng.choices(operators, weights=[3, 2])[0])
            certificate = (rng.choice(certificates)
                           if certificates and rng.random() < 0.75 else None)
            with clock.freeze(start):
                call = calls.start_call(user, certificate_id=certificate)
            with clock.freeze(end):
                calls.finish_call(user, call.id, calls.Finish(
                    topic, _pick(rng, outcomes), rng.choice(comments)))
            taken += 1
    return taken
