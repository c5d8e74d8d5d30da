"""Fixtures shared by every test (flaskr's and Indico's habits).

The suite runs against DATABASE_URL when it is set (PostgreSQL in CI), else against a SQLite
file of its own. The schema is created once per run; each test starts from empty tables with
the designed tiers, a fresh app, an SMTP server that catches the mail, and a clock it may move.

Test data is built one way: with the factories below (create_member, create_purchase,
create_return, create_reward, give_points), each going through the portal's own rule for
that kind of data, so a test never holds a row the programme could not have written.
"""

from __future__ import annotations

import contextvars
import itertools
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from aiosmtpd.controller import Controller
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import event, text

from config import TestingConfig
from portal import clock as portal_clock
from portal import create_app
from portal.extensions import db, limiter
from portal.models.audit import create_immutability_triggers, drop_immutability_triggers

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
IDEMPOTENCY_FIELD = re.compile(r'name="idempotency_key"[^>]*value="([^"]+)"')
DEFAULT_PASSWORD = "velvet-lantern-orchid-42"
RUN_STORAGE_PREFIX = f"LIMITS-test-{uuid.uuid4().hex[:12]}"


# -- database --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """DATABASE_URL, or a SQLite file of the run's own. With pytest-xdist (`make test` runs two
    processes) each process gets its own database: a SQLite file in its own temporary folder,
    or on PostgreSQL a database named after DATABASE_URL's with the process's name appended,
    created for the run and dropped after it."""
    url = os.environ.get("DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal-test.sqlite3'}"
        return
    if not worker or not url.startswith("postgresql"):
        yield url
        return
    from sqlalchemy import create_engine

    base, name = url.rsplit("/", 1)
    own = f"{name}_{worker}"
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{own}"'))
    try:
        yield f"{base}/{own}"
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture(scope="session")
def _schema(database_url):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
        db.session.remove()
    yield
    with app.app_context():
        db.engine.dispose()


def _empty_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        with db.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        # The audit log refuses DELETE (portal/models/audit.py): its triggers step aside while
        # the test's rows are cleared, and are back before the next test.
        with db.engine.begin() as connection:
            drop_immutability_triggers(connection)
            for table in tables:
                connection.execute(table.delete())
            create_immutability_triggers(connection)


# -- mail ------------------------------------------------------------------------------------


class Mailbox:
    """What a real SMTP server (aiosmtpd) received."""

    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]

    def last_to(self, address: str):
        found = self.to(address)
        assert found, f"no mail to {address}; got {[m['To'] for m in self.messages]}"
        return found[-1]

    @staticmethod
    def text_of(message) -> str:
        part = message.get_body(preferencelist=("plain",))
        return part.get_content()

    def link_in_last(self, address: str, path_start: str) -> str:
        """The path of the first link to `path_start` in the latest mail to `address`."""
        body = self.text_of(self.last_to(address))
        match = re.search(r"https?://[^/\s]+(" + re.escape(path_start) + r"[^\s]*)", body)
        assert match, f"no {path_start} link in: {body}"
        return match.group(1)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server():
    handler = Mailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


@pytest.fixture
def mailbox(smtp_server) -> Mailbox:
    _controller, handler = smtp_server
    handler.messages.clear()
    return handler


# -- the app ---------------------------------------------------------------------------------


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, `g` and database session, as in production,
    instead of sharing the test's. The test's session ends its transaction around each request
    so it neither blocks the request nor reads a stale snapshot afterwards."""

    def open(self, *args, **kwargs):
        db.session.commit()
        context = contextvars.copy_context()

        def isolated():
            _cv_app.set(None)
            return super(IsolatedClient, self).open(*args, **kwargs)

        try:
            return context.run(isolated)
        finally:
            db.session.commit()
            db.session.expire_all()


@pytest.fixture
def app_overrides() -> dict:
    """Config overrides for one test module or test (override this fixture)."""
    return {}


@pytest.fixture
def app(_schema, database_url, smtp_server, mailbox, app_overrides):
    controller, _handler = smtp_server
    config = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": controller.port,
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
        # limiter.reset() below deletes the keys under the storage's prefix: one of this run's
        # own, so other runs sharing the Redis database keep their counts.
        "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": RUN_STORAGE_PREFIX},
        "RATELIMIT_ENABLED": True,
    }
    config.update(app_overrides)
    application = create_app(TestingConfig, **config)
    application.test_client_class = IsolatedClient
    with application.app_context():
        from portal.services.programme.default_tiers import ensure_default_tiers

        ensure_default_tiers()
        db.session.commit()
        from redis.exceptions import ConnectionError as RedisDown

        try:
            limiter.reset()
        except RedisDown:
            pass  # a test of the portal with its rate-limit storage down
        yield application
        db.session.remove()
        _empty_tables()
        # Each test's app has its own engine: close its pooled connections now rather than
        # whenever the garbage collector gets to it (PostgreSQL has a connection limit).
        for engine in db.engines.values():
            engine.dispose()
    portal_clock.set_now(None)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token_from(html: str) -> str:
    match = CSRF_META.search(html)
    assert match, "page has no csrf-token meta tag"
    return match.group(1)


