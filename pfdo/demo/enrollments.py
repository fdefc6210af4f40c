"""Demo enrolment (docs/domain.md §8): requests, offers and contracts in every state across the
current period's months, waitlists on a few full groups, and reviews.

Each request is a story — submitted, answered, accepted or declined, maybe terminated — whose
steps run through the real services with the clock moved to the step's moment; the steps of all
the stories run in time order (`Timeline`), together with the daily expiry job. So the money is
the ledger's own (`offers.accept` reserves into the escrow, `contracts.terminate` releases), the
seats never exceed the capacity, and what nobody answered in time expires or lapses. The job's
last run is a few days before today, so some pending requests are overdue. Reviews are rows on
started contracts; Program.rating_total/rating_count are the sum and count of the visible ones.

The demo parent's children: one with an active contract, one with an offer waiting, and one
(added here, with a certificate) waiting in the queue of a full group."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from faker import Faker
from sqlalchemy import select, update

from pfdo import clock
from pfdo.accounts.models import Role, User
from pfdo.certificates import applications
from pfdo.certificates.models import Certificate, CertificateStatus, FinancingGrant
from pfdo.children.models import Child
from pfdo.db import db, unit_of_work
from pfdo.demo import billing
from pfdo.demo.certificates import _child
from pfdo.demo.enrollment_data import (
    COMMENTS,
    FULL_REASON,
    PARENT_REASONS,
    PROVIDER_REASONS,
    REJECTIONS,
)
from pfdo.demo.reviews import seed_reviews
from pfdo.demo.timeline import Plan, Story, Timeline
from pfdo.enrollments import contracts, jobs, offers, requests, waitlist
from pfdo.enrollments.models import (
    Contract,
    ContractStatus,
    EnrollmentRequest,
    WaitlistEntry,
)
from pfdo.municipality import services as municipality
from pfdo.notifications.models import OutboxMessage
from pfdo.periods import services as periods
from pfdo.programs.models import Funding, Group, Program, ProgramStatus
from pfdo.providers.models import Provider, ProviderStaff, ProviderStatus

#: requests a child sends over the period (drawn from these)
STORIES_PER_CHILD = (2, 3, 3, 4, 4, 5, 6, 7)
#: how a story ends, with its weight
OUTCOMES = {"active": 34, "terminated": 9, "rejected": 9, "withdrawn": 5, "expired": 5,
            "declined": 6, "lapsed": 5, "offered": 6, "pending": 5, "overdue": 3}
#: full groups with a waitlist
WAITLISTED_GROUPS = 6
#: the expiry job's last run, this many days before today
JOB_PAUSE = 4
#: financing places left for the families who convert a certificate while looking around
KEEP_PLACES = 6


def seed_enrollments(fake: Faker, demo_parent_email: str) -> None:
    """The enrolment side of the demo (see the module docstring), after the catalogue."""
    rng = fake.random
    today = municipality.local_today()
    period = periods.current_period(today)
    if period is None:
        return
    staff = {s.provider_id: s.user_id for s in db.session.scalars(select(ProviderStaff))}
    coordinator = db.session.scalars(select(User.id).where(User.role == Role.COORDINATOR)).first()
    plan = Plan(rng, today, start=max(period.starts_on + timedelta(days=2), today - timedelta(
        days=330)), last_job=today - timedelta(days=JOB_PAUSE), coordinator_id=coordinator,
        staff=staff)
    groups = _open_groups(today)
    demo_provider = next(iter(staff), None)  # the one provider with a demo account
    demo_parent = db.session.scalars(select(User).where(
        User.email == demo_parent_email)).one()
    timeline = Timeline(clock.now())
    waiting_child = _third_child(fake, plan, demo_parent)
    certificates = _certificates()
    demo_children = [c for c in certificates if c.child.parent_id == demo_parent.id
                     and c.child_id != waiting_child.id]
    others = [c for c in certificates if c.child.parent_id != demo_parent.id]
    busy = _waitlists(plan, timeline, groups, others, waiting_child, demo_provider)
    _demo_family(plan, timeline, groups, demo_children, demo_provider)
    for certificate in others:
        _child_stories(plan, timeline, groups, certificate, busy.get(certificate.id, set()),
                       demo_provider)
    timeline.add(_expiry_job(plan))
    # the monthly close of the months over, on the same timeline (pfdo.demo.billing)
    billing.add_stories(plan, timeline, first_month=period.starts_on,
                        demo_provider=demo_provider, demo_parent=demo_parent.id)
    timeline.run()
    seed_reviews(plan)
    with unit_of_work():
        # Demo e-mails were "sent" when they were made: the outbox must not mail fake addresses.
        db.session.execute(update(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
                           .values(sent_at=clock.now()))


def _open_groups(today: date) -> list[Group]:
    return list(db.session.scalars(
        select(Group).join(Program, Program.id == Group.program_id)
        .join(Provider, Provider.id == Program.provider_id)
        .where(Program.status == ProgramStatus.PUBLISHED,
               Provider.status == ProviderStatus.APPROVED, Group.is_open,
               Group.ends_on > today + timedelta(days=30))
        .order_by(Group.id)))


def _certificates() -> list[Certificate]:
    return list(db.session.scalars(
        select(Certificate).join(Child, Child.id == Certificate.child_id)
        .where(Certificate.status == CertificateStatus.ACTIVE).order_by(Certificate.id)))


def _fits(child: Child, group: Group) -> bool:
    program = group.program
    return program.age_from <= child.age_on(group.starts_on) <= program.age_to


def _earliest(plan: Plan, certificate: Certificate) -> date:
    """The first day the certificate could be used: after it was issued (and financed)."""
    moments = [certificate.issued_at] + [g.granted_at for g in db.session.scalars(
        select(FinancingGrant).where(FinancingGrant.certificate_id == certificate.id))]
    return max(municipality.local_date(m) for m in moments) + timedelta(days=1)


def _published(group: Group) -> date:
    return municipality.local_date(group.program.published_at) + timedelta(days=1)


# --- one request's story -------------------------------------------------------------------

def _window(plan: Plan, outcome: str) -> tuple[date, date]:
    """When a request with this outcome was sent, so that its deadlines fall right: an offer
    still waiting or a request still pending is recent, the rest older than the job's pause."""
    today = plan.today
    if outcome == "offered":
        return today - timedelta(days=7), today - timedelta(days=1)
    if outcome == "pending":
        return today - timedelta(days=3), today
    if outcome == "overdue":
        return today - timedelta(days=12), today - timedelta(days=8)
    return plan.start, today - timedelta(days=25)


