"""The suite's own checks can fail: a watcher or an axe run that never reports would pass
every page. Each test here provokes one problem and expects it to be caught."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.support import axe_violations


def test_csp_violation_is_reported(page: Page, problems):
    page.goto("/")
    # evaluate() itself is not subject to the CSP, but the <style> it adds is.
    page.evaluate("""() => {
      const style = document.createElement("style");
      style.textContent = "body { color: red; }";
      document.head.append(style);
    }""")
    page.wait_for_function("() => window.__cspViolations.length > 0")
    page.evaluate("() => 0")  # a round trip: the binding's report has arrived before it

    assert [v["directive"] for v in problems.csp_violations] == ["style-src-elem"]
    with pytest.raises(AssertionError, match="CSP violation"):
        problems.assert_none()


def test_console_error_and_uncaught_exception_are_reported(page: Page, problems):
    page.goto("/")
    with page.expect_console_message():
        page.evaluate("() => console.error('сломалось')")
    with page.context.expect_event("weberror"):
        page.evaluate("() => setTimeout(() => { throw new Error('исключение'); })")

    with pytest.raises(AssertionError, match=r"(?s)сломалось.*исключение"):
        problems.assert_none()


def test_axe_reports_an_unlabelled_field(page: Page):
    page.goto("/")
    page.evaluate("""() => {
      const input = document.createElement("input");
      input.id = "unlabelled";
      document.getElementById("main").append(input);
    }""")

    violations = axe_violations(page)
    assert {v["id"] for v in violations} == {"label"}
    assert violations[0]["nodes"][0]["target"] == "#unlabelled"
