"""The admin's municipality settings."""

from __future__ import annotations

from flask import Blueprint, flash, url_for
from flask_login import current_user

from pfdo.accounts.access import roles_required
from pfdo.accounts.models import Role
from pfdo.errors import DomainError
from pfdo.municipality import services
from pfdo.municipality.forms import MunicipalityForm
from pfdo.web import add_error, form_status, redirect_to, render_page_or_block

bp = Blueprint("municipality", __name__, url_prefix="/admin/municipality")


@bp.route("", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def settings():
    form = MunicipalityForm(obj=services.get())
    if form.validate_on_submit():
        data = services.MunicipalitySettings(
            name=form.name.data.strip(), region_name=form.region_name.data.strip(),
            region_code=form.region_code.data.strip(),
            municipality_code=form.municipality_code.data.strip(),
            timezone=form.timezone.data, hotline_phone=form.hotline_phone.data.strip(),
            hotline_hours=form.hotline_hours.data.strip(),
            coordinator_name=(form.coordinator_name.data or "").strip(),
            address=(form.address.data or "").strip(), email=(form.email.data or "").strip(),
            child_population=form.child_population.data or 0,
        )
        try:
            services.save(data, actor=current_user._get_current_object())
        except DomainError as error:
            add_error(form, error)
        else:
            flash("Настройки сохранены", "success")
            return redirect_to(url_for("municipality.settings"))
    return render_page_or_block("municipality/settings.html", "form", form_status(form),
                                form=form)
