"""The family's enrolment forms: the request (the child, the schedule override, a comment),
the waitlist, the acceptance of an offer (the terms read, paying in full) and the
termination with a reason. Every one carries the CSRF token."""

from __future__ import annotations

from wtforms import BooleanField, HiddenField, TextAreaField
from wtforms.validators import Length

from pfdo.enrollments.models import REASON_MAX
from pfdo.forms import BaseForm, required
from pfdo.identifiers import MAX_ID, is_ascii_digits

TOO_LONG = f"Не длиннее {REASON_MAX} символов"


class ChildForm(BaseForm):
    """A form for one of the parent's children: the view checks that the child is theirs."""

    child = HiddenField()

    @property
    def child_id(self) -> int | None:
        """The child's id, or None when absent or not a number (a hand-made request)."""
        text = (self.child.data or "").strip()
        if not is_ascii_digits(text) or len(text) > 10 or int(text) > MAX_ID:
            return None
        return int(text)


class RequestForm(ChildForm):
    confirm_schedule = BooleanField("Всё равно отправить",
                                    description="Занятия совпадают по времени с другими "
                                                "занятиями ребёнка")
    comment = TextAreaField("Комментарий для поставщика", [Length(max=REASON_MAX,
                                                                  message=TOO_LONG)],
                            description="Необязательно: например, удобное время для звонка")


class AcceptForm(BaseForm):
    #: the split the family read (terms.fingerprint)
    fingerprint = HiddenField()
    pay_in_full = BooleanField("Оплачу полную стоимость",
                               description="Сертификат за эту программу платить не будет: "
                                           "семья оплачивает каждый месяц целиком")


class TerminateForm(BaseForm):
    reason = TextAreaField("Причина расторжения",
                           [required("Напишите причину: её прочитает поставщик"),
                            Length(max=REASON_MAX, message=TOO_LONG)])
