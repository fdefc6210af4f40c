"""Reviews of a program (docs/domain.md §8 point 6): once a contract has a delivered month, its
parent may rate the program once (1–5 stars and a text); the provider's staff may answer once;
the coordinator may hide an abusive review with a reason.

`Program.rating_total` and `rating_count` are the sum and the number of the program's visible
reviews: the navigator shows and sorts by their ratio without reading the reviews. They change
only here, by guarded SQL increments in the transaction that writes or hides the review, so two
reviews written at once both count and a hidden one never counts twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from pfdo import clock
from pfdo.accounts.models import Role, User
from pfdo.audit import services as audit
from pfdo.db import db, unit_of_work
from pfdo.enrollments import notices
from pfdo.enrollments.contracts import last_day_of_month
from pfdo.enrollments.models import (
    REASON_MAX,
    REVIEW_MAX,
    Contract,
    ContractStatus,
    MonthStatus,
    Review,
)
from pfdo.errors import DomainError, NotFound
from pfdo.formatting import count_with_noun
from pfdo.identifiers import has_control_characters
from pfdo.programs.models import Program
from pfdo.providers.models import Provider, ProviderStaff

RATINGS = (1, 2, 3, 4, 5)
TEXT_MIN = 10
#: what a text may keep of the control characters (a textarea's line breaks and tabs)
_TEXT_ALLOWED = frozenset("\t\n\r")
#: the statuses of a month the provider has delivered (billing later marks them paid)
_DELIVERED = (MonthStatus.RESERVED, MonthStatus.PAID)

NOT_YET = ("Отзыв можно оставить после первого полного месяца занятий: когда он закончится, "
           "здесь появится форма.")
ALREADY = "Отзыв по этому договору уже оставлен."
NO_STARS = "Поставьте оценку — от 1 до 5 звёзд"
NO_TEXT = "Напишите, что понравилось и что нет"


# --- Who may write ---------------------------------------------------------------------------

def delivered_months(contract: Contract, today: date) -> int:
    """The contract's months that have fully passed (their last day before `today`) and were
    not released: the months the child attended."""
    return sum(1 for m in contract.months
               if m.status in _DELIVERED and last_day_of_month(m.month) < today)


def refusal(contract: Contract, today: date, *, actor: User | None = None) -> str | None:
    """Why the contract's family may not review the program now, or None when it may."""
    if actor is not None and actor.id != contract.parent_id:
        raise NotFound()
    if contract.status not in (ContractStatus.ACTIVE, ContractStatus.TERMINATED):
        return "Отзыв можно оставить только по заключённому договору."
    if review_of(contract) is not None:
        return ALREADY
    if not delivered_months(contract, today):
        return NOT_YET
    return None


def can_review(contract: Contract, today: date, *, actor: User | None = None) -> bool:
    """The contract is active or terminated, has a delivered month and no review yet (and,
    with `actor`, the actor is the contract's parent)."""
    try:
        return refusal(contract, today, actor=actor) is None
    except NotFound:
        return False


def review_of(contract: Contract) -> Review | None:
    return db.session.scalar(select(Review).where(Review.contract_id == contract.id))


# --- Input -------------------------------------------------------------------------------------

def _rating(value) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value in RATINGS:
        return value
    raise DomainError(NO_STARS, field="rating")


def _text(value: str | None, *, field: str, minimum: int, maximum: int, empty: str) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(empty, field=field)
    if has_control_characters(text, allowed=_TEXT_ALLOWED):
        raise DomainError("Уберите непечатаемые символы: они попали сюда при копировании "
                          "текста", field=field)
    if len(text) < minimum:
        raise DomainError(f"Напишите хотя бы {minimum} знаков", field=field)
    if len(text) > maximum:
        raise DomainError(f"Не длиннее {maximum} знаков (сейчас {len(text)})", field=field)
    return text


def _add_to_rating(program_id: int, stars: int, count: int) -> None:
    """Change the program's rating sum and count in SQL (never from values read earlier). The
    WHERE keeps them from going below zero; a miss means they were already out of step."""
    guard = [Program.id == program_id]
    if count < 0:
        guard += [Program.rating_count >= -count, Program.rating_total >= -stars]
    done = db.session.execute(
        update(Program).where(*guard)
        .values(rating_total=Program.rating_total + stars,
                rating_count=Program.rating_count + count)
        .execution_options(synchronize_session=False)).rowcount
    if not done:
        raise DomainError("Рейтинг программы не сходится с отзывами: обратитесь в поддержку")
    program = db.session.get(Program, program_id)
    if program is not None:
        db.session.expire(program, ["rating_total", "rating_count"])


