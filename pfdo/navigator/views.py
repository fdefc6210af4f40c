"""The public navigator: the catalogue with filters, program pages, provider pages."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, abort, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from pfdo import storage
from pfdo.accounts.access import public
from pfdo.accounts.models import Role
from pfdo.municipality.services import local_today
from pfdo.navigator import cache_views as cache
from pfdo.navigator import child_pricing, services
from pfdo.navigator import organisations as organisations_match
from pfdo.navigator.cache_views import guest_cacheable
from pfdo.navigator.forms import ChildChoiceForm, ProgramFilterForm, RegistryFilterForm
from pfdo.navigator.summary import summary_text
from pfdo.providers.models import OWNERSHIP_LABELS
from pfdo.web import arg_int, render_page_or_block

bp = Blueprint("navigator", __name__)


def _filter_form() -> ProgramFilterForm:
    form = ProgramFilterForm(request.args,
                             districts=cache.by_version("districts", services.districts_in_use),
                             providers=cache.by_version("providers", services.providers_in_use))
    form.validate()  # unreadable values are shown beside their fields and ignored
    return form


#: the child a parent picked in the catalogue (an id in the session: never in the URL)
PICKED_CHILD = "navigator_child"


@dataclass
class ChildChoice:
    form: ChildChoiceForm
    #: (child, certificate) picked, or None
    chosen: tuple | None = None


def _child_choice(today):
    """For a parent with a certificate: the «Подобрать для ребёнка» form and the child picked
    earlier; or a redirect to the catalogue filtered for the child just picked (its URL
    holds the filters only, so it can be shared), or without the choice (an empty pick)."""
    if not (current_user.is_authenticated and current_user.role == Role.PARENT):
        return None
    eligible = child_pricing.children_with_certificates(current_user)
    if not eligible:
        return None
    asked = "child" in request.args
    form = ChildChoiceForm(request.args if asked else MultiDict(),
                           children=[child for child, _ in eligible])
    if asked and form.validate():
        keep = {"q": request.args["q"]} if request.args.get("q", "").strip() else {}
        picked = next(((child, certificate) for child, certificate in eligible
                       if str(child.id) == form.child.data), None)
        if picked is None:
            session.pop(PICKED_CHILD, None)
            return redirect(url_for("navigator.index", **keep))
        session[PICKED_CHILD] = picked[0].id
        districts = cache.by_version("districts", services.districts_in_use)
        return redirect(url_for("navigator.index", **keep, **child_pricing.filters_for(
            *picked, today=today, districts=districts)))
    chosen = None if asked else next(((child, certificate) for child, certificate in eligible
                                      if child.id == session.get(PICKED_CHILD)), None)
    if chosen is not None:
        form.child.data = str(chosen[0].id)
    return ChildChoice(form, chosen)


@bp.route("/programs")
@public
@guest_cacheable
def index():
    today = local_today()
    choice = _child_choice(today)
    if isinstance(choice, Response):
        return choice
    form = _filter_form()
    flt = form.to_filter()
    results = services.find_programs(flt, today=today, page=arg_int("page", 1))
    suggestions = services.direction_counts() if flt.q.strip() and not results.total else []
    shares = child_pricing.card_shares(results.cards, *choice.chosen, today=today) \
        if choice and choice.chosen else {}
    return render_page_or_block("navigator/index.html", "results", filters=form, flt=flt,
                                results=results, filter_summary=summary_text(form),
                                suggestions=suggestions, choice=choice, shares=shares,
                                today=today)


@bp.route("/programs/organisations")
@public
@guest_cacheable
def organisations():
    """The «Организация» type-ahead: <option>s for the filter's datalist (htmx), the names
    of registry providers with a published program that match what is typed."""
    names = organisations_match.suggest(request.args.get("org", "")[:200],
                                  cache.by_version("providers", services.providers_in_use))
    return render_template("navigator/_organisations.html", names=names)


@bp.route("/programs/<int:program_id>")
@public
@guest_cacheable
def program(program_id: int):
    today = local_today()
    program = services.get_public_program_or_404(program_id)
    context = {"program": program, "today": today, "schedule": services.schedule_text,
               "groups": services.open_groups(program, today),
               "similar": services.similar_programs(program, today=today),
               "child_form": None, "pricing": None, "has_children": False,
               "reviews": services.visible_reviews(program, shown=arg_int(
                   "reviews", services.REVIEWS_STEP, hi=services.REVIEWS_STEP * 100)),
               "reviews_step": services.REVIEWS_STEP}
    if request.htmx and "reviews" in request.args:  # «Показать ещё»: the reviews alone
        return render_page_or_block("navigator/_reviews.html", "reviews", **context)
    if current_user.is_authenticated and current_user.role == Role.PARENT:
        eligible = child_pricing.children_with_certificates(current_user)
        form = ChildChoiceForm(request.args, children=[child for child, _ in eligible])
        if "child" not in request.args and len(eligible) == 1:
            form.child.data = str(eligible[0][0].id)
        form.validate()  # another family's child is not in the list: refused beside the field
        chosen = next(((child, certificate) for child, certificate in eligible
                       if not form.child.errors and str(child.id) == form.child.data), None)
        context.update(child_form=form, has_children=bool(eligible)
                       or child_pricing.has_children(current_user))
        if chosen is not None:
            context["pricing"] = child_pricing.price_for_child(program, *chosen, today=today)
    return render_page_or_block("navigator/program.html", "pricing", **context)


@bp.route("/programs/<int:program_id>/document")
@public
def program_document(program_id: int):
    program = services.get_public_program_or_404(program_id)
    if program.document is None:
        abort(404)
    return storage.send(program.document, inline=True)


@bp.route("/providers/<int:provider_id>")
@public
@guest_cacheable
def provider(provider_id: int):
    provider = services.get_public_provider_or_404(provider_id)
    return render_template("navigator/provider.html", provider=provider,
                           ownership=OWNERSHIP_LABELS[provider.form.ownership],
                           cards=services.provider_programs(provider, today=local_today()))


@bp.route("/providers")
@public
@guest_cacheable
def registry():
    """The public registry of providers (реестр поставщиков)."""
    filters = RegistryFilterForm(request.args)
    result = services.registry(query=filters.q.data or "", ownership=filters.ownership_value,
                               page=arg_int("page", 1))
    return render_page_or_block("navigator/registry.html", "results", filters=filters,
                                result=result, ownership_labels=OWNERSHIP_LABELS)
