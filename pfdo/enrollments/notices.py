"""Who is told about an enrolment event, in the app and by e-mail (docs/domain.md §15): the
family for what it must act on (an answer, an offer waiting or lapsing, a waitlist seat, a
contract ended), the provider's staff for requests and the family's decisions. Each runs in
the caller's transaction, so nothing is announced for an operation that rolled back; every
e-mail links to the page it is about (`link`, from the configured public address)."""

from __future__ import annotations

from sqlalchemy import select

from pfdo import links
from pfdo.accounts.models import User
from pfdo.db import db
from pfdo.notifications.services import notify
from pfdo.providers.models import Provider, ProviderStaff
from pfdo.russian import inflect_first_name


def genitive(child) -> str:
    """The child's first name after «для», «у»: «для Касьяна», «у Регины»."""
    return inflect_first_name(child, "genitive")


def provider_staff(provider: Provider) -> list[User]:
    return list(db.session.scalars(
        select(User).join(ProviderStaff, ProviderStaff.user_id == User.id)
        .where(ProviderStaff.provider_id == provider.id).order_by(User.id)))


def to_provider(provider: Provider, text: str, *, endpoint: str, subject: str, template: str,
                **values) -> None:
    """Tell every staff member of `provider`; `endpoint` and `values` name the page."""
    params = {k: v for k, v in values.items() if k.endswith("_id")}
    context = {k: v for k, v in values.items() if not k.endswith("_id")}
    url, link = links.path(endpoint, **params), links.absolute_url(endpoint, **params)
    for user in provider_staff(provider):
        notify(user, text, url=url, subject=subject, template=template, link=link, **context)


def to_parent(parent: User, text: str, *, endpoint: str, subject: str, template: str,
              **values) -> None:
    params = {k: v for k, v in values.items() if k.endswith("_id")}
    context = {k: v for k, v in values.items() if not k.endswith("_id")}
    notify(parent, text, url=links.path(endpoint, **params), subject=subject,
           template=template, link=links.absolute_url(endpoint, **params), **context)
