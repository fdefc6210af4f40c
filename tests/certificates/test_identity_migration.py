"""Revision 0008 on data from before it: identifiers become ASCII, the identity key loses
the отчество, the document key appears; a duplicate that got through the old checks keeps
the upgrade from failing and stays visible (issue 9, item 1)."""

from __future__ import annotations

import flask_migrate
from sqlalchemy import text

from pfdo.db import db
from tests.test_migrations import scratch_app, scratch_url  # noqa: F401

CHILD = ("INSERT INTO child (id, parent_id, last_name, first_name, middle_name, birth_date, sex, "
         "document_type, document_series, document_number, snils, address, created_at) VALUES "
         "(:id, 1, :last, :first, :middle, :born, 'male', :kind, :series, :number, :snils, "
         "'с. Ленинское, ул. Мира, 1', CURRENT_TIMESTAMP)")
APPLICATION = ("INSERT INTO certificate_application (id, child_id, applicant_id, status, "
               "submitted_at, consent_version, snils, identity_key, refusal_reason) VALUES "
               "(:id, :child, 1, :status, CURRENT_TIMESTAMP, '2026-01', :snils, :key, :reason)")


def test_upgrade_normalises_old_rows_and_keeps_duplicates_visible(scratch_app, capfd):  # noqa: F811
    with scratch_app.app_context():
        flask_migrate.upgrade(revision="0007")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO user_account (id, email, role, last_name, first_name, active, "
                "session_version, created_at) VALUES (1, 'p@example.ru', 'parent', 'Иванова', "
                "'Мария', TRUE, 1, CURRENT_TIMESTAMP)"))
            children = [
                # the first child, typed in ASCII, with an отчество
                dict(id=1, last="Смирнов", first="Артём", middle="Олегович", born="2016-05-20",
                     kind="birth_certificate", series="II-АБ", number="123456",
                     snils="11223344595"),
                # the same child from the issue: full-width СНИЛС, no отчество, «ii аб»
                dict(id=2, last="СМИРНОВ", first="Артем", middle=None, born="2016-05-20",
                     kind="birth_certificate", series="ii аб", number="１２３４５６",
                     snils="１１２２３３４４５９５"),
                # an unrelated child with a passport in Arabic-Indic digits
                dict(id=3, last="Орлова", first="Вера", middle=None, born="2010-01-02",
                     kind="passport", series="٩٩ ٠١", number="٦٥٤٣٢١", snils="08765430300"),
            ]
            for child in children:
                conn.execute(text(CHILD), child)
            for app_id, child_id, status, snils, key in (
                    (1, 1, "confirmed", "11223344595", "смирнов|артем|олегович|2016-05-20"),
                    (2, 2, "submitted", "１１２２３３４４５９５", "смирнов|артем||2016-05-20"),
                    (3, 3, "refused", "08765430300", "орлова|вера||2010-01-02")):
                conn.execute(text(APPLICATION), dict(
                    id=app_id, child=child_id, status=status, snils=snils, key=key,
                    reason="Не те документы" if status == "refused" else None))

        capfd.readouterr()
        flask_migrate.upgrade()  # alembic logs to stderr
        logged = capfd.readouterr().err

        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT id, snils, document_series, document_number "
                                     "FROM child ORDER BY id")).all()
            assert [tuple(r) for r in rows] == [
                (1, "11223344595", "II-АБ", "123456"), (2, "11223344595", "II-АБ", "123456"),
                (3, "08765430300", "9901", "654321")]
            apps = conn.execute(text("SELECT id, snils, identity_key, document_key FROM "
                                     "certificate_application ORDER BY id")).all()
    assert [tuple(a) for a in apps] == [
        (1, "11223344595", "смирнов|артем|2016-05-20", "birth_certificate|II-АБ|123456"),
        # the duplicate: its old СНИЛС and key kept, its document key marked, so the
        # unique indexes hold and the coordinator still finds it
        (2, "１１２２３３４４５９５", "смирнов|артем||2016-05-20",
         "birth_certificate|II-АБ|123456#2"),
        (3, "08765430300", "орлова|вера|2010-01-02", "passport|9901|654321"),
    ]
    assert "duplicate an earlier live one (see their pages for the possible duplicates): 2" \
        in logged

    with scratch_app.app_context():  # and back: the old identity key, with the отчество
        flask_migrate.downgrade(revision="0007")
        with db.engine.connect() as conn:
            keys = conn.execute(text("SELECT identity_key FROM certificate_application "
                                     "ORDER BY id")).scalars().all()
    assert keys == ["смирнов|артём|олегович|2016-05-20".replace("ё", "е"),
                    "смирнов|артем||2016-05-20", "орлова|вера||2010-01-02"]
