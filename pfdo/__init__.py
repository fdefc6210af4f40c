"""pfdo: personified financing of children's additional education (ПФДО) for a municipality."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, g, has_request_context, render_template, request, url_for
from flask_limiter import RateLimitExceeded
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from pfdo import assets, formatting, links, phones, russian, security
from pfdo import config as config_module
from pfdo.errors import DomainError, Forbidden, NotFound, ServerBusy
from pfdo.extensions import cache, csrf, db, htmx, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ERROR_PAGES = (400, 403, 404, 405, 413, 429, 500, 503)


def create_app(test_config: dict | None = None, *, instance_path: str | None = None) -> Flask:
    """Build the application: config, extensions, blueprints, errors, CLI.

    `instance_path` (default: instance/ beside the code) holds the SQLite file, uploads and
    the generated secret key."""
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(config_module.load(app.instance_path, test_config))
    configure_logging(app)
    from pfdo.web import IdConverter

    # Before any blueprint adds its rules: every `<int:…>` is bounded (see IdConverter).
    app.url_map.converters["int"] = IdConverter
    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_errorhandlers(app)
    register_template_context(app)
    security.init_app(app)
    from pfdo import cli

    cli.register(app)
    return app


def configure_logging(app: Flask) -> None:
    logging.basicConfig(
        level=app.config["LOG_LEVEL"],
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)
    login_manager.init_app(app)
    from pfdo.accounts import passwords

    passwords.configure(concurrency=app.config["PASSWORD_HASH_CONCURRENCY"],
                        wait_seconds=app.config["PASSWORD_HASH_WAIT"])
    login_manager.session_protection = None  # the session version does this job, for every browser
    login_manager.login_view = "accounts.login"
    from pfdo.accounts import sessions

    login_manager.user_loader(sessions.load_user)
    # Import every model so that metadata (and Alembic autogenerate) sees it.
    import pfdo.accounts.models
    import pfdo.audit.models
    import pfdo.billing.checks  # adds the invoices' invariants to the ledger check
    import pfdo.billing.models
    import pfdo.billing.notes  # tells the family's contract page why a month was released
    import pfdo.certificates.models
    import pfdo.children.models
    import pfdo.enrollments.checks  # adds the contracts' invariants to the ledger check
    import pfdo.enrollments.models
    import pfdo.hotline.models
    import pfdo.ledger.models
    import pfdo.municipality.models
    import pfdo.navigator.cache  # moves the catalogue's version on after its changes
    import pfdo.notifications.models
    import pfdo.periods.models
    import pfdo.privacy.models
    import pfdo.programs.models
    import pfdo.programs.search  # connects to providers' provider_renamed signal
    import pfdo.providers.models
    import pfdo.storage  # noqa: F401


def register_blueprints(app: Flask) -> None:
    from pfdo.accounts.access import check_all_views_declared
    from pfdo.accounts.views import bp as accounts_bp
    from pfdo.admin.views import bp as admin_bp
    from pfdo.billing.views import bp as billing_bp
    from pfdo.certificates.views import bp as certificates_bp
    from pfdo.coordinator.views import bp as coordinator_bp
    from pfdo.enrollments.views import bp as enrollments_bp
    from pfdo.families.views import bp as families_bp
    from pfdo.hotline.views import bp as hotline_bp
    from pfdo.municipality.views import bp as municipality_bp
    from pfdo.navigator.views import bp as navigator_bp
    from pfdo.privacy.coordinator_views import bp as deletions_bp
    from pfdo.privacy.views import bp as privacy_bp
    from pfdo.programs.views import bp as programs_bp
    from pfdo.providers.views import bp as providers_bp
    from pfdo.site.views import bp as site_bp

    for blueprint in (site_bp, accounts_bp, admin_bp, municipality_bp, families_bp,
                      certificates_bp, coordinator_bp, providers_bp, programs_bp, navigator_bp,
                      privacy_bp, deletions_bp, hotline_bp, enrollments_bp, billing_bp):
        app.register_blueprint(blueprint)
    check_all_views_declared(app)


def register_request_hooks(app: Flask) -> None:
    from pfdo.accounts import access, sessions
    from pfdo.audit.services import origin
    from pfdo.web import refuse_control_characters

    def remember_origin():
        g.audit_origin = origin.set(request.remote_addr)

    @app.teardown_request
    def forget_origin(_error):
        token = g.pop("audit_origin", None)
        if token is not None:
            origin.reset(token)

    app.before_request(remember_origin)  # first: the audit log knows who asked, even a refusal
    app.before_request(refuse_control_characters)  # before sessions and the audit log
    app.before_request(sessions.check_lifetime)
    app.before_request(access.enforce)

    @app.after_request
    def deliver_outbox(response):
        # Development convenience: e-mails show in the log right away. Production uses cron.
        from pfdo.notifications.services import OUTBOX_DIRTY, deliver_pending

        if db.session.info.pop(OUTBOX_DIRTY, False) and app.config["OUTBOX_DELIVER_INLINE"]:

            try:
                deliver_pending()
            except Exception:  # the outbox keeps the message; cron retries
                app.logger.exception("inline outbox delivery failed")
        return response


def _wants_json() -> bool:
    return request.path in ("/healthz", "/readyz")


def register_errorhandlers(app: Flask) -> None:
    def render_error(code: int, message: str | None = None):
        db.session.rollback()  # an error page must not flush a half-done operation
        if _wants_json():
            return {"status": "fail", "code": code}, code
        return render_template(f"errors/{code}.html", message=message), code

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code if error.code in ERROR_PAGES else None
        if code is None:
            return error
        if isinstance(error, RateLimitExceeded):
            return render_error(429, _wait_message(error.limit.limit.get_expiry()))
        return render_error(code)

    @app.errorhandler(ServerBusy)
    def server_busy(error: ServerBusy):
        response = app.make_response(render_error(503, error.message))
        response.headers["Retry-After"] = "60"
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        app.logger.warning("CSRF refused: %s %s (%s)", request.method, request.path,
                           error.description)
        return render_error(400, "Страница устарела или запрос пришёл не с нашего сайта. "
                                 "Обновите страницу и повторите действие.")

    @app.errorhandler(NotFound)
    def not_found(error: NotFound):
        return render_error(404)

    @app.errorhandler(Forbidden)
    def forbidden(error: Forbidden):
        return render_error(403, error.message)

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        # A refusal no view caught: show it as a bad request with its Russian message.
        return render_error(400, error.message)

    @app.errorhandler(500)
    def internal_error(error):
        return render_error(500)


def _wait_message(window_seconds: int) -> str:
    """What a visitor over a rate limit is told, by the limit's window (one minute, an hour, a
    day): the wait it names must be true."""
    if window_seconds <= 60:
        wait = "Подождите минуту и попробуйте снова"
    elif window_seconds <= 3600:
        wait = "Подождите час и попробуйте снова"
    else:
        wait = "Попробуйте снова через сутки"
    return f"Вы сделали слишком много попыток подряд. {wait}."


class _TemplateMacros:
    """A macro template's macros as a Jinja global, so that a block rendered alone (HTMX)
    has them as well as the whole page."""

    def __init__(self, app: Flask, name: str):
        self._app, self._name = app, name

    def __getattr__(self, macro: str):
        return getattr(self._app.jinja_env.get_template(self._name).module, macro)


def register_template_context(app: Flask) -> None:
    russian.register(app)
    from pfdo import masking
    from pfdo.accounts.landing import landing_endpoint
    from pfdo.accounts.models import ROLE_LABELS, Role
    from pfdo.certificates.numbers import format_number
    from pfdo.children.validation import format_snils
    from pfdo.municipality import services as municipality
    from pfdo.navigation import header_menu

    formatting.register(app, timezone=municipality.timezone)
    assets.init_app(app)
    app.jinja_env.filters["phone"] = lambda value: phones.format_phone(
        value, municipality.local_area_codes())
    app.jinja_env.filters["tel_href"] = phones.tel_href
    app.jinja_env.filters["map_href"] = lambda address: links.map_url(
        address, getattr(municipality.get(), "region_name", "") or "")
    app.jinja_env.filters["snils"] = format_snils
    app.jinja_env.filters["certificate_number"] = format_number
    # «В личный кабинет»: each role's own workspace (accounts.landing)
    app.jinja_env.globals["landing_url"] = lambda: url_for(landing_endpoint(current_user))
    # a person's field as the signed-in role may see it (pfdo.masking): whole, masked or None;
    # a list asks for less with at_most="mask"; personal_whole tells when a link may carry it
    def viewer_role():
        return current_user.role if current_user and current_user.is_authenticated else None

    app.jinja_env.globals["personal"] = lambda field, value, at_most="show": masking.present(
        viewer_role(), masking.Field(field), value, at_most=masking.Rule(at_most))
    app.jinja_env.globals["personal_whole"] = lambda field: masking.shown_whole(
        viewer_role(), masking.Field(field))
    # the person macros (templates/_macros/person.html) on every page, HTMX blocks included
    app.jinja_env.globals["person"] = _TemplateMacros(app, "_macros/person.html")
    # an e-mail is read by its recipient, not by whoever's request sent it
    app.jinja_env.globals["personal_for"] = lambda role, field, value, at_most="show": (
        masking.present(str(role), masking.Field(field), value, at_most=masking.Rule(at_most)))

    @app.context_processor
    def inject():
        return {
            "municipality": municipality.get(),
            "nav": header_menu(current_user if has_request_context() else None),
            "Role": Role,
            "ROLE_LABELS": ROLE_LABELS,
        }
