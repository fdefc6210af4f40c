"""No request reaches a 5xx by its shape (issue 9, item 8).

A Hypothesis walk over the whole URL map, the same on SQLite and PostgreSQL (where NUL bytes
and integer overflow bite):

- every rule, with hostile values for its converters (ids of 2³¹, 2⁶³ and beyond, Unicode
  digits) and hostile query parameters (the names of every GET form on the pages plus a
  generic list), as a guest and as every role;
- every POST form found on the pages, as the role that opens it, with a valid CSRF token:
  each field alone with each hostile class while the rest of the form stays valid (so the
  value gets past the other fields to the service and the database), every field at once,
  then random mixtures.

A 5xx, or an exception escaping a view, fails with the example that caused it, for every
route at once. The walk is generic: routes and forms added later are covered without
touching this file (an argument it does not know gets generic candidates). Generation is
derandomized and bounded per route, so the run is reproducible and short."""

from __future__ import annotations

import io
import itertools
import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from urllib.parse import quote, urlencode, urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from pfdo.accounts.access import PUBLIC, access_of
from pfdo.extensions import limiter
from tests import factories
from tests.conftest import CSRF_RE
from tests.factories import PASSWORD

ROLES = ("parent", "provider_staff", "coordinator", "hotline", "admin")
GUEST = "guest"

#: values that have broken web apps: NUL and control characters, CR/LF, huge and odd numbers,
#: digits of other scripts, superscripts, long strings, emoji, SQL and HTML, empty, blanks
HOSTILE_TEXT = [
    "", " ", "   ", "\t", "\x00", "a\x00b", "\x00" * 3, "\x01\x02\x1b[31m\x7f", "\u0085\u2028",
    "\r\nSet-Cookie: pwned=1", "/cabinet\r\nLocation: https://evil.example",
    "9" * 30, "-" + "9" * 30, "1e309", "NaN", "-1", "0", "2147483648", "9223372036854775808",
    "18446744073709551617", "0x10", "1_000", "²", "²³", "١٢", "１２", "１１２-２３３-４４５ ９５",
    "٣٤٥", "⁵", "Ⅻ", "½", "31.02.2026", "2026-02-31", "20260-01-01", "0001-01-01",
    "9999-12-31", "2026-13-01", "99:99", "24:00", "x" * 10_000, "😀" * 40, "ё" * 300,
    "' OR 1=1 --", "'; DROP TABLE child; --", "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>', "{{7*7}}", "%00", "%", "_", "\\", "../../etc/passwd",
    "null", "None", "[]", "{}", "true", "https://evil.example", "//evil.example", "\ufeff",
    "\u202e", "a" * 301, "А" * 101, "1" * 11, "1" * 101,
]
#: generated text: any Unicode scalar value (control characters included), short
ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
HOSTILE = st.one_of(st.sampled_from(HOSTILE_TEXT), ANY_TEXT)

#: one value of each class, given explicitly to every query parameter at once
QUERY_CORE = ["a\x00b", "/cabinet\r\nSet-Cookie: pwned=1", "9" * 30, "²", "٣٤", "x" * 10_000,
              "", "   ", "0001-01-01", "9999-12-31"]
#: ids tried explicitly in every int converter (more come at random from HOSTILE_IDS)
ID_CORE = [2**31, 2**63, 10**30]
HOSTILE_IDS = [0, 2**31 - 1, 2**31, 2**32 + 1, 2**53 + 1, 2**63 - 1, 2**63, 2**64 + 1, 10**30,
               "١٢", "１２", "²"]
HOSTILE_PATH_TEXT = [v for v in HOSTILE_TEXT if v and "/" not in v and len(v) < 500]
#: query parameter names the views read, beyond those found in GET forms
QUERY_NAMES = ["page", "q", "age", "max_price", "status", "direction", "district", "funding",
               "weekday", "provider", "sort", "free_seats", "child", "number", "next",
               "date_from", "date_to", "role", "action", "actor", "legal_form", "ownership",
               "per_page", "id"]

