"""The coordinator's program pages: the moderation queue, a program (or its pending changes,
field by field) to decide on, and the decisions."""

from __future__ import annotations

from flask import flash, request, url_for

from pfdo.accounts.access import roles_required
from pfdo.accounts.models import Role
from pfdo.errors import DomainError
from pfdo.forms import EmptyForm
from pfdo.municipality.services import days_since
from pfdo.programs import moderation, revisions, services
from pfdo.programs.forms import (
    ModerationFilterForm,
    ReturnForm,
    RevisionPublishForm,
    RevisionReturnForm,
)
from pfdo.programs.views import STALE_PAGE, bp, current_actor, program_page
from pfdo.web import add_error, arg_int, form_status, redirect_to, render_page_or_block

# --- Moderation ---------------------------------------------------------------------------

@bp.route("/coordinator/programs", endpoint="moderation")
@roles_required(Role.COORDINATOR)
def moderation_queue():
    filters = ModerationFilterForm(request.args)
    flt = filters.moderation_filter()
    pagination = moderation.moderation_queue(flt, page=arg_int("page", 1))
    return render_page_or_block("programs/moderation.html", "results", filters=filters,
                                flt=flt, pagination=pagination, today=services.today(),
                                days_waiting=days_since)


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


@bp.route("/coordinator/programs/<int:program_id>/publish", methods=["POST"])
@roles_required(Role.COORDINATOR)
def publish(program_id: int):
    program = services.get_program_or_404(program_id)
    if not EmptyForm().validate_on_submit():
        flash(STALE_PAGE, "danger")
        return redirect_to(url_for("programs.review", program_id=program_id))
    try:
        moderation.publish_program(program, actor=current_actor())
    except DomainError as error:
        flash(str(error), "warning")
        return redirect_to(url_for("programs.review", program_id=program_id))
    flash(f"Программа «{program.title}» опубликована. Поставщик получил уведомление.",
          "success")
    return redirect_to(url_for("programs.moderation"))


@bp.route("/coordinator/programs/<int:program_id>/return", methods=["POST"])
@roles_required(Role.COORDINATOR)
def return_program(program_id: int):
    program = services.get_program_or_404(program_id)
    form = ReturnForm()
    if form.validate_on_submit():
        try:
            moderation.return_program(program, form.remarks.data, actor=current_actor())
        except DomainError as error:
            if error.field:
                add_error(form, error)
            else:
                flash(str(error), "warning")
                return redirect_to(url_for("programs.review", program_id=program_id))
        else:
            flash(f"Программа «{program.title}» возвращена поставщику с замечаниями.",
                  "success")
            return redirect_to(url_for("programs.moderation"))
    return _review(program, return_form=form, status=form_status(form))


@bp.route("/coordinator/programs/<int:program_id>/revision/publish", methods=["POST"])
@roles_required(Role.COORDINATOR)
def publish_revision(program_id: int):
    program = services.get_program_or_404(program_id)
    form = RevisionPublishForm()
    if not form.validate_on_submit() or form.seen_edits() is None:
        flash(STALE_PAGE, "danger")
        return redirect_to(url_for("programs.review", program_id=program_id))
    try:
        moderation.publish_revision(program, actor=current_actor(), seen_edits=form.seen_edits())
    except DomainError as error:
        flash(str(error), "warning")
        return redirect_to(url_for("programs.review", program_id=program_id))
    flash(f"Изменения программы «{program.title}» опубликованы: семьи видят новую версию. "
          "Поставщик получил уведомление.", "success")
    return redirect_to(url_for("programs.moderation"))


@bp.route("/coordinator/programs/<int:program_id>/revision/return", methods=["POST"])
@roles_required(Role.COORDINATOR)
def return_revision(program_id: int):
    program = services.get_program_or_404(program_id)
    form = RevisionReturnForm()
    if form.validate_on_submit():
        if form.seen_edits() is None:
            flash(STALE_PAGE, "danger")
            return redirect_to(url_for("programs.review", program_id=program_id))
        try:
            moderation.return_revision(program, form.remarks.data, actor=current_actor(),
                                       seen_edits=form.seen_edits())
        except DomainError as error:
            if error.field:
                add_error(form, error)
            else:
                flash(str(error), "warning")
                return redirect_to(url_for("programs.review", program_id=program_id))
        else:
            flash(f"Изменения программы «{program.title}» возвращены поставщику с "
                  "замечаниями. Семьи видят прежнюю версию.", "success")
            return redirect_to(url_for("programs.moderation"))
    return _review(program, return_form=form, status=form_status(form))