def _story(plan: Plan, certificate_id: int, group_id: int, outcome: str,
           sent: date) -> Story:
    rng = plan.rng
    yield plan.at(sent)
    certificate, group = db.session.get(Certificate, certificate_id), db.session.get(
        Group, group_id)
    parent_id, starts_on = certificate.child.parent_id, group.starts_on
    request = requests.submit(certificate.child.parent, certificate.child, group, today=sent,
                              confirm_schedule=True,
                              comment=rng.choice(COMMENTS) if rng.random() < 0.2 else None)
    request_id = request.id
    if outcome in ("expired", "pending", "overdue"):
        return  # the job closes an expired one; the others wait for the provider
    if outcome == "withdrawn":
        yield plan.at(sent + timedelta(days=rng.randint(0, 2)))
        requests.withdraw(db.session.get(EnrollmentRequest, request_id),
                          actor=db.session.get(User, parent_id))
        return
    answered = sent + timedelta(days=rng.randint(0, 3))
    if outcome == "offered":
        answered = min(answered, plan.today)
    yield plan.at(answered)
    request = db.session.get(EnrollmentRequest, request_id)
    staff, group = plan.answerer(request.group), request.group
    if outcome == "rejected" or group.seats_taken >= group.capacity:
        reason = FULL_REASON if group.seats_taken >= group.capacity else rng.choice(REJECTIONS)
        requests.reject(request, actor=staff, reason=reason)
        return
    offer_id = requests.accept(request, actor=staff, today=answered).id
    if outcome in ("offered", "lapsed"):
        return  # waiting for the family, or lapsed by the job
    decided = answered + timedelta(days=rng.randint(0, 3))
    yield plan.at(decided)
    offer, parent = db.session.get(Contract, offer_id), db.session.get(User, parent_id)
    converts = not offer.certificate.is_financing and offer.program.funding != Funding.MUNICIPAL
    period = periods.current_period(decided)
    if outcome == "declined" or (converts and period and period.quota_left <= KEEP_PLACES):
        offers.decline(offer, actor=parent, today=decided)
        return
    offers.accept(offer, actor=parent, today=decided, fingerprint=None, pay_in_full=True)
    if outcome != "terminated":
        return
    started = max(decided + timedelta(days=15), starts_on + timedelta(days=10))
    ended = plan.day(started, plan.today - timedelta(days=1)) or plan.day(
        decided + timedelta(days=3), plan.today - timedelta(days=1))
    if ended is None:
        return
    yield plan.at(ended)
    contract = db.session.get(Contract, offer_id)
    by_parent = rng.random() < 0.6
    contracts.terminate(contract, actor=contract.parent if by_parent
                        else plan.answerer(contract.group),
                        by="parent" if by_parent else "provider",
                        reason=rng.choice(PARENT_REASONS if by_parent else PROVIDER_REASONS),
                        today=ended)


