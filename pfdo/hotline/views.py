"""The hotline's workspace: one search box, the certificate card with masked fields and their
logged reveal, and the call log (the operator's own; everyone's for the coordinator). Nothing
here moves money or changes a certificate."""

from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from pfdo import xlsx
from pfdo.accounts.access import roles_required
from pfdo.accounts.models import Role
from pfdo.certificates.numbers import format_number
from pfdo.errors import DomainError, NotFound
from pfdo.hotline import calls, card, lookup
from pfdo.hotline.forms import (
    CallFilterForm,
    FinishCallForm,
    RevealForm,
    SearchForm,
    StartCallForm,
)
from pfdo.identifiers import record_id
from pfdo.municipality.services import local_today, timezone
from pfdo.periods import services as periods
from pfdo.web import (
    add_error,
    arg_int,
    form_status,
    redirect_to,
    render_page_or_block,
    send_xlsx,
)

bp = Blueprint("hotline", __name__, url_prefix="/hotline")


def _actor():
    return current_user._get_current_object()


def _workspace(*, finish_form=None, status: int = 200):
    search = SearchForm(request.args)
    query, found = lookup.look_up(_actor(), search.q.data) if search.q.data else (
        lookup.Query(), [])
    if request.htmx and not request.htmx.boosted and finish_form is None:
        # the results block alone: the search and its log, nothing of the rest of the page
        return render_page_or_block("hotline/index.html", "results", status, query=query,
                                    results=found, format_number=format_number)
    today = local_today()
    current = calls.open_call(_actor())
    return render_page_or_block(
        "hotline/index.html", "results", status, search=search, query=query, results=found,
        call=current, start_form=StartCallForm(formdata=None),
        finish_form=finish_form or FinishCallForm(formdata=None),
        figures=calls.figures(today, _actor()), period=periods.current_period(today),
        format_number=format_number, hotline=card.HOTLINE)


@bp.route("")
@roles_required(Role.HOTLINE)
def index():
    return _workspace()


def _card(certificate_id: int, *, reveal_form=None, revealed=None, status: int = 200):
    data = card.open_card(_actor(), certificate_id, today=local_today())
    return render_page_or_block(
        "hotline/card.html", "person", status, card=data, certificate=data.certificate,
        reveal_form=reveal_form or RevealForm(formdata=None), revealed=revealed,
        start_form=StartCallForm(formdata=None), call=calls.open_call(_actor()),
        format_number=format_number, period=periods.current_period(local_today()))


@bp.route("/certificates/<int:certificate_id>")
@roles_required(Role.HOTLINE)
def certificate(certificate_id: int):
    return _card(certificate_id)


@bp.route("/certificates/<int:certificate_id>/reveal", methods=["POST"])
@roles_required(Role.HOTLINE)
def reveal(certificate_id: int):
    form = RevealForm()
    revealed = None
    if form.validate_on_submit():
        try:
            label, value = card.reveal(_actor(), certificate_id, form.field.data or "",
                                       form.reason.data or "")
        except DomainError as error:
            add_error(form, error)
        else:
            revealed = {"field": form.field.data, "label": label, "value": value}
    return _card(certificate_id, reveal_form=form, revealed=revealed,
                 status=form_status(form))


@bp.route("/calls/start", methods=["POST"])
@roles_required(Role.HOTLINE)
def start_call():
    form = StartCallForm()
    if not form.validate_on_submit():
        flash("Страница устарела: обновите её и нажмите ещё раз", "danger")
        return redirect_to(url_for("hotline.index"))
    certificate_id = record_id(form.certificate.data)
    try:
        calls.start_call(_actor(), certificate_id=certificate_id)
    except DomainError as error:
        flash(str(error), "warning")
    back = (url_for("hotline.certificate", certificate_id=certificate_id)
            if certificate_id else url_for("hotline.index"))
    return redirect_to(back)


@bp.route("/calls/<int:call_id>/finish", methods=["POST"])
@roles_required(Role.HOTLINE)
def finish_call(call_id: int):
    form = FinishCallForm()
    if form.validate_on_submit():
        try:
            calls.finish_call(_actor(), call_id, calls.Finish(
                topic=form.topic.data, outcome=form.outcome.data,
                comment=form.comment.data or "",
                certificate_id=record_id(form.certificate.data)))
        except NotFound:
            raise
        except DomainError as error:
            add_error(form, error)
        else:
            flash("Звонок записан в журнал", "success")
            return redirect_to(url_for("hotline.index"))
    return _workspace(finish_form=form, status=form_status(form))


def _call_filter():
    """The call log's filters from the query string: (form, filter, whose calls, coordinator?)."""
    filters = CallFilterForm(request.args)
    filters.validate()  # an unreadable date is shown beside its field and ignored
    is_coordinator = current_user.role == Role.COORDINATOR
    operators = calls.operators() if is_coordinator else []
    filters.operator.choices = [SelectChoice("", "Все операторы"),
                                *(SelectChoice(str(u.id), u.short_name) for u in operators)]
    flt = calls.CallFilter(
        operator_id=record_id(filters.operator.data) if is_coordinator else None,
        topic=filters.topic_value,
        date_from=None if filters.date_from.errors else filters.date_from.data,
        date_to=None if filters.date_to.errors else filters.date_to.data)
    return filters, flt, None if is_coordinator else _actor(), is_coordinator


@bp.route("/calls")
@roles_required(Role.HOTLINE, Role.COORDINATOR)
def call_log():
    filters, flt, own, is_coordinator = _call_filter()
    today = local_today()
    pagination = calls.list_calls(flt, page=arg_int("page", 1), operator=own)
    return render_page_or_block(
        "hotline/calls.html", "results", filters=filters, pagination=pagination,
        figures=calls.figures(today, own), is_coordinator=is_coordinator,
        format_number=format_number)


CALL_COLUMNS = [
    xlsx.Column("Начало", xlsx.DATETIME, 17), xlsx.Column("Конец", xlsx.DATETIME, 17),
    xlsx.Column("Оператор", width=20), xlsx.Column("Тема", width=14),
    xlsx.Column("Итог", width=24), xlsx.Column("Сертификат", width=13),
    xlsx.Column("Комментарий", width=50),
]


@bp.route("/calls.xlsx")
@roles_required(Role.HOTLINE, Role.COORDINATOR)
def call_log_xlsx():
    """The call log as filtered on the page (an operator's own calls only)."""
    _, flt, own, _ = _call_filter()
    return send_xlsx(f"Звонки {local_today():%d.%m.%Y}.xlsx", "Звонки", CALL_COLUMNS,
                     calls.call_rows(flt, operator=own), timezone=timezone())


@bp.app_template_global()
def call_length(seconds: int | None) -> str:
    """«4 мин 05 с» for a call's length; «—» while it goes on."""
    if seconds is None:
        return "—"
    minutes, rest = divmod(max(seconds, 0), 60)
    return f"{minutes} мин {rest:02d} с" if minutes else f"{rest} с"