#: what each form field is tried with alone, the rest of the form left valid
FIELD_CORE = {
    "text": ["x\x00@example.ru", "9" * 30, "x" * 10_000, "²³", "   "],
    "date": ["a\x00b", "9" * 30, "   ", "0001-01-01", "9999-12-31"],
    "choice": ["a\x00b", "9" * 30, "   "],
    "checkbox": ["a\x00b"],
    "hidden": ["a\x00b"],
}
#: every query parameter of a valid submission's action at once
ACTION_QUERY_CORE = ["/cabinet\r\nSet-Cookie: pwned=1", "a\x00b", "9" * 30]
#: every field of a form at once
FORM_CORE = ["\x00", "9" * 30, ""]
VALID_PDF = factories.pdf_bytes()
FILES = [(VALID_PDF, "a\x00b.pdf"), (VALID_PDF, "😀" * 100 + ".pdf"),
         (b"<script>alert(1)</script>", "x.pdf"), (b"", "empty.pdf"),
         (b"MZ\x90\x00", "../../program.exe")]
#: values for fields no page fills in, so that a submission can get past the other fields and
#: the hostile one reaches the service and the database (other names use the pages' values)
FALLBACK = {
    "login": "parent@example.ru", "password": PASSWORD, "password_confirm": PASSWORD,
    "new_password": "другой-кит-ныряет-2027", "confirm_password": "другой-кит-ныряет-2027",
    "last_name": "Фаззова",
    "first_name": "Ольга", "consent": "y", "legal_form": "ano", "full_name": "АНО «Проба»",
    "short_name": "АНО «Проба»", "inn": factories.inn10(900), "ogrn": factories.ogrn(900),
    "address": "с. Ленинское, ул. Мира, д. 1", "licence_number": "ЛО35-09999",
    "licence_date": "2020-05-12", "birth_date": "2016-05-10", "document_series": "II-АБ",
    "document_number": "444444", "snils": factories.valid_snils(900),
    "reason": "Нужно исправить документы", "remarks": "Нужно исправить описание",
    "description": "Описание для проверки формы", "nominal": "17 456,00", "quota": "10",
    "budget": "174 560,00", "capacity": "10", "price": "2 500,00", "starts_on": "2026-09-01",
    "ends_on": "2027-05-31",
}

SETTINGS = dict(derandomize=True, database=None, deadline=None, print_blob=False,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate, Phase.shrink])
#: random examples per (route, role) on top of the explicit ones
FULL_EXAMPLES = 3
LIGHT_EXAMPLES = 1
FORM_EXAMPLES = 5


# --- The world the walk runs in --------------------------------------------------------------

@dataclass
class World:
    #: converter argument name -> real values (objects the roles may open)
    values: dict[str, list]
    clients: dict[str, object]
    #: each signed-in client's CSRF token (valid for its session)
    tokens: dict[str, str] = field(default_factory=dict)


