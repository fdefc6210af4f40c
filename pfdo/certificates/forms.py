"""The confirmation of the conversion to a financing certificate."""

from __future__ import annotations

from wtforms import HiddenField

from pfdo.certificates.financing import REQUEST_KEY
from pfdo.errors import DomainError
from pfdo.forms import BaseForm
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