def idempotency_key_in(html: str) -> str:
    """The idempotency key of a reward's confirmation form."""
    match = IDEMPOTENCY_FIELD.search(html)
    assert match, "the confirmation form has no idempotency key"
    return match.group(1)


def staff_actions_count():
    """A count of the audit rows other than signing in (each `login` writes one)."""
    from sqlalchemy import func, select

    from portal.models import AuditEntry

    return select(func.count(AuditEntry.id)).where(AuditEntry.action.not_like("auth.%"))


def form_post(client, url: str, data: dict | None = None, *, token_from: str = "/login", **kwargs):
    """POST a form the way a browser does: with the CSRF token of a page it loaded."""
    token = csrf_token_from(
        client.get(token_from, headers=kwargs.get("headers")).get_data(as_text=True)
    )
    payload = {"csrf_token": token, **(data or {})}
    return client.post(url, data=payload, **kwargs)


@contextmanager
def served(application) -> Iterator[str]:
    """Serve the app over HTTP from a background thread: yields "http://127.0.0.1:<port>"."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-portal", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# -- people ----------------------------------------------------------------------------------

_sequence = itertools.count(1)


@pytest.fixture
def create_member(app, request):
    """create_member(**overrides) -> Member, committed, password DEFAULT_PASSWORD.
    `tier="gold"` moves the new member to that tier as an admin does by hand
    (set_tier_by_hand: kept 12 months, recorded, notified), by default the `admin` fixture."""
    from portal.models import Tier
    from portal.services.members.accounts import create_member as create
    from portal.services.members.desk import set_tier_by_hand

    def factory(*, tier: str | None = None, **overrides):
        n = next(_sequence)
        values = {
            "name": f"Member Number{n}",
            "email": f"member{n}-{uuid.uuid4().hex[:6]}@example.com",
            "password": DEFAULT_PASSWORD,
            "verified": True,
        }
        values.update(overrides)
        member = create(**values)
        db.session.commit()
        if tier is not None and tier != member.tier_code:
            admin = request.getfixturevalue("admin")
            set_tier_by_hand(member, db.session.get(Tier, tier), reason="Test tier", admin=admin)
            db.session.commit()
        return member

    return factory


def balance_of(member) -> int:
    """The member's stored balance as the database has it now."""
    from portal.models import Member

    db.session.expire_all()
    return db.session.get(Member, member.id).points_balance


@pytest.fixture
def member(create_member):
    return create_member(name="Lin Mei", email="lin.mei@example.com")


@pytest.fixture
def staff(create_member):
    return create_member(name="Zhang Wei", email="zhang.wei@example.com", role="staff")


@pytest.fixture
def admin(create_member):
    return create_member(name="Chen Jing", email="chen.jing@example.com", role="admin")


@pytest.fixture
def login(client, create_member):
    """login(as_="member" | "staff" | "admin" | a Member) signs the test client in."""

    def sign_in(as_="member", password: str = DEFAULT_PASSWORD):
        person = create_member(role=as_) if isinstance(as_, str) else as_
        response = form_post(client, "/login", {"email": person.email, "password": password})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return person

    return sign_in


# -- time and queries ------------------------------------------------------------------------


