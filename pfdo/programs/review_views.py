"""The coordinator's program pages: the moderation queue (and its XLSX), a program (or its
pending changes, field by field) to decide on, and the decisions."""

from __future__ import annotations

from flask import request, url_for

from pfdo import xlsx
from pfdo.accounts.access import roles_required
from pfdo.accounts.models import Role
from pfdo.forms import EmptyForm
from pfdo.municipality.services import days_since, local_today, timezone
from pfdo.programs import moderation, queue, revisions, services
from pfdo.programs.forms import (
    ModerationFilterForm,
    ReturnForm,
    RevisionPublishForm,
    RevisionReturnForm,
)
from pfdo.programs.views import bp, current_actor, program_page
from pfdo.web import arg_int, decide, render_page_or_block, send_xlsx

# --- Moderation ---------------------------------------------------------------------------

@bp.route("/coordinator/programs", endpoint="moderation")
@roles_required(Role.COORDINATOR)
def moderation_queue():
    filters = ModerationFilterForm(request.args)
    flt = filters.moderation_filter()
    pagination = queue.moderation_queue(flt, page=arg_int("page", 1))
    return render_page_or_block("programs/moderation.html", "results", filters=filters,
                                flt=flt, pagination=pagination, today=local_today(),
                                days_waiting=days_since)


PROGRAM_COLUMNS = [
    xlsx.Column("Отправлена", xlsx.DATETIME, 17), xlsx.Column("Программа", width=36),
    xlsx.Column("Поставщик", width=28), xlsx.Column("Направленность", width=24),
    xlsx.Column("Финансирование", width=22), xlsx.Column("Статус", width=22),
    xlsx.Column("Изменения", width=24), xlsx.Column("Ждёт, дней", xlsx.INT, 11),
    xlsx.Column("Возраст от", xlsx.INT, 10), xlsx.Column("Возраст до", xlsx.INT, 10),
    xlsx.Column("Групп", xlsx.INT, 8), xlsx.Column("Цена в месяц от", xlsx.MONEY, 15),
    xlsx.Column("Цена в месяц до", xlsx.MONEY, 15),
    xlsx.Column("Опубликована", xlsx.DATETIME, 17),
]


@bp.route("/coordinator/programs.xlsx", endpoint="moderation_xlsx")
@roles_required(Role.COORDINATOR)
def moderation_queue_xlsx():
    """The programs as filtered on the coordinator's list, every row of it."""
    today = local_today()
    flt = ModerationFilterForm(request.args).moderation_filter()
    return send_xlsx(f"Программы {today:%d.%m.%Y}.xlsx", "Программы", PROGRAM_COLUMNS,
                     queue.program_rows(flt, today=today), timezone=timezone())


def _review(program, *, return_form=None, status: int = 200):
    """The review page; the decision forms name the revision's count of changes shown."""
    revision = revisions.open_revision(program) if program.is_published else None
    edits = str(revision.edits) if revision is not None else ""
    if return_form is None:
        return_form = (RevisionReturnForm(formdata=None, edits=edits) if revision is not None
                       else ReturnForm(formdata=None))
    body = program_page("programs/review.html", program, return_form=return_form,
                        publish_form=RevisionPublishForm(formdata=None, edits=edits))
    return body, status


@bp.route("/coordinator/programs/<int:program_id>")
@roles_required(Role.COORDINATOR)
def review(program_id: int):
    return _review(services.get_program_or_404(program_id))


def _rerender(program):
    """The review page again with the return form's errors."""
    return lambda invalid, status: _review(program, return_form=invalid, status=status)


@bp.route("/coordinator/programs/<int:program_id>/publish", methods=["POST"])
@roles_required(Role.COORDINATOR)
def publish(program_id: int):
    program = services.get_program_or_404(program_id)
    return decide(
        EmptyForm(), lambda: moderation.publish_program(program, actor=current_actor()),
        success=lambda _: (f"Программа «{program.title}» опубликована. "
                           "Поставщик получил уведомление."),
        back=url_for("programs.review", program_id=program_id),
        done=url_for("programs.moderation"))


@bp.route("/coordinator/programs/<int:program_id>/return", methods=["POST"])
@roles_required(Role.COORDINATOR)
def return_program(program_id: int):
    program = services.get_program_or_404(program_id)
    form = ReturnForm()
    return decide(
        form, lambda: moderation.return_program(program, form.remarks.data, actor=current_actor()),
        success=lambda _: f"Программа «{program.title}» возвращена поставщику с замечаниями.",
        back=url_for("programs.review", program_id=program_id),
        done=url_for("programs.moderation"), rerender=_rerender(program))


# Publishing changes may change the title: the success texts are made after the decision.

@bp.route("/coordinator/programs/<int:program_id>/revision/publish", methods=["POST"])
@roles_required(Role.COORDINATOR)
def publish_revision(program_id: int):
    program = services.get_program_or_404(program_id)
    form = RevisionPublishForm()
    return decide(
        form, lambda: moderation.publish_revision(program, actor=current_actor(),
                                                  seen_edits=form.seen_edits()),
        success=lambda _: (f"Изменения программы «{program.title}» опубликованы: семьи видят "
                           "новую версию. Поставщик получил уведомление."),
        back=url_for("programs.review", program_id=program_id),
        done=url_for("programs.moderation"), fresh=lambda: form.seen_edits() is not None)


@bp.route("/coordinator/programs/<int:program_id>/revision/return", methods=["POST"])
@roles_required(Role.COORDINATOR)
def return_revision(program_id: int):
    program = services.get_program_or_404(program_id)
    form = RevisionReturnForm()
    return decide(
        form, lambda: moderation.return_revision(program, form.remarks.data,
                                                 actor=current_actor(),
                                                 seen_edits=form.seen_edits()),
        success=lambda _: (f"Изменения программы «{program.title}» возвращены поставщику с "
                           "замечаниями. Семьи видят прежнюю версию."),
        back=url_for("programs.review", program_id=program_id),
        done=url_for("programs.moderation"), rerender=_rerender(program),
        fresh=lambda: form.seen_edits() is not None)
