"""Kinds and statuses carry their Russian labels, and their CHECK lists come from the enum."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Column, MetaData, String, Table, create_engine
from sqlalchemy.exc import IntegrityError

import pfdo.accounts.models
import pfdo.certificates.models
import pfdo.children.models
import pfdo.periods.models
import pfdo.programs.models
import pfdo.providers.models  # noqa: F401  (the enums register as LabelledEnum subclasses)
from pfdo.db import one_of
from pfdo.enums import LabelledEnum
from pfdo.programs.models import ProgramStatus


def labelled_enums():
    return sorted(LabelledEnum.__subclasses__(), key=lambda enum: enum.__name__)


def test_the_domain_kinds_and_statuses_are_labelled():
    names = {enum.__name__ for enum in labelled_enums()}
    assert {"ApplicationStatus", "CertificateKind", "CertificateStatus", "Direction", "Funding",
            "ProgramStatus", "ProviderStatus", "RevisionStatus", "Role", "Sex",
            "DocumentType"} <= names


@pytest.mark.parametrize("enum", labelled_enums(), ids=lambda enum: enum.__name__)
def test_every_member_has_its_own_russian_label(enum):
    labels = [member.label for member in enum]
    assert all(re.search("[а-яё]", label, re.I) for label in labels), labels
    assert len(set(labels)) == len(labels)
    assert enum.labels() == {member: member.label for member in enum}


def test_the_check_lists_the_codes_of_the_enum():
    check = one_of("status", ProgramStatus, "status_known")
    assert str(check.sqltext) == "status IN ('draft', 'submitted', 'published', 'returned')"


def test_a_table_with_the_check_refuses_a_code_the_enum_does_not_know():
    table = Table("sample", MetaData(), Column("status", String(20)),
                  one_of("status", ProgramStatus, "status_known"))
    engine = create_engine("sqlite://")
    table.create(engine)
    with engine.begin() as connection:
        connection.execute(table.insert().values(status=ProgramStatus.PUBLISHED))
    with pytest.raises(IntegrityError, match="CHECK constraint failed"), engine.begin() as c:
        c.execute(table.insert().values(status="imaginary"))
