"""Program pages: the provider's programs, groups and their pending changes, the coordinator's
moderation queue and decisions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_login import current_user

from pfdo import storage
from pfdo.accounts.access import roles_required
from pfdo.accounts.models import Role
from pfdo.errors import DomainError
from pfdo.forms import EmptyForm
from pfdo.municipality.services import days_since, local_today
from pfdo.programs import cost as costs
from pfdo.programs import editing, groups, moderation, revisions, services
from pfdo.programs.editing import Outcome
from pfdo.programs.forms import (
    GroupForm,
    ProgramForm,
)
from pfdo.programs.models import (
    PROGRAM_STATUS_LABELS,
    WEEKDAY_SHORT,
    ProgramStatus,
)
from pfdo.programs.revision_models import RevisionStatus
from pfdo.providers.access import own_provider_or_404
from pfdo.web import STALE_PAGE, add_error, form_status, redirect_to

bp = Blueprint("programs", __name__)

STATUS_BADGES = {
    ProgramStatus.DRAFT: "text-bg-secondary",
    ProgramStatus.SUBMITTED: "text-bg-warning",
    ProgramStatus.PUBLISHED: "text-bg-success",
    ProgramStatus.RETURNED: "text-bg-danger",
}
REVISION_BADGES = {
    RevisionStatus.SUBMITTED: "text-bg-warning",
    RevisionStatus.RETURNED: "text-bg-danger",
}

#: what the provider reads after a change, by what the change did
OUTCOME_MESSAGES = {
    Outcome.SAVED: ("Изменения сохранены.", "success"),
    Outcome.SENT: ("Изменения отправлены координатору. Пока он их не опубликует, семьи видят "
                   "прежнюю версию программы.", "info"),
    Outcome.ADDED: ("Изменения добавлены к тем, что ждут координатора. Семьи пока видят "
                    "прежнюю версию программы.", "info"),
    Outcome.KEPT: ("Изменения сохранены. Когда исправите всё по замечаниям, отправьте их "
                   "координатору снова.", "info"),
    Outcome.UNCHANGED: ("Изменений нет: всё осталось как было.", "info"),
}


def _flash_outcome(outcome: Outcome, prefix: str = "") -> None:
    text, category = OUTCOME_MESSAGES[outcome]
    flash(f"{prefix}{text}", category)


def current_actor():
    return current_user._get_current_object()


def _show(form, error: DomainError) -> None:
    """A refusal beside its field(s), or above the form."""
    if isinstance(error, services.InvalidInput):
        for name, message in error.problems.items():
            if name == "schedule" and hasattr(form, "schedule_errors"):
                form.schedule_errors.append(message)
            else:
                add_error(form, DomainError(message, field=name))
    else:
        add_error(form, error)


def _status(form) -> int:
    return 422 if getattr(form, "schedule_errors", None) else form_status(form)


@bp.app_template_global("program_status_counts")
def program_status_counts(provider):
    """For the provider's cabinet card: [(status, label, count)]."""
    return services.status_count_summary(services.status_counts(provider))


@bp.app_template_filter("schedule")
def schedule_filter(sessions) -> str:
    return services.schedule_text(sessions)


@bp.app_context_processor
def program_labels():
    return {"PROGRAM_STATUS_BADGES": STATUS_BADGES, "REVISION_STATUS_BADGES": REVISION_BADGES}


# --- The provider's programs ------------------------------------------------------------

@bp.route("/provider/programs")
@roles_required(Role.PROVIDER)
def index():
    provider = own_provider_or_404(current_user)
    status = request.args.get("status", "")
    if status not in {str(s) for s in ProgramStatus}:
        status = ""
    return render_template("programs/index.html", provider=provider,
                           programs=services.provider_programs(provider, status or None),
                           counts=services.status_counts(provider), status=status,
                           status_labels=PROGRAM_STATUS_LABELS)


def _program_form_page(form, *, provider, program=None, status: int = 200):
    content = editing.content_of(program) if program is not None else None
    return render_template("programs/form.html", form=form, provider=provider,
                           program=program, content=content,
                           districts=services.known_districts()), status


def _document(form):
    """The uploaded program document, or None; a bad file is shown beside the field."""
    try:
        return storage.read_upload(form.document.data, field="document"), True
    except DomainError as error:
        add_error(form, error)
        return None, False


