"""`flask demo seed`: the providers, programs and groups of the demo municipality
(pfdo.demo.providers). The municipality, accounts and certificates are tested in test_cli."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func, select

from pfdo.db import db
from pfdo.demo.data import HOUR_COSTS
from pfdo.demo.revisions import MORE_DESCRIPTION, PRICE_RISE
from pfdo.programs import search
from pfdo.programs.models import (
    Group,
    GroupSession,
    Program,
    ProgramEvent,
    ProgramRevision,
    ProgramTerm,
)
from pfdo.providers.models import Provider, ProviderDocument, ProviderEvent, ProviderStaff
from pfdo.providers.validation import inn_is_valid, ogrn_is_valid
from pfdo.storage import upload_dir

SMALL = ("demo", "seed", "--seed", "7", "--families", "12")


def seed(app, *args: str) -> None:
    result = app.test_cli_runner().invoke(args=list(args or SMALL))
    assert result.exit_code == 0, result.output
    assert "Demo municipality created" in result.output


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_seed_fills_the_registry_with_providers_of_every_legal_form(app, frozen_clock):
    seed(app)
    with app.app_context():
        providers = db.session.scalars(select(Provider)).all()
        assert 55 <= len(providers) <= 65
        forms = Counter(p.legal_form for p in providers)
        assert set(forms) == {"mbu_do", "mau_do", "mbou", "gbu_do", "ano", "chu_do", "ooo", "ip"}
        assert forms["ip"] == 15
        statuses = Counter(p.status for p in providers)
        assert statuses["submitted"] == 5
        assert statuses["rejected"] == 1
        assert statuses["approved"] == len(providers) - 6
        rejected = next(p for p in providers if p.status == "rejected")
        assert "лицензи" in rejected.rejection_reason
        assert rejected.events[-1].action == "rejected"
        assert rejected.events[-1].comment == rejected.rejection_reason
        names = {p.short_name for p in providers}
        assert {"МБУ ДО «Дом детского творчества»", "АНО «Робошкола»",
                "ООО «Английский клуб»"} <= names
        assert any(n.startswith("ИП ") for n in names)
        for provider in providers:
            individual = provider.legal_form == "ip"
            assert inn_is_valid(provider.inn) and len(provider.inn) == (12 if individual else 10)
            assert ogrn_is_valid(provider.ogrn) and len(provider.ogrn) == (15 if individual
                                                                            else 13)
            assert (provider.licence_number is None) == individual
            assert provider.district.startswith("с. ")
            assert provider.district in provider.address
            assert 2 <= len(provider.documents) <= 3
            assert provider.events[0].action == "submitted"
            if provider.status == "approved":
                assert provider.approved_at is not None
                assert provider.events[-1].action == "approved"
        assert len({p.district for p in providers}) >= 5
        # every document row has its own small PDF on disk
        documents = db.session.scalars(select(ProviderDocument)).all()
        assert len({d.file_id for d in documents}) == len(documents)
        stored = documents[0].file
        content = (upload_dir() / f"{stored.key}.pdf").read_bytes()
        assert content.startswith(b"%PDF-") and b"%%EOF" in content[-20:]
        assert stored.size == len(content) < 2000


def test_demo_seed_makes_a_catalogue_of_programs_and_groups(app, frozen_clock):
    seed(app)
    with app.app_context():
        programs = db.session.scalars(select(Program)).all()
        assert 350 <= len(programs) <= 480
        assert {p.direction for p in programs} == set(str(d) for d in HOUR_COSTS)
        statuses = Counter(p.status for p in programs)
        assert set(statuses) == {"published", "submitted", "returned", "draft"}
        assert statuses["published"] > 0.75 * len(programs)
        # only providers in the registry have programs
        assert {p.provider.status for p in programs} == {"approved"}
        # ratings and seats come from the demo's reviews and contracts (test_demo_enrollments)
        assert all(p.remarks for p in programs if p.status == "returned")
        assert Counter(p.months for p in programs).most_common(1)[0][0] == 9
        assert all(2 <= p.hours_per_week <= 6 and 5 <= p.age_from <= p.age_to <= 17
                   for p in programs)
        published = [p for p in programs if p.status == "published"]
        for program in published:
            assert program.groups, program.title
            assert program.document is not None
            assert program.published_at is not None
            assert program.events[-1].action in ("published", "revision_submitted")
        documents = [p.document_id for p in programs if p.document_id]
        assert len(set(documents)) == len(documents)
        # every program can be found by words
        indexed = set(db.session.scalars(select(ProgramTerm.program_id).distinct()))
        assert indexed == {p.id for p in programs}
        robots = db.session.execute(select(search.matching(search.parse_query("робот")))).all()
        assert len(robots) >= 5

        groups = db.session.scalars(select(Group)).all()
        assert 800 <= len(groups) <= 1100
        assert all(8 <= g.capacity <= 25 and 0 <= g.seats_taken <= g.capacity for g in groups)
        assert all(1 <= len(g.sessions) <= 3 for g in groups)
        assert Counter(g.is_open for g in groups)[False] > 0
        starts = Counter(g.starts_on for g in groups)
        assert starts.most_common(1)[0][0] == date(2026, 9, 1)  # the coming school year
        assert starts[date(2027, 1, 1)] > 0 and starts[date(2025, 9, 1)] > 0  # and running
        assert all(g.ends_on > g.starts_on for g in groups)
        sessions = db.session.scalars(select(GroupSession)).all()
        assert {s.weekday for s in sessions} >= {0, 1, 2, 3, 4, 5}
        assert all(s.starts_at.hour >= 10 for s in sessions)
        # prices: free by the municipal assignment, or near the normative cost
        for group in groups:
            program = group.program
            if program.funding == "municipal":
                assert group.price_per_month == 0
            else:
                normative = HOUR_COSTS[program.direction] * program.hours_per_week * 4
                assert 0.75 * normative <= group.price_per_month <= 1.4 * normative
        certified = [g for g in groups if g.program.funding == "certified"]
        assert any(g.price_per_month > HOUR_COSTS[g.program.direction]
                   * g.program.hours_per_week * 4 for g in certified)  # with a co-pay
        assert Counter(g.program.funding for g in groups)["municipal"] > 0.15 * len(groups)
        private_programs = [p for p in programs if p.provider.form.ownership != "municipal"
                            and p.provider.form.ownership != "state"]
        assert all(p.funding == "certified" for p in private_programs)


def test_the_demo_provider_account_works_for_a_provider_with_programs_in_every_status(app):
    seed(app)
    with app.app_context():
        staff = db.session.scalars(select(ProviderStaff)).all()
        assert [s.user.email for s in staff] == ["provider@demo-pfdo.ru"]
        provider = staff[0].provider
        assert provider.short_name == "МБУ ДО «Дом детского творчества»"
        assert provider.status == "approved"
        programs = db.session.scalars(select(Program).where(
            Program.provider_id == provider.id)).all()
        statuses = Counter(p.status for p in programs)
        assert statuses["submitted"] == statuses["returned"] == statuses["draft"] == 1
        assert statuses["published"] >= 10
        assert all(p.groups for p in programs if p.status == "published")
        returned = next(p for p in programs if p.status == "returned")
        assert returned.remarks
        assert count(ProgramEvent, ProgramEvent.program_id == returned.id,
                     ProgramEvent.action == "returned") == 1
        assert count(ProviderEvent, ProviderEvent.provider_id == provider.id) >= 2
        # one published program's changes wait for the coordinator; families see it unchanged
        [pending] = db.session.scalars(select(ProgramRevision).where(
            ProgramRevision.status == "submitted")).all()
        program = pending.program
        assert program.provider_id == provider.id and program.status == "published"
        assert pending.description.startswith(program.description)
        assert MORE_DESCRIPTION not in program.description
        assert [row.name for row in pending.groups if row.group_id is None] == [
            "Группа выходного дня"]
        assert pending.groups[0].price_per_month == program.groups[0].price_per_month \
            + PRICE_RISE
        assert program.events[-1].action == "revision_submitted"
        # the pending text is not searchable yet (a word of it no published program has)
        assert db.session.execute(select(search.matching(search.parse_query(
            "обновлённом")))).all() == []
        # every published program has the record of its version 1
        versions = count(ProgramRevision, ProgramRevision.status == "published",
                         ProgramRevision.number == 1)
        assert versions == count(Program, Program.status == "published")

        from pfdo.ledger.services import check_invariants

        assert check_invariants() == []


def test_demo_catalogue_is_the_same_for_the_same_seed(app, frozen_clock):
    def catalogue():
        with app.app_context():
            return db.session.execute(
                select(Provider.short_name, Provider.inn, Program.title, Program.teacher)
                .join(Program, Program.provider_id == Provider.id)
                .order_by(Program.id)).all()

    from tests.conftest import _wipe

    seed(app)
    first = catalogue()
    _wipe(app)
    seed(app)
    assert catalogue() == first
