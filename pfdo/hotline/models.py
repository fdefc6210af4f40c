"""The hotline's call log: every call an operator takes, its topic, outcome and the
certificate it was about (docs/domain.md §11)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pfdo import clock
from pfdo.accounts.models import User
from pfdo.certificates.models import Certificate
from pfdo.db import IntPk, db, one_of
from pfdo.enums import LabelledEnum

COMMENT_MAX = 1000


class CallTopic(LabelledEnum):
    BALANCE = "balance", "Баланс"
    ENROLMENT = "enrolment", "Запись"
    FINANCING = "financing", "Перевод в ПФ"
    DOCUMENTS = "documents", "Документы"
    COMPLAINT = "complaint", "Жалоба"
    OTHER = "other", "Другое"


class CallOutcome(LabelledEnum):
    ANSWERED = "answered", "Ответ дан"
    COORDINATOR = "coordinator", "Направлен к координатору"
    PROVIDER = "provider", "Направлен к поставщику"
    CALLBACK = "callback", "Нужно перезвонить"
    DROPPED = "dropped", "Звонок прервался"


class HotlineCall(db.Model):
    """One call: opened when the operator picks up, finished with a topic and an outcome."""

    __table_args__ = (
        one_of("topic", CallTopic, "topic_known"),
        one_of("outcome", CallOutcome, "outcome_known"),
        CheckConstraint("ended_at IS NULL OR (topic IS NOT NULL AND outcome IS NOT NULL)",
                        "finished_has_topic_and_outcome"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", "ends_after_start"),
        Index("ix_hotline_call_operator_id_started_at", "operator_id", "started_at"),
    )

    id: Mapped[IntPk]
    operator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now,
                                                 index=True)
    #: None while the call goes on
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    topic: Mapped[str | None] = mapped_column(String(12))
    outcome: Mapped[str | None] = mapped_column(String(12))
    comment: Mapped[str | None] = mapped_column(String(COMMENT_MAX))
    #: the certificate the call was about, if the caller had one
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"), index=True)

    operator: Mapped[User] = relationship()
    certificate: Mapped[Certificate | None] = relationship()

    @property
    def topic_label(self) -> str:
        return CallTopic(self.topic).label if self.topic else "—"

    @property
    def outcome_label(self) -> str:
        return CallOutcome(self.outcome).label if self.outcome else "—"

    @property
    def seconds(self) -> int | None:
        if self.ended_at is None:
            return None
        return int((clock.aware(self.ended_at) - clock.aware(self.started_at)).total_seconds())
