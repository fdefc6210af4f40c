"""A published program's changes by HTTP, as the provider, the coordinator and a family see
them: the navigator keeps the published version until the coordinator publishes the changes,
which the queue shows field by field."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pfdo.db import db
from pfdo.programs.models import Program, ProgramRevision, RevisionGroup
from tests import factories
from tests.conftest import form_post, login
from tests.programs.test_views import GROUP_FORM, multipart, program_row, text

#: the factories' program as the edit form posts it
FACTORY_FORM = {
    "title": "Робототехника для начинающих", "direction": "technical",
    "description": "Собираем и программируем роботов из конструктора.", "age_from": "7",
    "age_to": "12", "months": "9", "hours_per_week": "2", "funding": "certified",
    "district": "Ленинский район", "address": "с. Ленинское, ул. Школьная, 1",
    "teacher": "Смирнов Олег Игоревич",
}
#: the issue's edit: the title, the description, the address, the teacher (and the document)
ISSUE_EDIT = {**FACTORY_FORM, "title": "Шахматный клуб «Ладья»",
              "description": "Дебюты, эндшпиль и турниры.", "address": "ул. Новая, 5",
              "teacher": "Иванов Пётр Петрович"}
NEW_PLAN = factories.pdf_bytes("New plan")


@pytest.fixture
def setting(app, make, client, login_as, frozen_clock):
    """A provider's staff member signed in with a published program; a coordinator's and a
    guest's clients."""
    make.municipality()
    staff = login_as("provider_staff")
    provider = factories.provider(app, staff=staff, short_name="ЦДТ «Радуга»")
    prog = factories.program(app, provider, document=True)
    grp = factories.group(app, prog, price=250_000)
    coordinator = make.user("coordinator", email="coord@pfdo.ru")
    coordinator_client = app.test_client()
    assert login(coordinator_client, coordinator.email).status_code == 302
    return {"provider": provider, "program": prog, "group": grp,
            "coordinator": coordinator_client, "guest": app.test_client()}


def public_page(setting) -> str:
    return text(setting["guest"].get(f"/programs/{setting['program'].id}"))


def found(setting, words: str) -> bool:
    html = text(setting["guest"].get("/programs", query_string={"q": words}))
    return f"/programs/{setting['program'].id}\"" in html


def edits_on(html: str) -> str:
    return re.search(r'name="edits" type="hidden" value="(\d+)"', html).group(1)


def test_an_edit_stays_off_the_navigator_until_the_coordinator_publishes_it(app, client,
                                                                           setting):
    prog = setting["program"]
    response = multipart(client, f"/provider/programs/{prog.id}/edit", ISSUE_EDIT,
                         files={"document": (NEW_PLAN, "Новый план.pdf")})
    assert response.status_code == 302
    assert "Изменения отправлены координатору" in text(client.get(response.headers["Location"]))

    # Families still see the published version: the page, the search, the provider's page
    page = public_page(setting)
    assert "Робототехника для начинающих" in page and "Смирнов Олег Игоревич" in page
    assert "с. Ленинское, ул. Школьная, 1" in page
    assert "Шахматный клуб" not in page and "Иванов Пётр" not in page and "Дебюты" not in page
    assert found(setting, "робототехника") and not found(setting, "шахматы")
    provider_page = text(setting["guest"].get(f"/providers/{setting['provider'].id}"))
    assert "Робототехника для начинающих" in provider_page and "Шахматный" not in provider_page
    assert setting["guest"].get(f"/programs/{prog.id}/document").data != NEW_PLAN
    assert program_row(app, prog.id).status == "published"

    # The coordinator's queue has it; the review shows the changes field by field
    coordinator = setting["coordinator"]
    queue = text(coordinator.get("/coordinator/programs"))
    assert "Робототехника для начинающих" in queue and "изменения на модерации" in queue
    review = text(coordinator.get(f"/coordinator/programs/{prog.id}"))
    changes = review[review.index("Что изменится после публикации"):]
    for old, new in (("Робототехника для начинающих", "Шахматный клуб «Ладья»"),
                     ("Собираем и программируем роботов", "Дебюты, эндшпиль и турниры."),
                     ("с. Ленинское, ул. Школьная, 1", "ул. Новая, 5"),
                     ("Смирнов Олег Игоревич", "Иванов Пётр Петрович"),
                     ("Учебный план.pdf", "Новый план.pdf")):
        assert re.search(f"<del>.*{re.escape(old)}.*</del>", changes.replace("\n", " "))
        assert re.search(f"<ins>.*{re.escape(new)}.*</ins>", changes.replace("\n", " "))
    assert f"/provider/programs/{prog.id}/revision/document" in changes
    assert coordinator.get(f"/provider/programs/{prog.id}/revision/document").data == NEW_PLAN
    assert "Опубликовать изменения" in review

    response = form_post(coordinator, f"/coordinator/programs/{prog.id}/revision/publish",
                         {"edits": edits_on(review)}, page=f"/coordinator/programs/{prog.id}",
                         follow_redirects=True)
    assert "опубликованы: семьи видят новую версию" in text(response)

    # Now families see the new version everywhere
    page = public_page(setting)
    assert "Шахматный клуб «Ладья»" in page and "Иванов Пётр Петрович" in page
    assert "ул. Новая, 5" in page and "Дебюты, эндшпиль и турниры." in page
    assert "Робототехника для начинающих" not in page
    assert found(setting, "шахматы") and not found(setting, "робототехника")
    assert "Шахматный клуб" in text(setting["guest"].get(f"/providers/{setting['provider'].id}"))
    assert setting["guest"].get(f"/programs/{prog.id}/document").data == NEW_PLAN
    assert "Изменения опубликованы" in text(client.get(f"/provider/programs/{prog.id}"))


