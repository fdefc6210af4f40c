"""Bulk rows for the close-month benchmark (bench/close_month.py): set-based
`INSERT … SELECT … FROM generate_series` statements, consistent with what the services would
have written, so `close_month` and `ledger-check` accept them.

For one month (MONTH, March 2026) and PROVIDERS × PER_PROVIDER contracts: a parent, a child,
a financing certificate (its grant, its ledger account and the TOPUP that funded it), an
accepted request and an active contract of one month, its ContractMonth RESERVED, the
contract's escrow account and the RESERVE transfer into it; per provider a staff member, 10
programs of one group each, the payable account, the service report (every line delivered but
1 % not delivered, with a comment) and its SUBMITTED invoice with the issued totals.

Ids are explicit (OFFSET + n) so the rows join without lookups; the sequences are moved past
them at the end. Runs on PostgreSQL only."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import text

from pfdo.db import db

MONTH = date(2026, 3, 1)
TODAY = date(2026, 4, 2)
NOW = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
PRICE = 250_000
SHARE = 120_000
GRANT = SHARE * 10
OFFSET = 1_000_000
PROGRAMS_PER_PROVIDER = 10
#: one line in UNDELIVERED_EVERY is not delivered
UNDELIVERED_EVERY = 100

SEQUENCES = ("user_account", "child", "certificate", "financing_grant", "ledger_account",
             "ledger_transfer", "provider", "provider_staff", "program", "program_group",
             "enrollment_request", "contract", "contract_month", "service_report",
             "service_report_line", "invoice")


def generate(*, period_id: int, fund_id: int, providers: int, per_provider: int) -> dict:
    """Write the month's world; returns counts. The caller commits."""
    n = providers * per_provider
    groups = providers * PROGRAMS_PER_PROVIDER
    per_group = per_provider // PROGRAMS_PER_PROVIDER
    p = {"o": OFFSET, "n": n, "providers": providers, "per_provider": per_provider,
         "groups": groups, "per_group": per_group, "ppp": PROGRAMS_PER_PROVIDER,
         "month": MONTH, "now": NOW, "price": PRICE, "share": SHARE, "grant": GRANT,
         "period": period_id, "fund": fund_id, "every": UNDELIVERED_EVERY,
         "month_label": "март 2026"}
    for statement in STATEMENTS:
        db.session.execute(text(statement), p)
    db.session.execute(text(
        "UPDATE ledger_account SET debits_posted = debits_posted + :total WHERE id = :fund"),
        {"total": GRANT * n, "fund": fund_id})
    db.session.execute(text(
        "UPDATE financing_period SET quota_used = quota_used + :n WHERE id = :period"),
        {"n": n, "period": period_id})
    for table in SEQUENCES:
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - constants
            f"(SELECT max(id) FROM {table}))"))
    return {"contract_months": n, "providers": providers, "groups": groups}