@bp.route("/provider/programs/new", methods=["GET", "POST"])
@roles_required(Role.PROVIDER)
def new():
    provider = own_provider_or_404(current_user)
    if request.method == "GET" and not provider.is_approved:
        flash("Добавлять программы можно после включения поставщика в реестр.", "warning")
        return redirect_to(url_for("programs.index"))
    form = ProgramForm()
    if form.validate_on_submit():
        upload, ok = _document(form)
        if ok:
            try:
                program = editing.create_program(provider, form.program_data(), upload,
                                                 actor=current_actor())
            except DomainError as error:
                _show(form, error)
            else:
                flash(f"Программа «{program.title}» сохранена как черновик. Добавьте группы и "
                      "отправьте её на модерацию.", "success")
                return redirect_to(url_for("programs.detail", program_id=program.id))
    return _program_form_page(form, provider=provider, status=_status(form))


@bp.route("/provider/programs/<int:program_id>/edit", methods=["GET", "POST"])
@roles_required(Role.PROVIDER)
def edit(program_id: int):
    program = services.get_own_program_or_404(program_id, current_user)
    form = (ProgramForm() if request.method == "POST"
            else ProgramForm.for_program(editing.content_of(program)))
    if form.validate_on_submit():
        upload, ok = _document(form)
        if ok:
            try:
                outcome = editing.update_program(program, form.program_data(), upload,
                                                 actor=current_actor())
            except DomainError as error:
                _show(form, error)
            else:
                _flash_outcome(outcome)
                return redirect_to(url_for("programs.detail", program_id=program.id))
    return _program_form_page(form, provider=program.provider, program=program,
                              status=_status(form))


def program_page(template: str, program, **context):
    """The program as its page shows it: the open revision's content when there is one (with
    its differences from the published version), or the program's."""
    revision = revisions.open_revision(program) if program.is_published else None
    content = revision or program
    cost = costs.explain_normative_cost(content, services.current_period())
    return render_template(
        template, program=program, revision=revision, content=content, cost=cost,
        differences=revisions.differences(program, revision) if revision else None,
        above_norm=lambda group: costs.price_above_norm(group, cost, content.funding),
        today=local_today(), days_waiting=days_since,
        submission_problem=services.submission_problem(content),
        weekday_short=WEEKDAY_SHORT, action_form=EmptyForm(), **context)


@bp.route("/provider/programs/<int:program_id>")
@roles_required(Role.PROVIDER)
def detail(program_id: int):
    program = services.get_own_program_or_404(program_id, current_user)
    return program_page("programs/detail.html", program)


@bp.route("/provider/programs/<int:program_id>/document")
@roles_required(Role.PROVIDER, Role.COORDINATOR)
def document(program_id: int):
    if current_user.role == Role.COORDINATOR:
        program = services.get_program_or_404(program_id)
    else:
        program = services.get_own_program_or_404(program_id, current_user)
    if program.document is None:
        abort(404)
    return storage.send(program.document)


@bp.route("/provider/programs/<int:program_id>/revision/document")
@roles_required(Role.PROVIDER, Role.COORDINATOR)
def revision_document(program_id: int):
    """The document of the changes waiting for the coordinator (not yet public)."""
    if current_user.role == Role.COORDINATOR:
        program = services.get_program_or_404(program_id)
    else:
        program = services.get_own_program_or_404(program_id, current_user)
    revision = revisions.open_revision(program)
    if revision is None or revision.document is None:
        abort(404)
    return storage.send(revision.document)


@bp.route("/provider/programs/<int:program_id>/submit", methods=["POST"])
@roles_required(Role.PROVIDER)
def submit(program_id: int):
    program = services.get_own_program_or_404(program_id, current_user)
    if not EmptyForm().validate_on_submit():
        flash(STALE_PAGE, "danger")
    else:
        try:
            moderation.submit_program(program, actor=current_actor())
        except DomainError as error:
            flash(f"Программа не отправлена. {error}", "warning")
        else:
            flash("Программа отправлена на модерацию. Координатор проверит её и опубликует "
                  "или вернёт с замечаниями.", "success")
    return redirect_to(url_for("programs.detail", program_id=program_id))


# --- Groups -------------------------------------------------------------------------------

def _group_form_page(form, *, program, source=None, action: str, status: int = 200):
    return render_template("programs/group_form.html", form=form, program=program,
                           content=form.program, source=source, action=action), status