# --- The three steps ---------------------------------------------------------------------------

def write(contract: Contract, *, actor: User, rating: int | None, text: str | None,
          today: date) -> Review:
    """The parent's review of the contract's program: 1–5 stars and 10–2000 characters of text.
    Counted in the program's rating at once; the provider's staff are told.

    Refuses: another user's contract (NotFound), a contract not active nor terminated, no
    delivered month yet, a second review for the contract (also when two are sent at once: the
    UNIQUE index on the contract decides), a rating outside 1–5, a text too short or too long
    or with control characters."""
    stars = _rating(rating)
    body = _text(text, field="text", minimum=TEXT_MIN, maximum=REVIEW_MAX,
                 empty=NO_TEXT)
    with unit_of_work():
        problem = refusal(contract, today, actor=actor)
        if problem:
            raise DomainError(problem)
        review = Review(contract_id=contract.id, program_id=contract.program_id,
                        author_id=actor.id, rating=stars, text=body)
        try:
            with db.session.begin_nested():
                db.session.add(review)
                db.session.flush()
        except IntegrityError as error:
            raise DomainError(ALREADY) from error
        _add_to_rating(contract.program_id, stars, 1)
        audit.record(actor, "review.written", review,
                     {"contract": contract.id, "program": contract.program_id, "rating": stars})
        program = contract.program
        notices.to_provider(
            contract.provider, f"Новый отзыв о программе «{program.title}»: "
            f"{stars_text(stars)}.", endpoint="enrollments.provider_reviews",
            subject="Новый отзыв о программе", template="emails/review_new.txt",
            program=program, review=review)
    return review


def answer(review: Review, *, actor: User, text: str | None) -> Review:
    """The provider's public answer under the review, once. The author is told.

    Refuses: a user who is not staff of the program's provider (NotFound), a hidden review, a
    review already answered (also by a colleague a moment earlier: the UPDATE is guarded by
    `answer IS NULL`), an empty or too long text."""
    program = review.program
    if not is_staff_of(actor, program.provider_id):
        raise NotFound()
    body = _text(text, field="text", minimum=1, maximum=REVIEW_MAX,
                 empty="Напишите ответ")
    with unit_of_work():
        if review.is_hidden:
            raise DomainError("Отзыв скрыт координатором: ответить на него нельзя")
        done = db.session.execute(
            update(Review).where(Review.id == review.id, Review.answer.is_(None))
            .values(answer=body, answered_at=clock.now(), answered_by_id=actor.id)
            .execution_options(synchronize_session=False)).rowcount
        if not done:
            raise DomainError("На этот отзыв уже ответили")
        db.session.refresh(review)
        audit.record(actor, "review.answered", review, {"program": program.id})
        notices.to_parent(
            review.author, f"Поставщик ответил на ваш отзыв о программе «{program.title}».",
            endpoint="enrollments.review_form", contract_id=review.contract_id,
            subject="Ответ на ваш отзыв", template="emails/review_answered.txt",
            program=program, review=review)
    return review


def hide(review: Review, *, actor: User, reason: str | None) -> Review:
    """The coordinator hides an abusive review with a reason: it leaves the program page and
    its stars leave the rating (guarded subtraction).

    Refuses: a user who is not a coordinator, an empty or too long reason, a review already
    hidden (the UPDATE is guarded by `hidden_at IS NULL`)."""
    if actor.role != Role.COORDINATOR:
        raise DomainError("Скрыть отзыв может только координатор")
    why = _text(reason, field="reason", minimum=1, maximum=REASON_MAX,
                empty="Укажите причину: её увидят поставщик и автор отзыва")
    with unit_of_work():
        done = db.session.execute(
            update(Review).where(Review.id == review.id, Review.hidden_at.is_(None))
            .values(hidden_at=clock.now(), hidden_reason=why, hidden_by_id=actor.id)
            .execution_options(synchronize_session=False)).rowcount
        if not done:
            raise DomainError("Отзыв уже скрыт")
        db.session.refresh(review)
        _add_to_rating(review.program_id, -review.rating, -1)
        audit.record(actor, "review.hidden", review,
                     {"program": review.program_id, "reason": why})
    return review