def _build_world(app, make) -> World:
    from pfdo.accounts.models import User
    from pfdo.accounts.services import make_reset_token
    from pfdo.certificates.models import Certificate
    from pfdo.db import db

    make.municipality()
    users = {role: make.user(role, email=f"{role}@example.ru") for role in ROLES}
    victim = make.user("hotline", email="victim@example.ru", last_name="Петров",
                       first_name="Пётр", middle_name=None)
    # Its own account: the admin's forms change the victim's role, which ends reset links.
    forgetful = make.user("hotline", email="forgetful@example.ru")
    parent, coordinator = users["parent"], users["coordinator"]
    period = factories.period(app, coordinator)
    issued = factories.certificate(app, parent, coordinator=coordinator,
                                   last_name="Смирнова", first_name="Алиса",
                                   birth_date=date(2015, 4, 1), document_number="111111")
    filed = factories.application(app, parent, last_name="Кузнецов", first_name="Иван",
                                  middle_name="Ильич", sex="male",
                                  birth_date=date(2014, 9, 9), document_number="222222")
    plain = factories.child(app, parent, last_name="Орлова", first_name="Вера",
                            birth_date=date(2017, 1, 2), document_number="333333")
    own = factories.provider(app, staff=users["provider_staff"])
    waiting = factories.provider(app, status="submitted")
    program = factories.program(app, own, document=True)
    submitted = factories.program(app, own, status="submitted", title="Шахматы")
    group = factories.group(app, program)
    document = factories.document(app, own)
    # --- enrolment: family --- an offer (its accept and decline forms), a pending request,
    # a place in the queue of a full group; the request form opens for `issued` in `group`
    drawing = factories.group(app, factories.program(app, own, title="Рисование"),
                              name="Рисунок")
    offer = factories.offer(app, parent, issued.child_id, drawing)
    dance = factories.group(app, factories.program(app, own, title="Танцы"), name="Танец")
    pending = factories.enrolment_request(app, parent, issued.child_id, dance)
    full = factories.group(app, factories.program(app, own, title="Хор"), name="Хор",
                           capacity=1, seats_taken=1)
    # a free program's contract: the termination form (the certificate stays a record one)
    local = factories.group(app, factories.program(app, own, title="Краеведение",
                                                   funding="municipal"), name="Краеведы")
    signed = factories.contract(app, parent, issued.child_id, local)
    with app.app_context():
        from pfdo.children.models import Child
        from pfdo.enrollments import waitlist
        from pfdo.programs.models import Group
        entry_id = waitlist.join(db.session.get(User, parent.id),
                                 db.session.get(Child, issued.child_id),
                                 db.session.get(Group, full.id), today=factories.today()).id
        # --- enrolment: reviews --- a review of the signed contract: the provider's answer
        # form and the coordinator's hiding form open on their lists
        from pfdo.db import unit_of_work
        from pfdo.enrollments.models import Review
        with unit_of_work():
            review = Review(contract_id=signed.id, program_id=local.program_id,
                            author_id=parent.id, rating=5, text="Очень понравилось, спасибо!")
            db.session.add(review)
        review_id = review.id
    # --- the monthly close --- the draft report of the signed contract's first month (its
    # form with a line) and an invoice of another month, written as rows
    with app.app_context():
        from datetime import UTC, datetime

        from pfdo.billing import reports as billing_reports
        from pfdo.billing.models import Invoice, ServiceReport
        from pfdo.enrollments.models import Contract
        from pfdo.providers.models import Provider
        with unit_of_work():
            first = db.session.get(Contract, signed.id).first_month
            draft = billing_reports.ensure(db.session.get(Provider, own.id), first)
            sent = ServiceReport(provider_id=own.id, month=date(2025, 12, 1))
            db.session.add(sent)
            db.session.flush()
            moment = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
            invoice = Invoice(report_id=sent.id, provider_id=own.id, month=sent.month,
                              status="returned", remarks="Проверьте отметки",
                              submitted_at=moment, first_submitted_at=moment)
            db.session.add(invoice)
        report_id, invoice_id = draft.id, invoice.id
    with app.app_context():
        token = make_reset_token(db.session.get(User, forgetful.id))
        number = db.session.get(Certificate, issued.id).number
    world = World(values={
        "child_id": [issued.child_id, filed.child_id, plain.id],
        "certificate_id": [issued.id],
        "application_id": [filed.id],
        "period_id": [period.id],
        "program_id": [program.id, submitted.id],
        "group_id": [group.id],
        "provider_id": [own.id, waiting.id],
        "document_id": [document.id],
        "user_id": [victim.id],
        "token": [token],
        "number": [number],
        "filename": ["css/app.css"],
        "contract_id": [offer.id, signed.id],
        "request_id": [pending.id],
        "entry_id": [entry_id],
        "review_id": [review_id],
        "report_id": [report_id],
        "invoice_id": [invoice_id],
    }, clients={GUEST: app.test_client()})
    for role in ROLES:
        world.clients[role] = app.test_client()
        _login(world, role)
    return world


def _token(client, page: str = "/") -> str:
    match = CSRF_RE.search(client.get(page).get_data(as_text=True))
    assert match, f"no CSRF token on {page}"
    return match.group(1) or match.group(2)


def _login(world: World, role: str) -> None:
    client = world.clients[role]
    response = client.post("/login", data={"csrf_token": _token(client, "/login"),
                                           "login": f"{role}@example.ru", "password": PASSWORD})
    assert response.status_code == 302, f"{role} cannot log in"
    world.tokens[role] = _token(client)


def _client_and_token(app, world: World, role: str):
    """A guest gets a fresh client each time (a valid registration or login signs it in);
    a role keeps its signed-in client and token."""
    if role == GUEST:
        client = app.test_client()
        return client, _token(client, "/login")
    return world.clients[role], world.tokens[role]


def _stay_signed_in(world: World, role: str) -> None:
    """Sign the role's client in again if what it was sent ended its session."""
    if role != GUEST and _logged_out(world.clients[role].get("/cabinet")):
        _login(world, role)


