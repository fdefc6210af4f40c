"""Helpers for the browser suite: axe-core checks, CSP and console watching, form filling."""

from __future__ import annotations

import functools
import itertools
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}

PASSWORD = "синий-кит-2026"  # noqa: S105 - a test account's password
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = ("serious", "critical")

_phone_numbers = itertools.count(1)


def unique_email(prefix: str = "roditel") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.ru"


def unique_phone() -> str:
    """A phone number no other account of this session has, typed the way people type it."""
    n = next(_phone_numbers)
    return f"+7 914 555-{n // 100 % 100:02d}-{n % 100:02d}"


# --- CSP violations and console errors ------------------------------------------------

# Runs in every document before the page's own scripts; Playwright's init scripts are not
# subject to the page's CSP. Each violation goes to window.__cspViolations (for a look from
# the page) and to the test through a binding (which survives navigations).
_CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const violation = {
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
    page: document.location.href,
  };
  window.__cspViolations.push(violation);
  window.__reportCspViolation(violation);
});
"""


@dataclass
class BrowserProblems:
    """CSP violations, console errors and uncaught exceptions seen in the watched contexts."""

    csp_violations: list[dict] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    expected_console: list[re.Pattern] = field(default_factory=list)

    def watch(self, context: BrowserContext) -> BrowserContext:
        context.expose_binding(
            "__reportCspViolation", lambda _source, violation: self.csp_violations.append(violation)
        )
        context.add_init_script(script=_CSP_LISTENER)
        context.on("console", self._on_console)
        context.on("weberror", lambda error: self.console_errors.append(
            f"uncaught: {error.error} ({error.page.url if error.page else '?'})"))
        return context

    def expect_console_error(self, pattern: str) -> None:
        """A console error the test causes on purpose (e.g. the 422 of a form with errors)."""
        self.expected_console.append(re.compile(pattern))

    def expect_form_errors(self) -> None:
        """A form with errors answers 422, which Chromium logs as a failed resource."""
        self.expect_console_error(r"status of 422 \(UNPROCESSABLE")

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        if any(pattern.search(message.text) for pattern in self.expected_console):
            return
        self.console_errors.append(f"{message.text} ({message.location.get('url', '?')})")

    def assert_none(self) -> None:
        problems = [f"CSP violation: {v}" for v in self.csp_violations] + [
            f"console error: {text}" for text in self.console_errors
        ]
        self.csp_violations.clear()
        self.console_errors.clear()
        assert not problems, "The browser reported problems:\n" + "\n".join(problems)


# --- Sideways scrolling -------------------------------------------------------------------

_SIDEWAYS = """
() => {
  const found = [];
  const page = document.documentElement.scrollWidth - window.innerWidth;
  if (page > 0) found.push(`the page by ${page}px`);
  for (const el of document.querySelectorAll("body *")) {
    const overflow = getComputedStyle(el).overflowX;
    const extra = el.scrollWidth - el.clientWidth;
    if ((overflow === "auto" || overflow === "scroll") && extra > 1) {
      const name = [el.tagName.toLowerCase(), ...el.classList].join(".");
      found.push(`${name}${el.id ? "#" + el.id : ""} by ${extra}px`);
    }
  }
  return found;
}
"""


def sideways_scrolling(page: Page) -> list[str]:
    """What scrolls sideways on the page as it is now: the page itself, or a box inside it
    (a table in a .table-responsive that does not fit). Empty when everything fits."""
    return page.evaluate(_SIDEWAYS)


def assert_nothing_scrolls_sideways(page: Page) -> None:
    scrolling = sideways_scrolling(page)
    assert not scrolling, f"{page.url} scrolls sideways: " + "; ".join(scrolling)


# --- axe-core -----------------------------------------------------------------------------

_RUN_AXE = """
(tags) => axe.run(document, {
  runOnly: {type: "tag", values: tags},
  resultTypes: ["violations"],
}).then((results) => results.violations.map((violation) => ({
  id: violation.id,
  impact: violation.impact,
  help: violation.help,
  helpUrl: violation.helpUrl,
  nodes: violation.nodes.map((node) => ({
    target: node.target.join(" "),
    html: node.html,
    summary: node.failureSummary,
  })),
})))
"""


@functools.cache
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[dict]:
    """Serious and critical WCAG 2.1 A/AA violations on the page as it is now.

    axe is evaluated through the DevTools protocol rather than with page.add_script_tag: the
    app's CSP (script-src 'self') blocks the inline <script> that add_script_tag creates,
    and loosening the CSP for the test would hide the violations this suite looks for."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    violations = page.evaluate(_RUN_AXE, AXE_TAGS)
    return [v for v in violations if v["impact"] in BLOCKING_IMPACTS]


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} [{violation['impact']}]: {violation['help']} "
                     f"({violation['helpUrl']})")
        for node in violation["nodes"]:
            lines.append(f"    at {node['target']}: {node['html'][:200]}")
            if node["summary"]:
                lines.append("      " + node["summary"].replace("\n", "\n      "))
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, (
        f"axe-core: serious or critical violations on {page.url}:\n"
        + format_violations(violations)
    )