def test_returned_changes_keep_the_published_version_and_reach_the_provider(app, client,
                                                                           setting):
    prog = setting["program"]
    multipart(client, f"/provider/programs/{prog.id}/edit", ISSUE_EDIT)
    coordinator = setting["coordinator"]
    review_url = f"/coordinator/programs/{prog.id}"
    edits = edits_on(text(coordinator.get(review_url)))
    response = form_post(coordinator, f"{review_url}/revision/return",
                         {"remarks": " ", "edits": edits}, page=review_url)
    assert response.status_code == 422
    assert "Напишите замечания" in text(response)
    response = form_post(coordinator, f"{review_url}/revision/return",
                         {"remarks": "Шахматы — не техническая направленность", "edits": edits},
                         page=review_url, follow_redirects=True)
    assert "возвращены поставщику с замечаниями" in text(response)
    assert "Робототехника для начинающих" in public_page(setting)
    assert "Шахматный" not in public_page(setting)

    page = text(client.get(f"/provider/programs/{prog.id}"))
    assert "Координатор вернул изменения:</strong> Шахматы — не техническая направленность" \
        in page
    assert "Отправить изменения снова" in page
    assert "Замечания к изменениям: Шахматы" in text(client.get("/provider/programs"))
    # the form shows the returned changes to fix, not the published version
    form = text(client.get(f"/provider/programs/{prog.id}/edit"))
    assert 'value="Шахматный клуб «Ладья»"' in form
    multipart(client, f"/provider/programs/{prog.id}/edit",
              {**ISSUE_EDIT, "direction": "sports"})
    response = form_post(client, f"/provider/programs/{prog.id}/revision/resubmit",
                         page=f"/provider/programs/{prog.id}", follow_redirects=True)
    assert "Изменения снова отправлены координатору" in text(response)
    queue = text(coordinator.get("/coordinator/programs"))
    assert "изменения на модерации" in queue
    assert "Робототехника для начинающих" in public_page(setting)


def test_a_new_price_and_ages_keep_the_program_in_the_navigator(app, client, setting):
    prog, grp = setting["program"], setting["group"]
    multipart(client, f"/provider/programs/{prog.id}/edit",
              {**FACTORY_FORM, "age_from": "9", "age_to": "14"})
    response = form_post(client, f"/provider/groups/{grp.id}/edit",
                         {**GROUP_FORM, "name": "Группа 1", "capacity": "12",
                          "price": "3 100,00", "day1": "1", "day2": "3"})
    assert response.status_code == 302
    assert program_row(app, prog.id).status == "published"
    page = public_page(setting)
    assert re.search(r"2[\s\u00a0]500,00[\s\u00a0]₽", page)
    assert not re.search(r"3[\s\u00a0]100,00", page)
    assert "от 7 до 12 лет" in page or "7–12 лет" in page or "7 до 12" in page
    catalogue = text(setting["guest"].get("/programs", query_string={"age": "7"}))
    assert "Робототехника для начинающих" in catalogue
    # the provider sees the pending price; editing the group again edits the revision
    assert 'value="3 100,00"' in text(client.get(f"/provider/groups/{grp.id}/edit"))
    cabinet = text(client.get(f"/provider/programs/{prog.id}"))
    assert "3\xa0100,00\xa0₽" in cabinet and "изменения на модерации" in cabinet