def _logged_out(response) -> bool:
    location = response.headers.get("Location", "") or response.headers.get("HX-Redirect", "")
    return urlsplit(location).path == "/login"


def _roles_for(app, endpoint: str) -> dict[str, bool]:
    """role -> whether it gets the full treatment (the roles the view serves; for public
    views the guest and a parent) or a light one (answered before the view runs)."""
    access = access_of(app.view_functions[endpoint]) if endpoint != "static" else PUBLIC
    if access == PUBLIC:
        full = {GUEST, "parent"}
    elif isinstance(access, str):  # any signed-in user
        full = set(ROLES)
    else:
        full = set(access)
    return {role: role in full for role in (GUEST, *ROLES)}


_ARG = re.compile(r"<(?:(?P<converter>[a-zA-Z_]+)(?:\([^)]*\))?:)?(?P<name>[a-zA-Z_]\w*)>")


def _converters(rule) -> dict[str, str]:
    return {m.group("name"): m.group("converter") or "default"
            for m in _ARG.finditer(rule.rule)}


def _build_path(rule, values: dict[str, object]) -> str:
    def substitute(match):
        value = str(values[match.group("name")])
        return quote(value, safe="/" if match.group("converter") == "path" else "")

    return _ARG.sub(substitute, rule.rule)


def _real_values(world: World, name: str, converter: str) -> list:
    if name in world.values:
        return world.values[name]
    return [1] if converter == "int" else ["x"]


def _arg_strategy(world: World, name: str, converter: str):
    real = st.sampled_from(_real_values(world, name, converter))
    if converter in ("int", "float"):
        return st.one_of(real, st.sampled_from(HOSTILE_IDS))
    return st.one_of(real, st.sampled_from(HOSTILE_PATH_TEXT))


def _check(response, what: str) -> None:
    assert response.status_code < 500, f"{what} answered {response.status_code}"


def _describe(error: BaseException) -> list[str]:
    """One line per failure: the error and the example that caused it."""
    if isinstance(error, BaseExceptionGroup):
        return [line for sub in error.exceptions for line in _describe(sub)]
    text = (str(error).strip().splitlines() or [""])[0]
    notes = [n for n in getattr(error, "__notes__", []) if "example" in n.lower()]
    where = " ".join(notes[0].split()) if notes else ""
    return [f"{type(error).__name__}: {text[:300]} {where[:600]}"]


def _collect(failures: list[str], what: str, run) -> None:
    try:
        run()
    except Exception as error:  # noqa: BLE001 - every failure of every route is reported
        failures.extend(f"{what}: {line}" for line in _describe(error))


# --- The forms found on the pages ------------------------------------------------------------

@dataclass
class FormField:
    kind: str
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    method: str
    action: str
    multipart: bool
    fields: dict[str, FormField] = field(default_factory=dict)


class _FormParser(HTMLParser):
    """The forms of a page: fields with the values the page puts in them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: FormField | None = None
        self._textarea: FormField | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = Form(method=(a.get("method") or "get").lower(),
                              action=a.get("action", ""),
                              multipart="multipart" in a.get("enctype", ""))
            self.forms.append(self._form)
            return
        name = a.get("name")
        if self._form is None or "disabled" in a:
            return
        fields = self._form.fields
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            if kind in ("radio", "checkbox"):
                f = fields.setdefault(name, FormField(kind))
                f.options.append(a.get("value", "on"))
                if "checked" in a:
                    f.value = a.get("value", "on")
                return
            fields[name] = FormField(kind, a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = fields[name] = FormField("textarea")
        elif tag == "select" and name:
            self._select = fields[name] = FormField("select")
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))
            if "selected" in a or len(self._select.options) == 1:
                self._select.value = a.get("value", "")

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea is not None:
                self._textarea.value = self._textarea.value.removeprefix("\n")
            self._textarea = None


def _forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def _core_for(f: FormField) -> list:
    if f.kind == "file":
        return FILES
    if f.kind in ("date", "time", "datetime-local", "month"):
        return FIELD_CORE["date"]
    if f.kind in ("select", "radio"):
        return FIELD_CORE["choice"]
    return FIELD_CORE.get(f.kind, FIELD_CORE["text"])


def _baseline(form: Form, seen: dict[str, str], n: int) -> dict:
    """A submission as valid as the walk can make it: the page's values, else FALLBACK, else
    the values other pages show for that name; files are a real PDF; the e-mail and phone
    are the n-th form's own (a form that creates an account would take them from the next)."""
    own = {"email": f"fuzz{n}@example.ru", "phone": f"+7 924 555-{n // 100:02d}-{n % 100:02d}"}
    values = {name: value for name, value in own.items() if name in form.fields}
    for name, f in form.fields.items():
        if name == "csrf_token":
            continue
        if f.kind == "file":
            values[name] = (VALID_PDF, "документ.pdf")
        elif f.kind == "checkbox":
            values[name] = f.value or FALLBACK.get(name)
        else:
            values[name] = f.value or values.get(name) or FALLBACK.get(name) \
                or seen.get(name, "")
    return values