class Clock:
    def set(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        portal_clock.set_now(moment)
        return moment

    def advance(self, **delta) -> datetime:
        return portal_clock.advance(timedelta(**delta))

    def now(self) -> datetime:
        return portal_clock.utcnow()


@pytest.fixture
def clock() -> Iterator[Clock]:
    fixed = Clock()
    fixed.set(datetime(2026, 6, 15, 4, 0, tzinfo=UTC))
    yield fixed
    portal_clock.set_now(None)


@pytest.fixture
def count_queries(app):
    """with count_queries() as queries: ...; len(queries) is the number of SQL statements."""

    @contextmanager
    def counting():
        statements: list[str] = []

        def before(conn, cursor, statement, *args):
            if (
                not statement.lstrip()
                .upper()
                .startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"))
            ):
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting


# -- purchases, returns and points ----------------------------------------------------------

_receipts = itertools.count(1)


@pytest.fixture
def create_purchase(app):
    """create_purchase(member, amount="1234.00", **overrides) -> Purchase, recorded through the
    real rules (services/purchases/recording.py) and committed: it earns what the earning rules
    give (1 point per whole unit x the member's tier multiplier, x2 in the birthday month) and
    upgrades the tier when the spend reaches one. `amount` is yuan as text or minor units as an
    int; `purchased_at` defaults to an hour ago; `items` are dicts of ItemInput's fields
    (sku, name, quantity, unit_price in minor units), one piece at the full amount by default."""
    from portal.services.programme.settings import programme_settings
    from portal.services.purchases.input import parse_amount
    from portal.services.purchases.recording import record_purchase

    def factory(member, amount="1234.00", **overrides):
        currency = overrides.pop("currency", programme_settings().currency)
        minor = amount if isinstance(amount, int) else parse_amount(Decimal(amount), currency)
        values = {
            "receipt_no": f"SH01-TEST-{next(_receipts):06d}",
            "currency": currency,
            "purchased_at": portal_clock.utcnow() - timedelta(hours=1),
            "store": "Shanghai IFC",
            "items": [{"sku": "P-18K-01", "name": "18K gold pendant", "unit_price": minor}],
            "channel": "staff",
        }
        values.update(overrides)
        purchase, _created = record_purchase(member, amount=minor, **values)
        db.session.commit()
        return purchase

    return factory


@pytest.fixture
def create_return(app):
    """create_return(purchase, amount, **overrides) -> PurchaseReturn, recorded through the real
    return rule (record_return) and committed: the purchase's points are reversed in proportion
    and its returned amount no longer counts towards the tier. `amount` as in create_purchase."""
    from portal.services.purchases.input import parse_amount
    from portal.services.purchases.recording import record_return

    def factory(purchase, amount, **overrides):
        minor = (
            amount if isinstance(amount, int) else parse_amount(Decimal(amount), purchase.currency)
        )
        purchase_return, _created = record_return(purchase, amount=minor, **overrides)
        db.session.commit()
        return purchase_return

    return factory


@pytest.fixture
def give_points(app):
    """give_points(member, points): a bonus credit through the ledger, committed."""
    from portal.models import Member
    from portal.services.points.ledger import credit_points

    def factory(member, points: int, *, reason: str = "Bonus from the club"):
        member = db.session.get(Member, member.id)
        entry = credit_points(member, "bonus", points, reason=reason)
        db.session.commit()
        return entry

    return factory


# -- rewards ---------------------------------------------------------------------------------


@pytest.fixture
def create_reward(app, request):
    """create_reward(**fields) -> Reward, created through the staff's catalogue rule
    (services/rewards/editing.py) and committed. `fields` are RewardChanges' (the window is
    `available_from`/`available_until`, days in the programme's zone, as staff type them);
    `staff=` names who creates it, by default the `staff` fixture."""
    from portal.services.rewards.editing import RewardChanges
    from portal.services.rewards.editing import create_reward as create

    def factory(*, staff=None, **fields):
        values = {
            "name": "Jewellery cleaning & polishing",
            "description": "Cleaned and polished while you wait.",
            "category": "jewellery_care",
            "reward_type": "in_store",
            "points_cost": 300,
        }
        values.update(fields)
        reward = create(RewardChanges(**values), staff=staff or request.getfixturevalue("staff"))
        db.session.commit()
        return reward

    return factory


@pytest.fixture
def redeem_reward(app, give_points):
    """redeem_reward(member, reward, *, top_up=True) -> Redemption through the real rule
    (services/rewards/redemption.py), committed; `top_up` first gives the member the points."""
    from portal.models import Member, Reward
    from portal.services.rewards.redemption import redeem

    def factory(member, reward, *, top_up: bool = True):
        if top_up:
            give_points(member, reward.points_cost)
        redemption = redeem(
            db.session.get(Member, member.id),
            db.session.get(Reward, reward.id),
            idempotency_key=uuid.uuid4().hex,
        )
        db.session.commit()
        return redemption

    return factory


# -- events ----------------------------------------------------------------------------------


@pytest.fixture
def create_event(app, request):
    """create_event(**fields) -> Event, created through the staff's event rule
    (services/events/editing.py) and committed: a salon a week from the clock's now, 20 places,
    up to 2 guests, 100 points. Fields are EventChanges'; `ends_at` defaults to two hours after
    `starts_at` and `rsvp_deadline` to a day before; `cancelled=True` then cancels it as staff
    do; `staff=` names who, by default the `staff` fixture."""
    from portal.services.events.editing import EventChanges, cancel_event
    from portal.services.events.editing import create_event as create

    def factory(*, staff=None, cancelled: bool = False, **fields):
        staff = staff or request.getfixturevalue("staff")
        starts = fields.pop("starts_at", portal_clock.utcnow() + timedelta(days=7))
        values = {
            "kind": "salon",
            "title": "Coloured stones salon",
            "title_zh": "彩色宝石沙龙",
            "description": "An evening with our gemmologist.",
            "description_zh": None,
            "location": "Shanghai IFC boutique, 8 Century Avenue",
            "location_zh": None,
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=2),
            "rsvp_deadline": starts - timedelta(days=1),
            "capacity": 20,
            "min_tier": None,
            "max_guests": 2,
            "attendance_points": 100,
        }
        values.update(fields)
        event = create(EventChanges(**values), staff=staff)
        if cancelled:
            cancel_event(event, staff=staff)
        db.session.commit()
        return event

    return factory


