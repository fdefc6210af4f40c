"""Flask extensions, created unbound and initialised by the factory."""

from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from pfdo.db import db

__all__ = ["cache", "csrf", "db", "htmx", "limiter", "login_manager", "migrate"]

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = Htmx()
cache = Cache()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