# --- Filling in the app's forms -------------------------------------------------------------

def log_in(page: Page, login: str, password: str) -> None:
    """Submit the login form; the caller checks where it leads."""
    page.goto("/login")
    page.get_by_label("Электронная почта или телефон").fill(login)
    page.get_by_label("Пароль", exact=True).fill(password)
    page.get_by_role("button", name="Войти", exact=True).click()


@dataclass(frozen=True)
class Registration:
    last_name: str = "Смирнова"
    first_name: str = "Ольга"
    middle_name: str = "Ивановна"
    email: str = field(default_factory=unique_email)
    phone: str = field(default_factory=unique_phone)
    password: str = PASSWORD
    password_confirm: str = PASSWORD
    consent: bool = True

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


def submit_registration(page: Page, data: Registration) -> None:
    """Fill /register by the labels a person sees, then submit it."""
    page.get_by_label("Фамилия").fill(data.last_name)
    page.get_by_label("Имя", exact=True).fill(data.first_name)
    page.get_by_label("Отчество (если есть)").fill(data.middle_name)
    page.get_by_label("Электронная почта").fill(data.email)
    page.get_by_label("Мобильный телефон").fill(data.phone)
    page.get_by_label("Пароль", exact=True).fill(data.password)
    page.get_by_label("Пароль ещё раз").fill(data.password_confirm)
    page.get_by_label("Я даю согласие на обработку персональных данных").set_checked(data.consent)
    page.get_by_role("button", name="Зарегистрироваться").click()


def confirmation_link(app, email: str) -> str:
    """The confirmation link of the last registration letter sent to `email` (the outbox is
    the test's mailbox)."""
    from sqlalchemy import select

    from pfdo.db import db
    from pfdo.notifications.models import OutboxMessage

    with app.app_context():
        bodies = db.session.scalars(
            select(OutboxMessage.body).where(OutboxMessage.recipient == email.lower())
            .order_by(OutboxMessage.id.desc())).all()
        db.session.remove()
    for body in bodies:
        match = re.search(r"https?://\S+/register/confirm/\S+", body)
        if match:
            return match.group(0)
    raise AssertionError(f"no confirmation letter to {email}")


def complete_registration(page: Page, app, data: Registration) -> None:
    """After the form: the «check your mail» page, then the letter's link and its button."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Проверьте почту")
    expect(page.get_by_text("Мы отправили письмо на")).to_contain_text(data.email.lower())
    page.goto(confirmation_link(app, data.email))
    expect(page.get_by_role("heading", level=1)).to_have_text("Завершение регистрации")
    page.get_by_role("button", name="Завершить регистрацию").click()


def expect_cabinet_of(page: Page, full_name: str) -> None:
    expect(page).to_have_url(re.compile(r"/cabinet$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(full_name)


def wait_for_htmx(page: Page) -> None:
    """Until no htmx request, swap or settle is under way: a check made earlier may read the
    content that the swap is about to replace (a loaded machine makes the gap long)."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def mark_document(page: Page) -> None:
    """Tag the current document, to tell an htmx swap from a full page load later."""
    page.evaluate("() => { window.__sameDocument = true; }")


def is_same_document(page: Page) -> bool:
    return page.evaluate("() => window.__sameDocument === true")
