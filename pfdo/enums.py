"""Kinds and statuses: stored as their code, shown by their Russian label."""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A StrEnum whose members carry their Russian label: `DRAFT = "draft", "черновик"`.
    The code is what the database stores and a CHECK allows (`db.one_of`); the label is what a
    person reads, so the two cannot drift apart in separate tables."""

    label: str

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def labels(cls) -> dict[LabelledEnum, str]:
        """{member: label} in definition order, for choices and lookups."""
        return {member: member.label for member in cls}
