"""The confirmation of the conversion to a financing certificate; the «Забыли номер
сертификата?» form."""

from __future__ import annotations

from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, ValidationError

from pfdo.accounts.validation import normalize_phone
from pfdo.certificates.financing import REQUEST_KEY
from pfdo.certificates.models import CERTIFICATE_STATUS_LABELS, KIND_LABELS
from pfdo.errors import DomainError
from pfdo.forms import BaseForm, FilterForm, required
from pfdo.identifiers import is_ascii_digits

BAD_REQUEST_KEY = ("Форма подтверждения повреждена. Откройте расчёт перевода заново и "
                   "подтвердите ещё раз.")


class FinancingForm(BaseForm):
    """The preview's «Перевести»: CSRF, the sum the family was shown, in kopecks, and the
    form's idempotency key (made when the preview was rendered: a double submit or a replay
    of this form carries the same key, so it gets the same answer and spends nothing more)."""

    amount = HiddenField()
    idempotency_key = HiddenField()

    @property
    def expected_amount(self) -> int | None:
        """The sum from the preview; None when absent or unreadable (then it is not checked
        against, and the grant's own rules still apply)."""
        text = (self.amount.data or "").strip()
        return int(text) if is_ascii_digits(text) and len(text) <= 15 else None

    @property
    def request_key(self) -> str | None:
        """The idempotency key; None when the form carried none (a page rendered before the
        key existed: then a repeat is refused as «уже переведён», as it always was).
        Refuses (DomainError, answered 400) a key of any other shape than the form makes."""
        key = self.idempotency_key.data
        if not key:
            return None
        if not REQUEST_KEY.fullmatch(key):
            raise DomainError(BAD_REQUEST_KEY)
        return key


#: an e-mail address is at most 254 characters; a phone, in any spelling, far fewer
LOGIN_MAX_LENGTH = 254


def _login_shape(form, field):
    """An e-mail (the service has the last word on its spelling) or a readable phone number."""
    value = (field.data or "").strip()
    if len(value) > LOGIN_MAX_LENGTH:
        raise ValidationError("Слишком длинно: адрес почты или номер телефона не бывает "
                              f"длиннее {LOGIN_MAX_LENGTH} символов")
    if "@" not in value and normalize_phone(value) is None:
        raise ValidationError("Укажите адрес электронной почты (например, anna@mail.ru) или "
                              "номер мобильного телефона (+7 914 123-45-67)")


class NumberReminderForm(BaseForm):
    """«Забыли номер сертификата?»: the e-mail or phone the family registered with."""

    login = StringField("Электронная почта или телефон",
                        [required("Укажите почту или телефон"), _login_shape])


class RegistryFilterForm(FilterForm):
    q = StringField("Поиск", description="Номер сертификата, СНИЛС или начало фамилии ребёнка",
                    validators=[Length(max=100)])
    status = SelectField("Статус", validate_choice=False,
                         choices=[SelectChoice("", "Все"),
                                  *(SelectChoice(str(s), label.capitalize())
                                    for s, label in CERTIFICATE_STATUS_LABELS.items())])
    kind = SelectField("Вид", validate_choice=False,
                       choices=[SelectChoice("", "Все"),
                                *(SelectChoice(str(k), label.capitalize())
                                  for k, label in KIND_LABELS.items())])


class SuspendForm(BaseForm):
    reason = TextAreaField("Причина приостановки",
                           [required("Напишите причину: её прочитает родитель"),
                            Length(max=500)], render_kw={"rows": 3},
                           description="Её прочитает родитель в уведомлении и на странице "
                                       "сертификата.")
