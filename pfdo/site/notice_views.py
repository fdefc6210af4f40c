"""Every signed-in person's notices: the bell in the header (its unread count rendered with
each page and refreshed by a light htmx poll), the notifications page, and marking read."""

from __future__ import annotations

from flask import has_request_context, make_response, render_template, request
from flask_login import current_user

from pfdo.accounts.access import is_safe_next, login_required
from pfdo.forms import EmptyForm
from pfdo.notifications import services as notifications
from pfdo.site.views import bp
from pfdo.web import arg_int, redirect_to, render_page_or_block

#: how often an open page asks for the unread count (htmx `every`)
POLL = "60s"


@bp.route("/notifications")
@login_required
def notifications_page():
    unread_only = request.args.get("unread") == "1"
    pagination = notifications.notices_page(current_user, page=arg_int("page", 1),
                                            unread_only=unread_only)
    return render_page_or_block("site/notifications.html", "results", pagination=pagination,
                                unread_only=unread_only, form=EmptyForm(formdata=None))


@bp.route("/notifications/count")
@login_required
def notifications_count():
    """The bell's badges (both headers, desktop and phone) as out-of-band swaps."""
    response = make_response(render_template("site/_bell_badges.html",
                                             count=notifications.unread_count(current_user)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/notifications/<int:notice_id>/read", methods=["POST"])
@login_required
def read_notice(notice_id: int):
    """Mark the notice read and go to the page it is about (or back to the list)."""
    form = EmptyForm()
    back = "/notifications"
    if not form.validate_on_submit():
        return redirect_to(back)
    notice = notifications.mark_read(current_user, notice_id)
    return redirect_to(notice.url if notice.url and is_safe_next(notice.url) else back)


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all_notices():
    form = EmptyForm()
    if form.validate_on_submit():
        notifications.mark_all_read(current_user)
    return redirect_to("/notifications")


@bp.app_context_processor
def bell():
    """The unread count for the header of every page a signed-in person sees."""
    if not has_request_context() or (request.htmx and not request.htmx.boosted):
        return {}  # an e-mail, or a fragment: no header
    if current_user and current_user.is_authenticated:
        return {"unread_notices": notifications.unread_count(current_user), "bell_poll": POLL}
    return {}