def _field_strategy(f: FormField, base):
    if f.kind == "file":
        hostile = st.one_of(st.none(), st.sampled_from(FILES))
    elif f.kind in ("select", "radio"):
        hostile = st.one_of(st.sampled_from(f.options or [""]), HOSTILE)
    elif f.kind == "checkbox":
        hostile = st.one_of(st.none(), HOSTILE)
    else:
        hostile = HOSTILE
    # Mostly the valid value, so that the hostile ones get past the rest of the form.
    return st.integers(0, 3).flatmap(lambda i: hostile if i == 0 else st.just(base))


def _payload(form: Form, values: dict, token: str) -> dict:
    data = {}
    for name, value in values.items():
        if value is None:
            continue
        if form.fields[name].kind == "file":
            content, filename = value
            data[name] = (io.BytesIO(content), filename)
        else:
            data[name] = value
    data["csrf_token"] = token
    return data


def _discover_forms(app, world: World) -> list[tuple[str, str, Form]]:
    """(role, page, form) for every POST form on every page a role opens, one per action
    endpoint and set of fields (the first role that finds it)."""
    adapter = app.url_map.bind("localhost")
    found: dict[tuple, tuple[str, str, Form]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        converters = _converters(rule)
        for role, full in _roles_for(app, rule.endpoint).items():
            if not full:
                continue
            choices = [[(n, v) for v in _real_values(world, n, c)] for n, c in converters.items()]
            for combination in itertools.product(*choices):
                page = _build_path(rule, dict(combination))
                response = world.clients[role].get(page)
                if response.status_code != 200 or response.mimetype != "text/html":
                    continue
                for form in _forms(response.get_data(as_text=True)):
                    action = urlsplit(urljoin(page, form.action or page)).path
                    if form.method != "post" or action == "/logout":
                        continue  # logging out would end the session the other forms need
                    endpoint = adapter.match(action, method="POST")[0]
                    found.setdefault((endpoint, tuple(sorted(form.fields))), (role, page, form))
    return list(found.values())


# --- The tests -------------------------------------------------------------------------------

@pytest.fixture
def world(app, make):
    was_enabled = limiter.enabled
    limiter.enabled = False  # the limits have tests of their own; here they would hide routes
    try:
        yield _build_world(app, make)
    finally:
        limiter.enabled = was_enabled


def _query_names(app, world: World) -> list[str]:
    """The generic names plus those of every GET form on the pages the roles open."""
    names = set(QUERY_NAMES)
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        for role, full in _roles_for(app, rule.endpoint).items():
            if not full:
                continue
            path = _build_path(rule, {n: _real_values(world, n, c)[0]
                                      for n, c in _converters(rule).items()})
            response = world.clients[role].get(path)
            if response.status_code == 200 and response.mimetype == "text/html":
                for form in _forms(response.get_data(as_text=True)):
                    if form.method == "get":
                        names.update(form.fields)
    return sorted(names)


def _route_case(world: World, rule, role: str, full: bool, names: list[str]):
    """The Hypothesis test of one rule as one role."""
    client = world.clients[role]
    method = "GET" if "GET" in rule.methods else "POST"
    converters = _converters(rule)
    args = st.fixed_dictionaries({name: _arg_strategy(world, name, converter)
                                  for name, converter in converters.items()})
    query = st.dictionaries(st.sampled_from(names), HOSTILE, max_size=3)

    @settings(max_examples=FULL_EXAMPLES if full else LIGHT_EXAMPLES, **SETTINGS)
    @given(args=args, query=query, htmx=st.booleans())
    def run(args, query, htmx):
        url = _build_path(rule, args) + ("?" + urlencode(query) if query else "")
        headers = {"HX-Request": "true"} if htmx else {}
        if method == "GET":
            response = client.get(url, headers=headers)
        else:
            token = world.tokens[role] if role != GUEST else _token(client, "/login")
            response = client.post(url, data={"csrf_token": token}, headers=headers)
        _check(response, f"{method} {url[:300]!r} as {role}")
        if _logged_out(response) and role != GUEST:
            _login(world, role)

    real = {name: _real_values(world, name, c)[0] for name, c in converters.items()}
    # Every name at once with each class (POST routes read their query only after a valid
    # form, which the form walk sends).
    for value in QUERY_CORE if full and method == "GET" else QUERY_CORE[:1]:
        run = example(args=real, query=dict.fromkeys(names, value), htmx=False)(run)
    if full:
        for name, converter in converters.items():
            hostile = ID_CORE if converter in ("int", "float") else HOSTILE_PATH_TEXT[:8]
            for value in hostile:
                run = example(args={**real, name: value}, query={}, htmx=False)(run)
    return f"{method} {rule.rule} as {role}", run


def test_no_route_answers_5xx_to_hostile_ids_and_query_parameters(app, world):
    names = _query_names(app, world)
    failures: list[str] = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for role, full in _roles_for(app, rule.endpoint).items():
            _collect(failures, *_route_case(world, rule, role, full, names))
            _stay_signed_in(world, role)  # e.g. after POST /logout with a valid token
    assert not failures, "\n".join(failures)


def _form_case(app, world: World, role: str, page: str, form: Form, seen: dict[str, str],
               names: list[str], accepted: set[str], n: int):
    """The Hypothesis test of one form as one role: every field alone with each hostile class
    (the rest valid), every field at once with each class, hostile query parameters on the
    valid submission (`?next=` after a login), then random mixtures."""
    action = urljoin(page, form.action or page)
    base = _baseline(form, seen, n)
    values = st.fixed_dictionaries({n: _field_strategy(form.fields[n], v)
                                    for n, v in base.items()})

    @settings(max_examples=FORM_EXAMPLES, **SETTINGS)
    @given(values=values, query=st.just({}), htmx=st.booleans())
    def run(values, query, htmx):
        client, token = _client_and_token(app, world, role)
        url = action + ("&" if "?" in action else "?") + urlencode(query) if query else action
        response = client.post(url, data=_payload(form, values, token),
                               headers={"HX-Request": "true"} if htmx else {},
                               content_type="multipart/form-data" if form.multipart else None)
        shown = {k: (v[:40] + "…" if isinstance(v, str) and len(v) > 40 else v)
                 for k, v in values.items() if v != base.get(k)}
        _check(response, f"POST {url[:200]} as {role} with {shown!r}")
        if response.status_code < 400:
            accepted.add(action)
        if _logged_out(response) and role != GUEST:
            _login(world, role)

    for name, f in form.fields.items():
        if name != "csrf_token":
            for value in _core_for(f):
                run = example(values={**base, name: value}, query={}, htmx=False)(run)
    for value in FORM_CORE:  # every field at once (files left out)
        filled = {n: None if form.fields[n].kind == "file" else value for n in base}
        run = example(values=filled, query={}, htmx=False)(run)
    for value in ACTION_QUERY_CORE:
        run = example(values=base, query=dict.fromkeys(names, value), htmx=False)(run)
    return f"POST {action} as {role}", run


def test_no_form_answers_5xx_to_hostile_values(app, world):
    forms = _discover_forms(app, world)
    assert len(forms) >= 25, f"the walk found only {len(forms)} forms"
    seen: dict[str, str] = {}
    for _role, _page, form in forms:
        for name, f in form.fields.items():
            if f.value and f.kind not in ("hidden", "checkbox"):
                seen.setdefault(name, f.value)
    names = _query_names(app, world)
    failures: list[str] = []
    accepted: set[str] = set()
    for n, (role, page, form) in enumerate(forms):
        _collect(failures, *_form_case(app, world, role, page, form, seen, names, accepted, n))
    assert not failures, "\n".join(failures)
    # The walk is not blind: most forms took at least one submission (so the hostile values
    # reached their services, not only a CSRF or a validation refusal).
    refused = sorted({urljoin(page, form.action or page) for _, page, form in forms} - accepted)
    assert len(refused) <= len(forms) // 4, f"never accepted: {refused}"
