"""The forms of the provider's reports: opening a month's report, and the report itself — one
«Занятия проводились» checkbox and a comment per line.

The report's lines are not WTForms fields (a month may hold hundreds): each line posts a hidden
`line` with its id (an unchecked checkbox sends nothing, so the ids say which lines the page
showed), `delivered-<id>` when checked and `comment-<id>`. `ReportForm.read` turns them into
`reports.Mark`s, or per-line errors shown beside each line's comment."""

from __future__ import annotations

import re
from dataclasses import dataclass

from wtforms import HiddenField, StringField

from pfdo.billing.models import COMMENT_MAX
from pfdo.billing.reports import Mark
from pfdo.forms import CONTROL_CHARACTERS, BaseForm
from pfdo.identifiers import MAX_ID, has_control_characters

SAVE, SUBMIT = "save", "submit"
COMMENT_NEEDED = "Укажите, почему занятия не проводились"
COMMENT_TOO_LONG = f"Не длиннее {COMMENT_MAX} символов"
UNKNOWN_LINE = "Строка отчёта не найдена: обновите страницу"
CHECK_LINES = "Отчёт не сохранён: проверьте строки, отмеченные красным."
_ID = re.compile(r"[0-9]{1,10}")
_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")


class OpenReportForm(BaseForm):
    """«Заполнить отчёт» for a month (2026-10)."""

    month = HiddenField()

    def month_key(self) -> str:
        """The month as posted, if it has the shape ГГГГ-ММ in ASCII digits; "" otherwise (the
        service refuses it with its message)."""
        value = (self.month.data or "").strip()
        return value if _MONTH.fullmatch(value) else ""


@dataclass
class LineInput:
    """One line as the page shows it: the mark (posted or stored) and its error."""

    delivered: bool
    comment: str
    error: str | None = None


class ReportForm(BaseForm):
    """The report's marks; `action` is the button pressed (save a draft or submit)."""

    action = StringField()

    def pressed(self) -> str:
        return SUBMIT if self.action.data == SUBMIT else SAVE

    def read(self, formdata, known: set[int]) -> tuple[list[Mark], dict[int, LineInput]]:
        """The marks posted and each line's input (with its error). Line ids that are not
        whole numbers are ignored; an id that is not one of the report's lines (`known`: the
        page is older than the report) is a form error."""
        marks: list[Mark] = []
        inputs: dict[int, LineInput] = {}
        for raw in formdata.getlist("line"):
            if not _ID.fullmatch(raw or "") or int(raw) > MAX_ID or int(raw) in inputs:
                continue
            line_id = int(raw)
            if line_id not in known:
                if UNKNOWN_LINE not in self.form_errors:
                    self.form_errors.append(UNKNOWN_LINE)
                continue
            delivered = formdata.get(f"delivered-{line_id}") is not None
            comment = " ".join((formdata.get(f"comment-{line_id}") or "").split())
            line = LineInput(delivered=delivered, comment=comment)
            if has_control_characters(formdata.get(f"comment-{line_id}") or "",
                                      allowed=frozenset("\t\n\r")):
                line.error = CONTROL_CHARACTERS
            elif len(comment) > COMMENT_MAX:
                line.error = COMMENT_TOO_LONG
            elif not delivered and not comment:
                line.error = COMMENT_NEEDED
            inputs[line_id] = line
            marks.append(Mark(line_id=line_id, delivered=delivered, comment=comment))
        return marks, inputs

    def refused(self, inputs: dict[int, LineInput]) -> bool:
        """Whether anything posted is wrong; a line's error adds CHECK_LINES above the form."""
        if any(line.error for line in inputs.values()):
            self.form_errors.append(CHECK_LINES)
        return bool(self.form_errors)
