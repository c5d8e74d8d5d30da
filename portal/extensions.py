"""Extensions are created here and bound to the app in create_app() with init_app()."""

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic migrations can refer to them on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The SQLAlchemy 2.0 declarative base that `db.Model` is built from."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def client_address() -> str:
    """The visitor's address: behind PORTAL_TRUSTED_PROXIES proxies, the one they forwarded
    (werkzeug's ProxyFix, installed by create_app), never a header the visitor chose."""
    return get_remote_address() or "unknown"


limiter = Limiter(key_func=client_address, default_limits=[], strategy="moving-window")


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"
