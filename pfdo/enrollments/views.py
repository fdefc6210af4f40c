"""The family's enrolment pages: the request from the program page, «Мои записи», the offer
and the contract, the child's week and its calendar file. The provider's pages are in
provider_views, the coordinator's in coordinator_views (the same blueprint)."""

from __future__ import annotations

from flask import Blueprint, Response, flash, request, url_for
from flask_login import current_user

from pfdo.accounts.access import roles_required
from pfdo.accounts.models import Role
from pfdo.enrollments import access, family, offers, requests, reviews, schedule, terms, waitlist
from pfdo.enrollments import calendar as ics
from pfdo.enrollments import contracts as contract_services
from pfdo.enrollments.forms import AcceptForm, ChildForm, RequestForm, TerminateForm
from pfdo.errors import DomainError, NotFound
from pfdo.formatting import fmt_date
from pfdo.forms import EmptyForm
from pfdo.identifiers import MAX_ID, is_ascii_digits
from pfdo.money import format_rub
from pfdo.municipality.services import local_today, timezone
from pfdo.web import STALE_PAGE, add_error, decide, form_status, redirect_to, render_page_or_block

bp = Blueprint("enrollments", __name__)


def _me():
    return current_user._get_current_object()


def _id_or_none(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if is_ascii_digits(text) and len(text) <= 10 and int(text) <= MAX_ID \
        else None


def _chosen_child(children, child_id: int | None):
    """The parent's child `child_id` (404 for anyone else's); when none was named, the only
    child, or the only one with an active certificate."""
    if child_id is None:
        if len(children) == 1:
            return children[0]
        active = family.with_active_certificate(current_user)
        able = [c for c in children if c.id in active]
        return able[0] if len(able) == 1 else None
    for child in children:
        if child.id == child_id:
            return child
    raise NotFound()


def _request_page(group, children, child, form: RequestForm, *, status: int = 200):
    today = local_today()
    context = {"group": group, "program": group.program, "children": children, "child": child,
               "form": form, "today": today, "check": None, "ctx": None, "split": None,
               "summary": None, "entry": None, "place": None,
               "wait_form": ChildForm(child=str(child.id)) if child else None}
    if child is not None:
        form.child.data = str(child.id)
        context["check"] = requests.eligibility(child, group, today=today)
        certificate = requests.certificate_of(child)
        if certificate is not None:
            ctx = terms.context(group.program, child, certificate, today=today)
            context["ctx"] = ctx
            if ctx.certificate_pays:
                split = terms.breakdown_for(ctx, group, today=today)
                context.update(split=split, summary=terms.summary_for(ctx, split))
        entry = requests.waitlist_entry(child, group)
        if entry is not None:
            context.update(entry=entry, place=waitlist.position(entry)
                           if entry.status == "waiting" else None)
    return render_page_or_block("enrollments/request.html", "content", status=status, **context)


@bp.route("/groups/<int:group_id>/enrol", methods=["GET", "POST"])
@roles_required(Role.PARENT)
def request_form(group_id: int):
    group = requests.public_group_or_404(group_id)
    children = family.own_children(current_user)
    form = RequestForm()
    if request.method == "GET":
        return _request_page(group, children, _chosen_child(children,
                                                            _id_or_none(request.args.get("child"))),
                             form)
    child = _chosen_child(children, form.child_id) if form.child_id is not None else None
    if child is None:
        form.form_errors.append("Выберите ребёнка, которого записываете")
        return _request_page(group, children, None, form, status=422)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            form.form_errors.append(STALE_PAGE)
        return _request_page(group, children, child, form, status=422)
    try:
        requests.submit(_me(), child, group, today=local_today(),
                        confirm_schedule=form.confirm_schedule.data, comment=form.comment.data)
    except DomainError as error:
        add_error(form, error)
        return _request_page(group, children, child, form, status=form_status(form))
    flash(f"Заявка отправлена: «{group.program.title}», группа «{group.name}», "
          f"{child.first_name}. Поставщик ответит в течение нескольких рабочих дней — ответ "
          "придёт сюда и на почту.", "success")
    return redirect_to(url_for("enrollments.mine"))


@bp.route("/groups/<int:group_id>/waitlist", methods=["POST"])
@roles_required(Role.PARENT)
def join_waitlist(group_id: int):
    group = requests.public_group_or_404(group_id)
    form = ChildForm()
    if form.child_id is None:
        flash("Выберите ребёнка, которого ставите в очередь", "warning")
        return redirect_to(url_for("enrollments.request_form", group_id=group.id))
    child = requests.own_child_or_404(current_user, form.child_id)
    back = url_for("enrollments.request_form", group_id=group.id, child=child.id)
    if not form.validate_on_submit():
        flash(STALE_PAGE, "danger")
        return redirect_to(back)
    try:
        entry = waitlist.join(_me(), child, group, today=local_today())
    except DomainError as error:
        flash(str(error), "warning")
    else:
        flash(f"{child.first_name} в очереди в группу «{group.name}»: ваше место в очереди — "
              f"{waitlist.position(entry)}. Когда место освободится, придёт предложение.",
              "success")
    return redirect_to(back)


@bp.route("/enrolments")
@roles_required(Role.PARENT)
def mine():
    return render_page_or_block("enrollments/mine.html", "content",
                                families=family.overview(current_user), today=local_today(),
                                action_form=EmptyForm())


@bp.route("/enrolments/requests/<int:request_id>/withdraw", methods=["POST"])
@roles_required(Role.PARENT)
def withdraw_request(request_id: int):
    found = access.own_request(current_user, request_id)
    back = url_for("enrollments.mine")
    return decide(EmptyForm(), lambda: requests.withdraw(found, actor=_me()),
                  success=f"Заявка на «{found.program.title}» отозвана", back=back, done=back)


@bp.route("/enrolments/waitlist/<int:entry_id>/leave", methods=["POST"])
@roles_required(Role.PARENT)
def leave_waitlist(entry_id: int):
    entry = access.own_waitlist_entry(current_user, entry_id)
    back = url_for("enrollments.mine")
    return decide(EmptyForm(), lambda: waitlist.leave(entry, actor=_me()),
                  success=f"Вы вышли из очереди в группу «{entry.group.name}»", back=back,
                  done=back)


def _contract_page(contract, *, accept_form: AcceptForm | None = None,
                   terminate_form: TerminateForm | None = None, status: int = 200):
    today = local_today()
    context = {"contract": contract, "today": today, "decline_form": EmptyForm(),
               "terminate_form": terminate_form or TerminateForm()}
    if contract.is_offer:
        ctx, split = offers.quote(contract, today=today)
        accept_form = accept_form or AcceptForm()
        accept_form.fingerprint.data = terms.fingerprint(split)
        context.update(ctx=ctx, split=split, summary=terms.summary_for(ctx, split),
                       accept_form=accept_form)
    else:
        context.update(sums=family.month_sums(contract), notes=family.notes_for(contract),
                       ending=family.ending_today(contract, today) if contract.is_active
                       else None, review=reviews.review_of(contract),
                       may_review=reviews.can_review(contract, today))
    return render_page_or_block("enrollments/contract.html", "content", status=status,
                                **context)


@bp.route("/enrolments/contracts/<int:contract_id>")
@roles_required(Role.PARENT)
def contract(contract_id: int):
    return _contract_page(access.own_contract(current_user, contract_id))


@bp.route("/enrolments/contracts/<int:contract_id>/accept", methods=["POST"])
@roles_required(Role.PARENT)
def accept_offer(contract_id: int):
    found = access.own_contract(current_user, contract_id)
    back = url_for("enrollments.contract", contract_id=found.id)
    form = AcceptForm()
    if not form.validate_on_submit():
        flash(STALE_PAGE, "danger")
        return redirect_to(back)
    try:
        offers.accept(found, actor=_me(), today=local_today(),
                      fingerprint=form.fingerprint.data or "",
                      pay_in_full=form.pay_in_full.data)
    except (offers.TermsChanged, offers.QuotaGone) as error:
        add_error(form, error)
        return _contract_page(found, accept_form=form, status=409)
    except DomainError as error:
        flash(str(error), "warning")
        return redirect_to(back)
    flash(f"Договор {found.number} заключён: «{found.program.title}», группа "
          f"«{found.group.name}». Доля сертификата зарезервирована.", "success")
    return redirect_to(back)


@bp.route("/enrolments/contracts/<int:contract_id>/decline", methods=["POST"])
@roles_required(Role.PARENT)
def decline_offer(contract_id: int):
    found = access.own_contract(current_user, contract_id)
    return decide(EmptyForm(), lambda: offers.decline(found, actor=_me(), today=local_today()),
                  success=f"Вы отказались от оферты {found.number}",
                  back=url_for("enrollments.contract", contract_id=found.id),
                  done=url_for("enrollments.mine"))


@bp.route("/enrolments/contracts/<int:contract_id>/terminate", methods=["POST"])
@roles_required(Role.PARENT)
def terminate(contract_id: int):
    found = access.own_contract(current_user, contract_id)
    today = local_today()
    ending = family.ending_today(found, today)
    back = url_for("enrollments.contract", contract_id=found.id)
    form = TerminateForm()
    back_text = f" На сертификат вернётся {format_rub(ending.returns)}." if ending.returns else ""
    return decide(
        form, lambda: contract_services.terminate(found, actor=_me(), by="parent",
                                                  reason=form.reason.data, today=today),
        success=f"Договор {found.number} расторгнут: занятия до "
                f"{fmt_date(ending.ends_on)}.{back_text}",
        back=back, done=back,
        rerender=lambda form, status: _contract_page(found, terminate_form=form,
                                                     status=status))


@bp.route("/children/<int:child_id>/week")
@roles_required(Role.PARENT)
def week(child_id: int):
    child = requests.own_child_or_404(current_user, child_id)
    today = local_today()
    lessons = schedule.week(child, today=today)
    return render_page_or_block("enrollments/week.html", "content", child=child,
                                days=family.by_day(lessons), lessons=lessons, today=today)


@bp.route("/children/<int:child_id>/week.ics")
@roles_required(Role.PARENT)
def week_ics(child_id: int):
    child = requests.own_child_or_404(current_user, child_id)
    body = ics.week_calendar(child, schedule.week(child, today=local_today()),
                             timezone=timezone())
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="schedule-{child.id}.ics"'
    return response


@bp.app_template_filter("contract_url")
def contract_url(ref: str | None) -> str | None:
    """The family's contract page for a ledger ref `contract:<id>` (None for any other)."""
    kind, _, number = (ref or "").partition(":")
    contract_id = _id_or_none(number) if kind == "contract" else None
    return url_for("enrollments.contract", contract_id=contract_id) if contract_id else None


# The provider's pages are on the same blueprint, in their own module.
from pfdo.enrollments import provider_views  # noqa: E402,F401
from pfdo.enrollments import review_views as review_views  # noqa: E402,F401