def _child_stories(plan: Plan, timeline: Timeline, groups: list[Group],
                   certificate: Certificate, taken: set[int], demo_provider: int | None) -> None:
    """A few requests of one child, each for another program."""
    rng, child = plan.rng, certificate.child
    earliest = _earliest(plan, certificate)
    fitting = [g for g in groups if g.program_id not in taken and _fits(child, g)]
    if taken and not certificate.is_financing:
        # in a waitlisted group: no more free programs, whose limit could refuse that one
        fitting = [g for g in fitting if g.program.funding != Funding.MUNICIPAL]
    if not fitting:
        return
    free = [g for g in fitting if g.program.funding == Funding.MUNICIPAL]
    paid = [g for g in fitting if g.program.funding != Funding.MUNICIPAL]
    # A record certificate mostly goes to free programs; a financing one to certified ones.
    prefer = paid if certificate.is_financing else free
    outcomes, weights = list(OUTCOMES), list(OUTCOMES.values())
    free_live = 0
    for _ in range(rng.choice(STORIES_PER_CHILD)):
        pool = prefer if prefer and rng.random() < 0.8 else fitting
        pool = [g for g in pool if g.program_id not in taken]
        if not pool:
            break
        outcome = rng.choices(outcomes, weights)[0]
        # the demo provider's account has requests to answer, and a share of the rest
        own = [g for g in pool if g.program.provider_id == demo_provider]
        waits = outcome in ("pending", "overdue", "offered")
        group = rng.choice(own if own and rng.random() < (0.5 if waits else 0.15) else pool)
        if group.program.funding == Funding.MUNICIPAL and not certificate.is_financing:
            if outcome in ("active", "offered", "pending", "overdue") and free_live >= 2:
                outcome = "rejected"  # the limit of free programs of a record certificate
            free_live += outcome in ("active", "offered", "pending", "overdue")
        low, high = _window(plan, outcome)
        sent = plan.day(max(low, earliest, _published(group)), high)
        if sent is None:
            continue
        taken.add(group.program_id)
        timeline.add(_story(plan, certificate.id, group.id, outcome, sent))


def _expiry_job(plan: Plan) -> Story:
    """`flask enrolments expire` each morning until a few days ago."""
    day = plan.start
    while day <= plan.last_job:
        yield datetime.combine(day, time(0, 5), UTC)
        jobs.expire(day)
        day += timedelta(days=1)


# --- the demo family and the waitlists --------------------------------------------------------

def _third_child(fake: Faker, plan: Plan, parent: User) -> Child:
    """A school-age child of the demo parent with a certificate issued a month ago."""
    child = _child(fake, parent, plan.today)
    applied = plan.today - timedelta(days=40)
    with clock.freeze(plan.at(applied)):
        application = applications.apply_for_certificate(parent, child, consent=True,
                                                         today=applied)
    with clock.freeze(plan.at(applied + timedelta(days=2))):
        applications.confirm_application(application,
                                         actor=db.session.get(User, plan.coordinator_id))
    return child


def _demo_family(plan: Plan, timeline: Timeline, groups: list[Group],
                 certificates: list[Certificate], demo_provider: int | None) -> None:
    """The financing child studies at the demo provider (and was refused once elsewhere); the
    record child has the demo provider's offer waiting."""
    own = [g for g in groups if g.program.provider_id == demo_provider and g.capacity > 12]
    for certificate in certificates:
        child = certificate.child
        if certificate.is_financing:
            funding, outcomes = Funding.CERTIFIED, ("active", "rejected")
        else:
            funding, outcomes = Funding.MUNICIPAL, ("offered",)
        fitting = [g for g in own if g.program.funding == funding and _fits(child, g)] or [
            g for g in groups if g.program.funding == funding and _fits(child, g)]
        chosen = plan.rng.sample(fitting, min(len(outcomes), len(fitting)))
        earliest = _earliest(plan, certificate)
        for group, outcome in zip(chosen, outcomes, strict=False):
            low, high = _window(plan, outcome)
            sent = plan.day(max(low, earliest, _published(group)), high)
            if sent is not None:
                timeline.add(_story(plan, certificate.id, group.id, outcome, sent))