@bp.route("/provider/programs/<int:program_id>/groups/new", methods=["GET", "POST"])
@roles_required(Role.PROVIDER)
def new_group(program_id: int):
    program = services.get_own_program_or_404(program_id, current_user)
    content = editing.content_of(program)
    form = (GroupForm(program=content) if request.method == "POST"
            else GroupForm.for_new(content))
    if form.validate_on_submit():
        data = form.group_data()
        try:
            outcome = groups.create_group(program, data, actor=current_actor())
        except DomainError as error:
            _show(form, error)
        else:
            if outcome == Outcome.SAVED:
                flash(f"Группа «{data.name}» добавлена.", "success")
            else:
                _flash_outcome(outcome, f"Группа «{data.name}» появится в навигаторе, когда "
                                        "координатор опубликует изменения. ")
            return redirect_to(url_for("programs.detail", program_id=program_id))
    return _group_form_page(form, program=program, status=_status(form),
                            action=url_for("programs.new_group", program_id=program_id))


@bp.route("/provider/groups/<int:group_id>/edit", methods=["GET", "POST"])
@roles_required(Role.PROVIDER)
def edit_group(group_id: int):
    group = services.get_own_group_or_404(group_id, current_user)
    program = group.program
    content = editing.content_of(program)
    source = editing.editable_group(group)
    form = (GroupForm(program=content, group=group) if request.method == "POST"
            else GroupForm.for_group(source, program=content, group=group))
    if form.validate_on_submit():
        try:
            outcome = groups.update_group(group, form.group_data(), actor=current_actor())
        except DomainError as error:
            _show(form, error)
        else:
            _flash_outcome(outcome, "" if outcome == Outcome.SAVED
                           else f"Группа «{source.name}». ")
            return redirect_to(url_for("programs.detail", program_id=group.program_id))
    return _group_form_page(form, program=program, source=source, status=_status(form),
                            action=url_for("programs.edit_group", group_id=group_id))


@bp.route("/provider/program-changes/groups/<int:row_id>/edit", methods=["GET", "POST"])
@roles_required(Role.PROVIDER)
def edit_revision_group(row_id: int):
    """A group in the changes waiting for the coordinator (one the changes add)."""
    row = services.get_own_revision_group_or_404(row_id, current_user)
    revision = row.revision
    form = (GroupForm(program=revision, group=row.group) if request.method == "POST"
            else GroupForm.for_group(row, program=revision, group=row.group))
    if form.validate_on_submit():
        try:
            outcome = groups.update_revision_group(row, form.group_data(), actor=current_actor())
        except DomainError as error:
            _show(form, error)
        else:
            _flash_outcome(outcome, f"Группа «{row.name}». ")
            return redirect_to(url_for("programs.detail", program_id=revision.program_id))
    return _group_form_page(form, program=revision.program, source=row, status=_status(form),
                            action=url_for("programs.edit_revision_group", row_id=row_id))


@bp.route("/provider/groups/<int:group_id>/toggle", methods=["POST"])
@roles_required(Role.PROVIDER)
def toggle_group(group_id: int):
    group = services.get_own_group_or_404(group_id, current_user)
    program_id = group.program_id
    if not EmptyForm().validate_on_submit():
        flash(STALE_PAGE, "danger")
    else:
        group = groups.toggle_group(group, actor=current_actor())
        flash(f"Группа «{group.name}» {'открыта' if group.is_open else 'закрыта'} для записи.",
              "success")
    return redirect_to(url_for("programs.detail", program_id=program_id))


# --- The provider's pending changes -------------------------------------------------------

def _revision_action(program_id: int, act, done: str, refused: str):
    program = services.get_own_program_or_404(program_id, current_user)
    if not EmptyForm().validate_on_submit():
        flash(STALE_PAGE, "danger")
    else:
        try:
            act(program, actor=current_actor())
        except DomainError as error:
            flash(f"{refused} {error}", "warning")
        else:
            flash(done, "success")
    return redirect_to(url_for("programs.detail", program_id=program_id))


@bp.route("/provider/programs/<int:program_id>/revision/resubmit", methods=["POST"])
@roles_required(Role.PROVIDER)
def resubmit_revision(program_id: int):
    return _revision_action(
        program_id, moderation.resubmit_revision,
        "Изменения снова отправлены координатору. Пока он их не опубликует, семьи видят "
        "прежнюю версию программы.", "Изменения не отправлены.")


@bp.route("/provider/programs/<int:program_id>/revision/withdraw", methods=["POST"])
@roles_required(Role.PROVIDER)
def withdraw_revision(program_id: int):
    return _revision_action(
        program_id, moderation.withdraw_revision,
        "Изменения отменены. В навигаторе остаётся опубликованная версия программы.",
        "Изменения не отменены.")


# The coordinator's pages are on the same blueprint, in their own module.
from pfdo.programs import review_views  # noqa: E402,F401