# Contract g (1..n) belongs to provider (g-1)/per_provider + 1 and group (g-1)/per_group + 1.
STATEMENTS = [
    # parents, then one staff member per provider
    """INSERT INTO user_account (id, email, phone, last_name, first_name, middle_name, role,
        active, session_version, created_at)
       SELECT :o + g, 'parent' || g || '@bench.example.ru', '+79' || lpad(g::text, 9, '0'),
              'Орлова', 'Анна', 'Ивановна', 'parent', true, 1, :now
       FROM generate_series(1, :n) g""",
    """INSERT INTO user_account (id, email, phone, last_name, first_name, middle_name, role,
        active, session_version, created_at)
       SELECT :o + :n + p, 'staff' || p || '@bench.example.ru', '+78' || lpad(p::text, 9, '0'),
              'Иванова', 'Мария', 'Петровна', 'provider_staff', true, 1, :now
       FROM generate_series(1, :providers) p""",
    """INSERT INTO provider (id, full_name, short_name, legal_form, inn, ogrn, address,
        district, contact_name, phone, email, licence_number, description, status,
        submitted_at, approved_at, created_at)
       SELECT :o + p, 'Муниципальное бюджетное учреждение «Центр творчества № ' || p || '»',
              'МБУ ДО «ЦТ-' || p || '»', 'mbu_do', (7900000000 + p)::text,
              (1027900000000 + p)::text, 'с. Ленинское, ул. Школьная, ' || p, 'с. Ленинское',
              'Иванова Мария Петровна', '+7426632' || lpad(p::text, 4, '0'),
              'ct' || p || '@bench.example.ru', 'Л035-' || p, '', 'approved', :now, :now, :now
       FROM generate_series(1, :providers) p""",
    """INSERT INTO provider_staff (id, provider_id, user_id, created_at)
       SELECT :o + p, :o + p, :o + :n + p, :now FROM generate_series(1, :providers) p""",
    """INSERT INTO program (id, provider_id, title, direction, description, age_from, age_to,
        months, hours_per_week, funding, district, address, teacher, status, submitted_at,
        published_at, rating_total, rating_count, created_at, updated_at)
       SELECT :o + q, :o + (q - 1) / :ppp + 1, 'Робототехника ' || q, 'technical',
              'Собираем и программируем роботов.', 5, 17, 10, 2, 'certified', 'с. Ленинское',
              'с. Ленинское, ул. Школьная, 1', 'Смирнов Олег Игоревич', 'published', :now,
              :now, 0, 0, :now, :now
       FROM generate_series(1, :groups) q""",
    """INSERT INTO program_group (id, program_id, name, capacity, seats_taken, starts_on,
        ends_on, is_open, price_per_month, created_at)
       SELECT :o + q, :o + q, 'Группа 1', :per_group, :per_group, DATE '2026-02-01',
              DATE '2026-12-31', true, :price, :now
       FROM generate_series(1, :groups) q""",
    """INSERT INTO child (id, parent_id, last_name, first_name, middle_name, birth_date, sex,
        document_type, document_series, document_number, snils, address, created_at)
       SELECT :o + g, :o + g, 'Орлова', 'Анна', 'Ивановна', DATE '2016-01-01' + g % 700,
              'female', 'birth_certificate', 'II-АБ', lpad(g::text, 6, '0'),
              lpad(g::text, 11, '0'), 'с. Ленинское, ул. Ленина, д. 5', :now
       FROM generate_series(1, :n) g""",
    """INSERT INTO certificate (id, number, child_id, kind, status, issued_at, valid_until)
       SELECT :o + g, (9000000000 - g)::text, :o + g, 'financing', 'active', :now,
              DATE '2034-01-01'
       FROM generate_series(1, :n) g""",
    """INSERT INTO financing_grant (id, certificate_id, period_id, granted_at, months, amount,
        source)
       SELECT :o + g, :o + g, :period, :now, 10, :grant, 'request'
       FROM generate_series(1, :n) g""",
    # accounts: certificate O+g, escrow 2O+g, payable 3O+p
    """INSERT INTO ledger_account (id, code, kind, debits_posted, credits_posted,
        overdraft_limit, created_at)
       SELECT :o + g, 'certificate:' || (:o + g), 'certificate', :share, :grant, 0, :now
       FROM generate_series(1, :n) g""",
    """INSERT INTO ledger_account (id, code, kind, debits_posted, credits_posted,
        overdraft_limit, created_at)
       SELECT 2 * :o + g, 'escrow:' || (:o + g), 'escrow', 0, :share, 0, :now
       FROM generate_series(1, :n) g""",
    """INSERT INTO ledger_account (id, code, kind, debits_posted, credits_posted,
        overdraft_limit, created_at)
       SELECT 3 * :o + p, 'payable:' || (:o + p), 'payable', 0, 0, 0, :now
       FROM generate_series(1, :providers) p""",
    """INSERT INTO ledger_transfer (id, key, debit_account_id, credit_account_id, amount, kind,
        reason, ref, created_at)
       SELECT :o + g, 'topup:' || (:o + g) || ':' || :period, :fund, :o + g, :grant, 'topup',
              'Пополнение сертификата на 2026 год за 10 мес.', 'certificate:' || (:o + g), :now
       FROM generate_series(1, :n) g""",
    """INSERT INTO enrollment_request (id, parent_id, child_id, certificate_id, group_id,
        program_id, provider_id, status, created_at, answer_due_on, answered_at,
        answered_by_id, schedule_conflict)
       SELECT :o + g, :o + g, :o + g, :o + g, :o + (g - 1) / :per_group + 1,
              :o + (g - 1) / :per_group + 1, :o + (g - 1) / :per_provider + 1, 'accepted',
              :now - interval '40 days', DATE '2026-02-25', :now - interval '38 days',
              :o + :n + (g - 1) / :per_provider + 1, false
       FROM generate_series(1, :n) g""",
    """INSERT INTO contract (id, request_id, parent_id, child_id, certificate_id, group_id,
        program_id, provider_id, status, first_month, offered_at, accept_by, holds_seat,
        accepted_at, pay_in_full)
       SELECT :o + g, :o + g, :o + g, :o + g, :o + g, :o + (g - 1) / :per_group + 1,
              :o + (g - 1) / :per_group + 1, :o + (g - 1) / :per_provider + 1, 'active',
              :month, :now - interval '38 days', DATE '2026-02-28', false,
              :now - interval '37 days', false
       FROM generate_series(1, :n) g""",
    """INSERT INTO contract_month (id, contract_id, month, price, certificate_share,
        family_share, status)
       SELECT :o + g, :o + g, :month, :price, :share, :price - :share, 'reserved'
       FROM generate_series(1, :n) g""",
    """INSERT INTO ledger_transfer (id, key, debit_account_id, credit_account_id, amount, kind,
        reason, ref, actor_id, created_at)
       SELECT 2 * :o + g, 'reserve:' || (:o + g) || ':' || :period, :o + g, 2 * :o + g,
              :share, 'reserve',
              'Резерв по договору Д-' || lpad((:o + g)::text, 6, '0') || ': «Робототехника», '
              || :month_label, 'contract:' || (:o + g), :o + g, :now - interval '37 days'
       FROM generate_series(1, :n) g""",
    """INSERT INTO service_report (id, provider_id, month, created_at)
       SELECT :o + p, :o + p, :month, :now FROM generate_series(1, :providers) p""",
    """INSERT INTO service_report_line (id, report_id, contract_month_id, contract_id,
        delivered, comment)
       SELECT :o + g, :o + (g - 1) / :per_provider + 1, :o + g, :o + g, g % :every <> 0,
              CASE WHEN g % :every = 0 THEN 'Ребёнок болел весь месяц' END
       FROM generate_series(1, :n) g""",
    """INSERT INTO invoice (id, report_id, provider_id, month, status, certificate_total,
        family_total, delivered_count, undelivered_count, submitted_at, submitted_by_id,
        first_submitted_at)
       SELECT :o + p, :o + p, :o + p, :month, 'submitted', sum(m.certificate_share)
                  FILTER (WHERE l.delivered),
              sum(m.family_share) FILTER (WHERE l.delivered),
              count(*) FILTER (WHERE l.delivered), count(*) FILTER (WHERE NOT l.delivered),
              :now, :o + :n + p, :now
       FROM generate_series(1, :providers) p
       JOIN service_report_line l ON l.report_id = :o + p
       JOIN contract_month m ON m.id = l.contract_month_id
       GROUP BY p""",
]
