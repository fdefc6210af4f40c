"""Revision 0016 on a log written before it: every access record gets whose data it showed,
from its object or its details, so the admin's filter by person finds the old records too."""

from __future__ import annotations

import json

import flask_migrate
from sqlalchemy import text

from pfdo.db import db
from tests.test_migrations import scratch_app, scratch_url  # noqa: F401

USER = ("INSERT INTO user_account (id, email, role, last_name, first_name, active, "
        "session_version, created_at) VALUES (:id, :email, :role, :last, 'Анна', TRUE, 1, "
        "CURRENT_TIMESTAMP)")
CHILD = ("INSERT INTO child (id, parent_id, last_name, first_name, birth_date, sex, "
         "document_type, document_series, document_number, snils, address, created_at) VALUES "
         "(:id, 1, :last, 'Пётр', '2015-03-12', 'male', 'birth_certificate', 'II-АБ', :doc, "
         ":snils, 'с. Ленинское', CURRENT_TIMESTAMP)")
CERTIFICATE = ("INSERT INTO certificate (id, number, child_id, kind, status, issued_at, "
               "valid_until) VALUES (:id, :number, :child, 'record', 'active', "
               "CURRENT_TIMESTAMP, '2033-03-12')")
APPLICATION = ("INSERT INTO certificate_application (id, child_id, applicant_id, status, "
               "submitted_at, consent_version, snils, identity_key, document_key) VALUES "
               "(:id, :child, 1, 'confirmed', CURRENT_TIMESTAMP, '2026-01', :snils, :key, :doc)")
EVENT = ("INSERT INTO audit_event (id, created_at, actor_id, actor_role, action, object_type, "
         "object_id, details) VALUES (:id, CURRENT_TIMESTAMP, 2, 'hotline', :action, :type, "
         ":object, :details)")

#: (event id, action, object type, object id, details) as the code before 0016 wrote them
EVENTS = [
    (1, "child.viewed", "Child", "10", {"application": 1, "duplicates": [11]}),
    (2, "child.viewed", "Child", "11", {"from": "coordinator.child"}),
    (3, "hotline.certificate_viewed", "Certificate", "20", {"child": 10}),
    (4, "hotline.field_revealed", "Certificate", "21", {"child": 11, "field": "snils",
                                                        "reason": "identify"}),
    (5, "hotline.searched", None, None, {"search_by": "name", "query": "Смирнов 2015",
                                         "found": [20, 21]}),
    (6, "child.searched", None, None, {"query": "смирнов", "applications": [1], "page": 1}),
    (7, "user.viewed", "User", "1", {}),
    (8, "user.list_viewed", None, None, {"users": [1, 2], "page": 1}),
    (9, "hotline.searched", None, None, {"search_by": "number", "found": []}),
    (10, "auth.login", None, None, {}),
    (11, "child.viewed", "Child", "999", {}),  # a child that is not there: nothing to point to
]


def test_upgrade_names_whose_data_the_old_access_records_showed(scratch_app):  # noqa: F811
    with scratch_app.app_context():
        flask_migrate.upgrade(revision="0015")
        with db.engine.begin() as conn:
            for row in ((1, "parent@example.ru", "parent", "Смирнова"),
                        (2, "operator@example.ru", "hotline", "Белова")):
                conn.execute(text(USER), dict(zip(("id", "email", "role", "last"), row,
                                                  strict=True)))
            for child_id, last, doc, snils in ((10, "Смирнов", "512345", "11223344595"),
                                               (11, "Смирнова", "512346", "08765430300")):
                conn.execute(text(CHILD), dict(id=child_id, last=last, doc=doc, snils=snils))
            conn.execute(text(CERTIFICATE), dict(id=20, number="7905000019", child=10))
            conn.execute(text(CERTIFICATE), dict(id=21, number="7905000027", child=11))
            conn.execute(text(APPLICATION), dict(id=1, child=10, snils="11223344595",
                                                 key="смирнов|петр|2015-03-12",
                                                 doc="birth_certificate|II-АБ|512345"))
            for event_id, action, obj_type, obj_id, details in EVENTS:
                conn.execute(text(EVENT), dict(id=event_id, action=action, type=obj_type,
                                               object=obj_id, details=json.dumps(details)))

        flask_migrate.upgrade()

        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT event_id, child_id, user_id FROM audit_subject "
                                     "ORDER BY event_id, child_id, user_id")).all()
    assert sorted(tuple(r) for r in rows) == sorted([
        (1, 10, None), (1, 11, None),  # the application's child and the duplicate shown
        (2, 11, None),
        (3, 10, None),
        (4, 11, None),
        (5, 10, None), (5, 11, None),  # the certificates the search found
        (6, 10, None),  # the application's child
        (7, None, 1),
        (8, None, 1), (8, None, 2),
    ])
