"""Helpers shared by the views: page-or-fragment rendering, htmx-aware redirects, forms, the
coordinator's decisions, and the web side of the input layer (bounded ids in URLs, bounded query
integers, no control characters in the address)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import (
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
)
from jinja2_fragments.flask import render_block
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response

from pfdo import xlsx
from pfdo.errors import DomainError
from pfdo.identifiers import MAX_ID, clamped_whole_number, has_control_characters

#: the largest id a URL may carry: PostgreSQL's INTEGER (the same limit on SQLite)
#: the last page number a list accepts (beyond it the list is empty anyway)
MAX_PAGE = 10_000
BAD_ADDRESS = "В адресе страницы есть недопустимые символы. Проверьте ссылку"
#: a POST whose CSRF token (or the version of the object it was made for) is out of date
STALE_PAGE = "Страница устарела. Обновите её и повторите действие."


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: ASCII digits only (a regex digit class takes any script's) and
    at most MAX_ID, so a larger id is a 404 rather than an overflow in the database."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def arg_int(name: str, default: int, lo: int = 1, hi: int = MAX_PAGE) -> int:
    """An integer query argument (`?page=`): `default` when absent or unreadable, brought into
    [lo, hi] when out of range (a page past the end is just an empty page)."""
    value = clamped_whole_number(request.args.get(name), minimum=lo, maximum=hi)
    return default if value is None else value


def refuse_control_characters() -> None:
    """before_request: an address whose path or query holds a control character (NUL, CR/LF…)
    is refused with a 400 and a Russian message, before any view, log or query sees it."""
    if has_control_characters(request.path) or any(
            has_control_characters(key) or has_control_characters(value)
            for key, value in request.args.items(multi=True)):
        raise DomainError(BAD_ADDRESS)


def render_page_or_block(template: str, block: str, status: int = 200, **context) -> Response:
    """The whole page for a browser, only `block` for htmx; Vary keeps caches from mixing them."""
    if request.htmx and not request.htmx.boosted:
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def send_xlsx(filename: str, title: str, columns, rows, *, timezone: str) -> Response:
    """A filtered list as an XLSX download (pfdo.xlsx), streamed from a temporary file; dates
    in `timezone` (the municipality's)."""
    data = xlsx.write(title, columns, rows, timezone=timezone)
    response = send_file(data, mimetype=xlsx.MIME, as_attachment=True, download_name=filename,
                         max_age=0)
    response.headers["Cache-Control"] = "no-store"
    # the page that asked (static/js/app.js) waits for this cookie to say the file is ready
    token = request.args.get("download_token", "")
    if DOWNLOAD_TOKEN.fullmatch(token):
        response.set_cookie("xlsx_ready", token, max_age=120, path="/", samesite="Lax",
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return response


#: the page's token for one download: letters and digits only (it is echoed into a cookie)
DOWNLOAD_TOKEN = re.compile(r"[A-Za-z0-9]{8,40}")


def redirect_to(url: str) -> Response:
    """A redirect after a successful POST; htmx follows it as a full page load."""
    if request.htmx:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)


def add_error(form, error: DomainError) -> None:
    """Show a refused operation next to its field, or above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def form_status(form) -> int:
    """422 when the form has errors (htmx is configured to swap it), 200 otherwise."""
    return 422 if (form.errors or form.form_errors) else 200


def decide(form, action: Callable[[], Any], *, success: str | Callable[[Any], str], back: str,
           done: str, rerender: Callable[[Any, int], Response] | None = None,
           fresh: Callable[[], bool] | None = None) -> Response:
    """A decision posted from its page (confirm or refuse, approve or reject, publish or return):
    check the form, make the one service call `action`, flash and redirect.

    A form without fields (a button: only a stale CSRF token fails it), or a page older than the
    object (`fresh` says no), gets the STALE_PAGE flash and goes `back`. A form with a reason
    comes back through `rerender(form, status)` when it is invalid or when the service refuses
    a field, with the error beside it (422). Any other refusal (decided meanwhile by someone
    else) is a warning flash and `back`, nothing changed. Success flashes `success` (a text, or
    made from what `action` returned) and goes to `done`."""
    if not form.validate_on_submit():
        if rerender is None:
            flash(STALE_PAGE, "danger")
            return redirect_to(back)
        return rerender(form, form_status(form))
    if fresh is not None and not fresh():
        flash(STALE_PAGE, "danger")
        return redirect_to(back)
    try:
        result = action()
    except DomainError as error:
        if rerender is not None and error.field:
            add_error(form, error)
            return rerender(form, form_status(form))
        flash(str(error), "warning")
        return redirect_to(back)
    flash(success(result) if callable(success) else success, "success")
    return redirect_to(done)