def test_a_second_edit_goes_into_the_pending_changes(app, client, setting):
    prog = setting["program"]
    multipart(client, f"/provider/programs/{prog.id}/edit", {**FACTORY_FORM, "months": "8"})
    assert 'value="8"' in text(client.get(f"/provider/programs/{prog.id}/edit"))
    response = multipart(client, f"/provider/programs/{prog.id}/edit",
                         {**FACTORY_FORM, "months": "8", "teacher": "Петров П. П."})
    assert "Изменения добавлены к тем, что ждут координатора" in text(
        client.get(response.headers["Location"]))
    with app.app_context():
        [revision] = db.session.scalars(select(ProgramRevision)).all()
        assert (revision.months, revision.teacher, revision.edits) == (8, "Петров П. П.", 1)
        assert db.session.get(Program, prog.id).months == 9


def test_a_decision_on_changes_edited_meanwhile_is_refused(app, client, setting):
    prog = setting["program"]
    coordinator = setting["coordinator"]
    multipart(client, f"/provider/programs/{prog.id}/edit", {**FACTORY_FORM, "months": "8"})
    review_url = f"/coordinator/programs/{prog.id}"
    seen = edits_on(text(coordinator.get(review_url)))
    multipart(client, f"/provider/programs/{prog.id}/edit", {**FACTORY_FORM, "months": "6"})
    response = form_post(coordinator, f"{review_url}/revision/publish", {"edits": seen},
                         page=review_url, follow_redirects=True)
    assert "Поставщик дополнил изменения, пока вы их смотрели" in text(response)
    assert program_row(app, prog.id).months == 9


def test_a_group_the_changes_add_is_shown_edited_and_published(app, client, setting):
    prog = setting["program"]
    response = form_post(client, f"/provider/programs/{prog.id}/groups/new",
                         {**GROUP_FORM, "name": "Вечерняя"})
    assert response.status_code == 302
    cabinet = text(client.get(f"/provider/programs/{prog.id}"))
    assert "Вечерняя" in cabinet and "новая: появится после публикации" in cabinet
    assert "Вечерняя" not in public_page(setting)
    with app.app_context():
        row_id = db.session.scalar(select(RevisionGroup.id).where(
            RevisionGroup.group_id.is_(None)))
    url = f"/provider/program-changes/groups/{row_id}/edit"
    assert url in cabinet and 'value="Вечерняя"' in text(client.get(url))
    assert form_post(client, url, {**GROUP_FORM, "name": "Вечерняя", "capacity": "7"}
                     ).status_code == 302
    review_url = f"/coordinator/programs/{prog.id}"
    review = text(setting["coordinator"].get(review_url))
    assert "Новая группа «Вечерняя»" in review
    form_post(setting["coordinator"], f"{review_url}/revision/publish",
              {"edits": edits_on(review)}, page=review_url)
    page = public_page(setting)
    assert "Вечерняя" in page and "7 мест из 7" in page


def test_withdrawn_changes_leave_the_published_version(app, client, setting):
    prog = setting["program"]
    multipart(client, f"/provider/programs/{prog.id}/edit", ISSUE_EDIT)
    response = form_post(client, f"/provider/programs/{prog.id}/revision/withdraw",
                         page=f"/provider/programs/{prog.id}", follow_redirects=True)
    assert "Изменения отменены" in text(response)
    assert "Отменить изменения" not in text(response)
    assert "Шахматный" not in text(client.get(f"/provider/programs/{prog.id}/edit"))
    assert "Робототехника" in text(setting["coordinator"].get("/coordinator/programs?status=all"))
    assert "изменения на модерации" not in text(setting["coordinator"].get(
        "/coordinator/programs"))


def test_the_pending_document_is_not_public(app, client, setting):
    prog = setting["program"]
    assert client.get(f"/provider/programs/{prog.id}/revision/document").status_code == 404
    multipart(client, f"/provider/programs/{prog.id}/edit", FACTORY_FORM,
              files={"document": (NEW_PLAN, "Новый план.pdf")})
    assert client.get(f"/provider/programs/{prog.id}/revision/document").data == NEW_PLAN
    guest = setting["guest"]
    assert guest.get(f"/provider/programs/{prog.id}/revision/document").status_code == 302
    assert guest.get(f"/programs/{prog.id}/document").data != NEW_PLAN