def _waitlists(plan: Plan, timeline: Timeline, groups: list[Group],
               certificates: list[Certificate], waiting_child: Child,
               demo_provider: int | None) -> dict[int, set[int]]:
    """A few small groups filled to capacity with a queue; in two a seat was freed and taken
    by the first of the queue, in two a seat was freed yesterday and is offered to the first.
    The demo parent's third child joined second the queue of the first (the demo provider's
    when one fits), and is first now.
    Returns {certificate id: programs used}, for the other stories to avoid."""
    rng, today = plan.rng, plan.today
    ready = {c.id: _earliest(plan, c) for c in certificates}
    pool = list(certificates)
    rng.shuffle(pool)
    small = [g for g in groups if g.capacity <= 12 and g.starts_on <= today + timedelta(
        days=200) and _published(g) < today - timedelta(days=40)]
    rng.shuffle(small)
    small.sort(key=lambda g: not (g.program.provider_id == demo_provider
                                  and _fits(waiting_child, g)))
    used: dict[int, set[int]] = {}
    chosen = 0
    for group in small:
        # one waitlisted group per child; a record certificate in a free one only (a certified
        # one would convert it)
        fitting = [c for c in pool if _fits(c.child, group) and ready[c.id] <= today
                   - timedelta(days=20) and c.id not in used
                   and (c.is_financing or group.program.funding == Funding.MUNICIPAL)]
        # the fill (one more than the seats: the last is refused) asked long enough ago
        fill = [c for c in fitting if ready[c.id] <= today - timedelta(days=28)][
            :group.capacity + 1]
        queue = [c for c in fitting if c not in fill][:rng.randint(3, 6)]
        if len(fill) <= group.capacity or len(queue) < 3 \
                or (chosen == 0 and not _fits(waiting_child, group)):
            continue
        for certificate in fill + queue:
            used.setdefault(certificate.id, set()).add(group.program_id)
        for certificate in fill:
            sent = plan.day(max(today - timedelta(days=90), ready[certificate.id]),
                            today - timedelta(days=27))
            if sent is not None:  # None: the period began less than a month ago
                timeline.add(_story(plan, certificate.id, group.id, "active", sent))
        joiners = [c.child_id for c in queue]
        if chosen == 0:
            joiners.insert(1, waiting_child.id)
        for k, child_id in enumerate(joiners):
            timeline.add(_join(plan, child_id, group.id, today - timedelta(days=19 - 2 * k)))
        if chosen in (0, 2):  # a seat freed ten days ago went to the first of the queue
            timeline.add(_free_seat(plan, group.id, today - timedelta(days=12)))
            timeline.add(_take_offer(plan, joiners[0], group.id, today - timedelta(days=10)))
        elif chosen in (1, 3):  # a seat freed yesterday waits for the first of the queue
            timeline.add(_free_seat(plan, group.id, today - timedelta(days=1)))
        chosen += 1
        if chosen == WAITLISTED_GROUPS:
            break
    return used


def _join(plan: Plan, child_id: int, group_id: int, day: date) -> Story:
    yield plan.at(day)
    child = db.session.get(Child, child_id)
    waitlist.join(child.parent, child, db.session.get(Group, group_id), today=day)


def _free_seat(plan: Plan, group_id: int, day: date) -> Story:
    yield plan.at(day)
    contract = db.session.scalars(select(Contract).where(
        Contract.group_id == group_id, Contract.status == ContractStatus.ACTIVE)
        .order_by(Contract.id)).first()
    if contract is not None:
        contracts.terminate(contract, actor=contract.parent, by="parent", today=day,
                            reason=plan.rng.choice(PARENT_REASONS))


def _take_offer(plan: Plan, child_id: int, group_id: int, day: date) -> Story:
    yield plan.at(day)
    entry = db.session.scalars(select(WaitlistEntry).where(
        WaitlistEntry.child_id == child_id, WaitlistEntry.group_id == group_id,
        WaitlistEntry.contract_id.is_not(None))).first()
    if entry is not None and entry.contract.is_offer:
        offers.accept(entry.contract, actor=entry.child.parent, today=day, fingerprint=None,
                      pay_in_full=True)
