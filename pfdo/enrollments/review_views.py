"""The review pages: the family's review of a contract's program, the provider's list of its
programs' reviews with the answer, and the coordinator's list with hiding (the same
blueprint; imported at the bottom of views.py)."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_login import current_user

from pfdo.accounts.access import roles_required
from pfdo.accounts.models import Role
from pfdo.db import get_or_not_found
from pfdo.enrollments import access, reviews
from pfdo.enrollments.models import Review
from pfdo.enrollments.review_forms import (
    AnswerForm,
    CoordinatorReviewFilterForm,
    HideForm,
    ProviderReviewFilterForm,
    ReviewForm,
)
from pfdo.enrollments.views import bp
from pfdo.errors import DomainError
from pfdo.municipality.services import local_today
from pfdo.providers.access import own_provider_or_404
from pfdo.web import add_error, arg_int, decide, form_status, redirect_to, render_page_or_block


def _actor():
    return current_user._get_current_object()


@bp.route("/enrolments/contracts/<int:contract_id>/review", methods=["GET", "POST"])
@roles_required(Role.PARENT)
def review_form(contract_id: int):
    contract = access.own_contract(current_user, contract_id)
    today = local_today()
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            reviews.write(contract, actor=_actor(), rating=form.stars(), text=form.text.data,
                          today=today)
        except DomainError as error:
            add_error(form, error)
        else:
            flash("Спасибо! Отзыв опубликован на странице программы.", "success")
            return redirect_to(url_for("enrollments.review_form", contract_id=contract.id))
    return render_page_or_block(
        "enrollments/review_form.html", "review", form_status(form), form=form,
        contract=contract, review=reviews.review_of(contract),
        refusal=reviews.refusal(contract, today, actor=_actor()))


@bp.route("/provider/reviews")
@roles_required(Role.PROVIDER)
def provider_reviews():
    provider = own_provider_or_404(current_user)
    filters = ProviderReviewFilterForm(request.args)
    pagination = reviews.provider_reviews(provider, filters.review_filter(),
                                          page=arg_int("page", 1))
    return render_page_or_block("enrollments/review_provider.html", "results",
                                filters=filters, pagination=pagination, provider=provider,
                                answer_form=AnswerForm(formdata=None),
                                signature=reviews.author_signature)


def _answer_page(review, form, status: int):
    return render_page_or_block("enrollments/review_answer.html", "answer", status,
                                review=review, form=form, signature=reviews.author_signature)


@bp.route("/provider/reviews/<int:review_id>/answer", methods=["POST"])
@roles_required(Role.PROVIDER)
def answer_review(review_id: int):
    review = reviews.provider_review(current_user, review_id)
    form = AnswerForm()
    back = url_for("enrollments.provider_reviews")
    return decide(form, lambda: reviews.answer(review, actor=_actor(), text=form.text.data),
                  success="Ответ опубликован под отзывом. Автор получил уведомление.",
                  back=back, done=back,
                  rerender=lambda invalid, status: _answer_page(review, invalid, status))


@bp.route("/coordinator/reviews")
@roles_required(Role.COORDINATOR)
def coordinator_reviews():
    filters = CoordinatorReviewFilterForm(request.args, providers=reviews.reviewed_providers())
    pagination = reviews.all_reviews(filters.review_filter(), page=arg_int("page", 1))
    return render_page_or_block("enrollments/review_coordinator.html", "results",
                                filters=filters, pagination=pagination,
                                hide_form=HideForm(formdata=None),
                                signature=reviews.author_signature)


def _hide_page(review, form, status: int):
    return render_page_or_block("enrollments/review_hide.html", "hide", status,
                                review=review, form=form, signature=reviews.author_signature)


@bp.route("/coordinator/reviews/<int:review_id>/hide", methods=["POST"])
@roles_required(Role.COORDINATOR)
def hide_review(review_id: int):
    review = get_or_not_found(Review, review_id)
    form = HideForm()
    back = url_for("enrollments.coordinator_reviews")
    return decide(form, lambda: reviews.hide(review, actor=_actor(), reason=form.reason.data),
                  success="Отзыв скрыт: его нет на странице программы и в рейтинге.",
                  back=back, done=back,
                  rerender=lambda invalid, status: _hide_page(review, invalid, status))
