"""The base class and the column types shared by every model."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, DateTime, Dialect, Integer
from sqlalchemy.types import TypeDecorator

from portal.extensions import db

if TYPE_CHECKING:
    from typing import ClassVar

    from flask_sqlalchemy.model import Model as FlaskModel
    from sqlalchemy import Table
    from sqlalchemy.orm import DeclarativeBase

    class Model(FlaskModel, DeclarativeBase):
        """`db.Model` as type checkers see it. Flask-SQLAlchemy builds it at run time from
        `extensions.Base` (its bases and its metadata), and a type checker cannot follow a
        base class read from an attribute of an object."""

        __table__: ClassVar[Table]  # every model maps one table

else:
    Model = db.Model

# 64-bit ids for the tables that grow with every purchase; SQLite only numbers INTEGER keys.
BigId = BigInteger().with_variant(Integer, "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC without a zone (SQLite has none) and always hands back an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def as_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)
