"""Program pages: the provider's programs and groups, the coordinator's moderation queue."""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_login import current_user

from pfdo import storage
from pfdo.accounts.access import roles_required
from pfdo.accounts.models import Role
from pfdo.errors import DomainError
from pfdo.forms import EmptyForm
from pfdo.programs import services
from pfdo.programs.forms import GroupForm, ModerationFilterForm, ProgramForm, ReturnForm
from pfdo.programs.models import (
    PROGRAM_STATUS_LABELS,
    WEEKDAY_SHORT,
    ProgramStatus,
)
from pfdo.providers.access import own_provider_or_404
from pfdo.web import add_error, arg_int, form_status, redirect_to, render_page_or_block

bp = Blueprint("programs", __name__)

STATUS_BADGES = {
    ProgramStatus.DRAFT: "text-bg-secondary",
    ProgramStatus.SUBMITTED: "text-bg-warning",
    ProgramStatus.PUBLISHED: "text-bg-success",
    ProgramStatus.RETURNED: "text-bg-danger",
}


def _actor():
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
    return {"PROGRAM_STATUS_BADGES": STATUS_BADGES}


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
    return render_template("programs/form.html", form=form, provider=provider,
                           program=program, districts=services.known_districts(),
                           warning=services.REMODERATION_WARNING,
                           remoderation_fields=services.REMODERATION_FIELDS), status


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
                program = services.create_program(provider, form.program_data(), upload,
                                                  actor=_actor())
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
    form = ProgramForm() if request.method == "POST" else ProgramForm.for_program(program)
    if form.validate_on_submit():
        upload, ok = _document(form)
        if ok:
            try:
                remoderated = services.update_program(program, form.program_data(), upload,
                                                      actor=_actor())
            except DomainError as error:
                _show(form, error)
            else:
                if remoderated:
                    flash("Изменения сохранены. Программа снова на модерации: координатор "
                          "проверит новые условия.", "warning")
                else:
                    flash("Изменения сохранены.", "success")
                return redirect_to(url_for("programs.detail", program_id=program.id))
    return _program_form_page(form, provider=program.provider, program=program,
                              status=_status(form))


def _program_page(template: str, program, **context):
    cost = services.explain_normative_cost(program, services.current_period())
    return render_template(template, program=program, cost=cost,
                           above_norm=lambda group: services.price_above_norm(group, cost),
                           today=services.today(), days_waiting=services.days_waiting,
                           submission_problem=services.submission_problem(program),
                           weekday_short=WEEKDAY_SHORT, action_form=EmptyForm(), **context)


@bp.route("/provider/programs/<int:program_id>")
@roles_required(Role.PROVIDER)
def detail(program_id: int):
    program = services.get_own_program_or_404(program_id, current_user)
    return _program_page("programs/detail.html", program)


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


@bp.route("/provider/programs/<int:program_id>/submit", methods=["POST"])
@roles_required(Role.PROVIDER)
def submit(program_id: int):
    program = services.get_own_program_or_404(program_id, current_user)
    if not EmptyForm().validate_on_submit():
        flash("Страница устарела. Обновите её и повторите действие.", "danger")
    else:
        try:
            services.submit_program(program, actor=_actor())
        except DomainError as error:
            flash(f"Программа не отправлена. {error}", "warning")
        else:
            flash("Программа отправлена на модерацию. Координатор проверит её и опубликует "
                  "или вернёт с замечаниями.", "success")
    return redirect_to(url_for("programs.detail", program_id=program_id))


# --- Groups -------------------------------------------------------------------------------

def _group_form_page(form, *, program, group=None, status: int = 200):
    return render_template("programs/group_form.html", form=form, program=program,
                           group=group, warning=services.REMODERATION_WARNING), status


@bp.route("/provider/programs/<int:program_id>/groups/new", methods=["GET", "POST"])
@roles_required(Role.PROVIDER)
def new_group(program_id: int):
    program = services.get_own_program_or_404(program_id, current_user)
    form = (GroupForm(program=program) if request.method == "POST"
            else GroupForm.for_new(program))
    if form.validate_on_submit():
        try:
            group, remoderated = services.create_group(program, form.group_data(),
                                                       actor=_actor())
        except DomainError as error:
            _show(form, error)
        else:
            if remoderated:
                flash(f"Группа «{group.name}» добавлена. Программа снова на модерации: "
                      "координатор проверит новую группу.", "warning")
            else:
                flash(f"Группа «{group.name}» добавлена.", "success")
            return redirect_to(url_for("programs.detail", program_id=program_id))
    return _group_form_page(form, program=program, status=_status(form))


@bp.route("/provider/groups/<int:group_id>/edit", methods=["GET", "POST"])
@roles_required(Role.PROVIDER)
def edit_group(group_id: int):
    group = services.get_own_group_or_404(group_id, current_user)
    program = group.program
    form = (GroupForm(program=program, group=group) if request.method == "POST"
            else GroupForm.for_group(group))
    if form.validate_on_submit():
        try:
            remoderated = services.update_group(group, form.group_data(), actor=_actor())
        except DomainError as error:
            _show(form, error)
        else:
            if remoderated:
                flash("Цена изменена. Программа снова на модерации: координатор проверит "
                      "новую цену.", "warning")
            else:
                flash("Изменения группы сохранены.", "success")
            return redirect_to(url_for("programs.detail", program_id=group.program_id))
    return _group_form_page(form, program=program, group=group, status=_status(form))


@bp.route("/provider/groups/<int:group_id>/toggle", methods=["POST"])
@roles_required(Role.PROVIDER)
def toggle_group(group_id: int):
    group = services.get_own_group_or_404(group_id, current_user)
    program_id = group.program_id
    if not EmptyForm().validate_on_submit():
        flash("Страница устарела. Обновите её и повторите действие.", "danger")
    else:
        group = services.toggle_group(group, actor=_actor())
        flash(f"Группа «{group.name}» {'открыта' if group.is_open else 'закрыта'} для записи.",
              "success")
    return redirect_to(url_for("programs.detail", program_id=program_id))


# --- Moderation ---------------------------------------------------------------------------

@bp.route("/coordinator/programs")
@roles_required(Role.COORDINATOR)
def moderation():
    filters = ModerationFilterForm(request.args)
    flt = filters.moderation_filter()
    pagination = services.moderation_queue(flt, page=arg_int("page", 1))
    return render_page_or_block("programs/moderation.html", "results", filters=filters,
                                flt=flt, pagination=pagination, today=services.today(),
                                days_waiting=services.days_waiting)


def _review(program, *, return_form=None, status: int = 200):
    body = _program_page("programs/review.html", program,
                         return_form=return_form or ReturnForm(formdata=None))
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
        flash("Страница устарела. Обновите её и повторите действие.", "danger")
        return redirect_to(url_for("programs.review", program_id=program_id))
    try:
        services.publish_program(program, actor=_actor())
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
            services.return_program(program, form.remarks.data, actor=_actor())
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
