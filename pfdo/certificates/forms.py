"""The confirmation of the conversion to a financing certificate."""

from __future__ import annotations

from wtforms import HiddenField

from pfdo.forms import BaseForm
from pfdo.identifiers import is_ascii_digits


class FinancingForm(BaseForm):
    """The preview's «Перевести»: CSRF and the sum the family was shown, in kopecks."""

    amount = HiddenField()

    @property
    def expected_amount(self) -> int | None:
        """The sum from the preview; None when absent or unreadable (then it is not checked
        against, and the grant's own rules still apply)."""
        text = (self.amount.data or "").strip()
        return int(text) if is_ascii_digits(text) and len(text) <= 15 else None
