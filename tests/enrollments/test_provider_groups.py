"""A group's pupils and its disbanding through the provider's pages: the contracts end with the
release of the later months, offers, requests and the waitlist are closed, every family is
told. (Named test_provider_*: the provider's pages.)"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from pfdo.db import db
from pfdo.enrollments import waitlist
from pfdo.enrollments.models import Contract, EnrollmentRequest, WaitlistEntry
from pfdo.ledger import services as ledger
from pfdo.notifications.models import Notice
from pfdo.programs.models import Group
from tests import factories
from tests.conftest import form_post, login
from tests.factories.accounts import user_row


def _family(app, world, last_name: str, first_name: str = "Пётр"):
    parent = factories.user(app, "parent")
    kid = factories.child(app, parent, last_name=last_name, first_name=first_name,
                          middle_name="Ильич", sex="male")
    factories.certificate(app, parent, kid, coordinator=world.coordinator)
    return parent, kid


def _queue(app, parent, kid, group):
    from pfdo.children.models import Child
    with app.app_context():
        return waitlist.join(user_row(parent), db.session.get(Child, kid.id),
                             db.session.get(Group, group.id), today=factories.today()).id


def _texts(app, user) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Notice.text).where(Notice.user_id == user.id)))


def _small_group(app, world):
    return factories.group(app, world.program, name="Малая", capacity=2,
                           starts_on=date(2026, 2, 1), ends_on=date(2026, 12, 31))


def test_the_pupils_page_lists_contracts_offers_and_the_waitlist(app, client, world):
    small = _small_group(app, world)
    signed = factories.contract(app, world.parent, world.child, small)
    p2, k2 = _family(app, world, "Петров")
    offer = factories.offer(app, p2, k2, small)
    p3, k3 = _family(app, world, "Сидоров", "Семён")
    factories.contract(app, p3, k3, small)  # the group is full now
    p4, k4 = _family(app, world, "Кузнецов", "Кирилл")
    _queue(app, p4, k4, small)
    login(client, world.staff.email)
    html = client.get(f"/provider/groups/{small.id}/pupils").get_data(as_text=True)
    assert "Ученики группы «Малая»" in html
    assert "Иванова А. П." in html and signed.number in html and "Март 2026" in html
    assert "Сидоров С. И." in html
    assert "Петров П. И." in html and offer.number in html and "ответ до 20.03.2026" in html
    assert "Кузнецов К. И. — 1-е место" in html
    assert "занято 2 из 2 мест" in html
    assert "2 договора завершатся в последний день этого месяца" in html
    assert "1 оферта будет закрыта" in html


def test_the_program_page_links_each_group_to_its_pupils(app, client, world):
    login(client, world.staff.email)
    html = client.get(f"/provider/programs/{world.program.id}").get_data(as_text=True)
    assert f"/provider/groups/{world.group.id}/pupils" in html


def test_disbanding_ends_everything_with_the_release_and_tells_every_family(
        app, client, world):
    small = _small_group(app, world)
    signed = factories.contract(app, world.parent, world.child, small)
    p2, k2 = _family(app, world, "Петров")
    offer = factories.offer(app, p2, k2, small)
    p3, k3 = _family(app, world, "Сидоров", "Семён")
    factories.contract(app, p3, k3, small)
    p4, k4 = _family(app, world, "Кузнецов", "Кирилл")
    entry_id = _queue(app, p4, k4, small)
    # a pending request elsewhere cannot be sent to a full group: free a seat first
    with app.app_context():
        db.session.get(Group, small.id).capacity = 3
        db.session.commit()
    p5, k5 = _family(app, world, "Орлов", "Олег")
    request = factories.enrolment_request(app, p5, k5, small)
    login(client, world.staff.email)
    page = f"/provider/groups/{small.id}/pupils"
    refused = form_post(client, f"/provider/groups/{small.id}/disband", {"reason": ""},
                        page=page)
    assert refused.status_code == 422
    assert "Укажите, почему группа расформирована" in refused.get_data(as_text=True)
    done = form_post(client, f"/provider/groups/{small.id}/disband",
                     {"reason": "Педагог уволился"}, page=page, follow_redirects=True)
    html = done.get_data(as_text=True)
    assert "Группа «Малая» расформирована" in html and "Завершено 2 договора" in html
    with app.app_context():
        group = db.session.get(Group, small.id)
        assert not group.is_open and group.seats_taken == 0
        contract = db.session.get(Contract, signed.id)
        assert contract.status == "terminated" and contract.terminated_by == "group_closed"
        assert [m.status for m in contract.months] == ["reserved"] + ["released"] * 9
        assert ledger.balances_by_code([contract.escrow_code])[contract.escrow_code] == \
            contract.months[0].certificate_share
        assert db.session.get(Contract, offer.id).status == "lapsed"
        assert db.session.get(EnrollmentRequest, request.id).status == "rejected"
        assert db.session.get(WaitlistEntry, entry_id).status == "cancelled"
    assert any("расторгнут" in t for t in _texts(app, world.parent))
    assert any("оферта" in t and "Педагог уволился" in t for t in _texts(app, p2))
    assert any("очередь" in t and "Педагог уволился" in t for t in _texts(app, p4))
    assert any("Заявка" in t and "расформирована" in t for t in _texts(app, p5))