@pytest.fixture
def rsvp(app):
    """rsvp(member, event, guests=0) -> EventRsvp: the member answers through the one
    allocator (services/events/allocation.py), committed; confirmed or waitlisted as it says."""
    from portal.models import Event, Member
    from portal.services.events.answers import answer_event

    def factory(member, event, guests: int = 0):
        answer = answer_event(
            db.session.get(Member, member.id), db.session.get(Event, event.id), guests
        )
        db.session.commit()
        return answer

    return factory


def party_statuses(event) -> dict[str, str]:
    """Member name -> status of their party at `event`, as the database has it now."""
    from portal.models import EventRsvp

    db.session.expire_all()
    rows = db.session.query(EventRsvp).filter_by(event_id=event.id).all()
    return {row.member.name: row.status for row in rows}


# -- surveys ---------------------------------------------------------------------------------


@pytest.fixture
def create_survey(app, request):
    """create_survey(questions=[("nps", "How likely …?"), ("text", "Tell us more", {...})],
    **fields) -> Survey, built through the staff's builder rule (services/surveys/building.py)
    and committed. A question is (kind, prompt) or (kind, prompt, QuestionDraft's fields); by
    default an always-open survey with an NPS question and an optional free-text question,
    worth 50 points, whose free text may be quoted."""
    from portal.services.surveys.building import QuestionDraft, SurveyDraft
    from portal.services.surveys.building import create_survey as create

    def factory(*, questions=None, staff=None, **fields):
        questions = questions or [
            ("nps", "How likely are you to recommend us to a friend?"),
            ("text", "What could we do better?", {"required": False, "max_length": 500}),
        ]
        drafts = [
            QuestionDraft(kind=q[0], prompt=q[1], **(q[2] if len(q) > 2 else {})) for q in questions
        ]
        values = {
            "title": "Tell us about your visit",
            "title_zh": "告诉我们您的到访体验",
            "trigger": "always",
            "points": 50,
            "quotable": True,
        }
        values.update(fields)
        survey = create(
            SurveyDraft(questions=drafts, **values),
            staff=staff or request.getfixturevalue("staff"),
        )
        db.session.commit()
        return survey

    return factory


@pytest.fixture
def answer_survey(app):
    """answer_survey(member, survey, {position: value}, occasion=None, **options) ->
    SurveyAnswer through the answering rule, committed. A value is an int (NPS, CSAT), a list
    of choice indexes, or text; `occasion` picks the member's waiting invitation for it."""
    from portal.models import Member, Survey
    from portal.services.surveys.answering import QuestionAnswer, submit_answer
    from portal.services.surveys.invitations import waiting_surveys

    def factory(member, survey, values, *, occasion=None, **options):
        member = db.session.get(Member, member.id)
        survey = db.session.get(Survey, survey.id)
        waiting = next(
            w
            for w in waiting_surveys(member)
            if w.survey.id == survey.id and (occasion is None or w.occasion == occasion)
        )
        by_position = {q.position: q for q in survey.questions}
        answers = {}
        for position, value in values.items():
            question = by_position[position]
            if isinstance(value, int):
                answers[question.id] = QuestionAnswer(number=value)
            elif isinstance(value, list):
                answers[question.id] = QuestionAnswer(choices=tuple(value))
            else:
                answers[question.id] = QuestionAnswer(text=value)
        answer = submit_answer(member, waiting, answers, **options)
        db.session.commit()
        return answer

    return factory