def is_staff_of(user: User, provider_id: int) -> bool:
    return db.session.scalar(select(func.count()).select_from(ProviderStaff).where(
        ProviderStaff.user_id == user.id, ProviderStaff.provider_id == provider_id)) > 0


def stars_text(stars: int) -> str:
    return f"{count_with_noun(stars, 'звезда', 'звезды', 'звёзд')} из 5"


# --- Reading -----------------------------------------------------------------------------------

def author_signature(user: User) -> str:
    """How a review is signed in public: the parent's first name and the initial of the
    surname («Мария И.»); never the child's name, never the full surname."""
    first = (user.first_name or "").strip()
    initial = (user.last_name or "").strip()[:1]
    return f"{first} {initial}." if initial else (first or "Родитель")


@dataclass(frozen=True)
class PublicReview:
    """A visible review as the navigator shows it: nothing about the child."""

    id: int
    rating: int
    text: str
    created_at: datetime
    author: str
    answer: str | None
    answered_at: datetime | None


@dataclass(frozen=True)
class PublicReviews:
    items: list[PublicReview]
    total: int
    limit: int

    @property
    def more(self) -> bool:
        return self.total > len(self.items)


def _visible(stmt):
    return stmt.where(Review.hidden_at.is_(None))


def public_reviews(program: Program, *, limit: int) -> PublicReviews:
    """The program's visible reviews, newest first, the first `limit` of them."""
    total = db.session.scalar(_visible(select(func.count()).select_from(Review))
                              .where(Review.program_id == program.id)) or 0
    rows = db.session.scalars(
        _visible(select(Review)).where(Review.program_id == program.id)
        .options(selectinload(Review.author))
        .order_by(Review.created_at.desc(), Review.id.desc()).limit(limit))
    items = [PublicReview(r.id, r.rating, r.text, r.created_at, author_signature(r.author),
                          r.answer, r.answered_at) for r in rows]
    return PublicReviews(items, total, limit)


ANSWERED, UNANSWERED, ALL = "answered", "unanswered", ""
VISIBLE, HIDDEN = "visible", "hidden"


@dataclass(frozen=True)
class ReviewFilter:
    #: ANSWERED, UNANSWERED or ALL
    answered: str = ALL
    #: VISIBLE, HIDDEN or ALL
    visibility: str = ALL
    provider_id: int | None = None
    rating: int | None = None


def _listed(flt: ReviewFilter):
    stmt = (select(Review).join(Program, Review.program_id == Program.id)
            .options(selectinload(Review.program).selectinload(Program.provider),
                     selectinload(Review.author)))
    if flt.answered == ANSWERED:
        stmt = stmt.where(Review.answer.is_not(None))
    elif flt.answered == UNANSWERED:
        stmt = stmt.where(Review.answer.is_(None))
    if flt.visibility == VISIBLE:
        stmt = stmt.where(Review.hidden_at.is_(None))
    elif flt.visibility == HIDDEN:
        stmt = stmt.where(Review.hidden_at.is_not(None))
    if flt.provider_id is not None:
        stmt = stmt.where(Program.provider_id == flt.provider_id)
    if flt.rating in RATINGS:
        stmt = stmt.where(Review.rating == flt.rating)
    return stmt.order_by(Review.created_at.desc(), Review.id.desc())


def provider_reviews(provider: Provider, flt: ReviewFilter, *, page: int = 1,
                     per_page: int = 20):
    """The reviews of the provider's programs, newest first (hidden ones too, marked)."""
    flt = ReviewFilter(answered=flt.answered, provider_id=provider.id)
    return db.paginate(_listed(flt), page=page, per_page=per_page, error_out=False)


def all_reviews(flt: ReviewFilter, *, page: int = 1, per_page: int = 30):
    """Every review for the coordinator, newest first, by provider, visibility and rating."""
    return db.paginate(_listed(flt), page=page, per_page=per_page, error_out=False)


def provider_review(staff: User, review_id: int) -> Review:
    """A review of a program of the staff member's provider, or NotFound."""
    review = db.session.get(Review, review_id)
    if review is None or not is_staff_of(staff, review.program.provider_id):
        raise NotFound()
    return review


def reviewed_providers() -> list[tuple[int, str]]:
    """(id, name) of the providers with a review, for the coordinator's filter."""
    return [(row.id, row.short_name) for row in db.session.execute(
        select(Provider.id, Provider.short_name).join(Program, Program.provider_id == Provider.id)
        .join(Review, Review.program_id == Program.id).distinct()
        .order_by(Provider.short_name, Provider.id))]
