"""/admin/audit: who did what, to which member, before and after, when and from where; its
filters, its pages (keyset) and who may read it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry
from portal.services.messaging.audit import record_audit
from portal.services.messaging.audit_log import PAGE_SIZE
from tests.conftest import DEFAULT_PASSWORD, form_post

NEW_PASSWORD = "quiet-harbour-lantern-77"


def _page(client, **params) -> str:
    response = client.get("/admin/audit", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    return response.get_data(as_text=True)


def _rows(html: str) -> list[str]:
    """The entries of the page, as the text of each row."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def _latest(action: str) -> AuditEntry:
    db.session.expire_all()
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id.desc())
    ).first()
    assert entry is not None, f"no {action} row"
    return entry


# -- who may read it -------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("member", 403), ("staff", 200), ("admin", 200)])
def test_staff_and_admins_read_the_log_members_do_not(client, login, role, status):
    login(role)
    assert client.get("/admin/audit").status_code == status


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/audit")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


# -- what members do is there ------------------------------------------------------------------


def test_a_sign_in_shows_who_when_and_from_which_address(client, login, member, clock):
    clock.set(datetime(2026, 11, 3, 2, 15, tzinfo=UTC))  # 10:15 in Shanghai
    login(member)
    entry = _latest("auth.sign_in")
    assert (entry.actor_id, entry.member_id, entry.ip_address) == (
        member.id,
        member.id,
        "127.0.0.1",
    )
    assert entry.request_id
    form_post(client, "/logout", token_from="/dashboard")
    login("staff")
    [row] = [r for r in _rows(_page(client, action="auth.sign_in")) if "Lin Mei" in r]
    assert "Signed in" in row and "127.0.0.1" in row and entry.request_id in row
    assert "10:15" in row  # the programme's zone, not UTC


def test_a_failed_sign_in_keeps_a_known_email_and_masks_an_unknown_one(client, login, member):
    form_post(client, "/login", {"email": "lin.mei@example.com", "password": "wrong-password-1"})
    form_post(client, "/login", {"email": "typo.person@gmail.com", "password": "secret-guess-9"})
    known, unknown = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "auth.sign_in_failed").order_by(AuditEntry.id)
    ).all()
    assert (known.actor_id, known.member_id, known.summary) == (
        None,
        member.id,
        "lin.mei@example.com",
    )
    assert (unknown.member_id, unknown.summary) == (None, "t***@g***.com")
    login("staff")
    page = _page(client, action="auth.sign_in_failed")
    assert "typo.person" not in page and "t***@g***.com" in page
    assert "wrong-password-1" not in page and "secret-guess-9" not in page
    assert "wrong-password-1" not in str(known.details) + known.summary


def test_a_password_change_an_export_and_a_closure_are_recorded(client, login, member):
    login(member)
    response = form_post(
        client,
        "/account/password",
        {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        token_from="/account",
    )
    assert response.status_code == 303
    assert client.get("/account/export").status_code == 200
    response = form_post(
        client,
        "/account/delete",
        {"password": NEW_PASSWORD, "understood": "y"},
        token_from="/account",
    )
    assert response.status_code == 303
    for action in ("account.password_change", "account.export", "account.close"):
        entry = _latest(action)
        assert (entry.actor_id, entry.member_id, entry.ip_address) == (
            member.id,
            member.id,
            "127.0.0.1",
        ), action
    login("staff")
    rows = _rows(_page(client, member=str(member.id)))
    assert any("Changed their password" in r for r in rows)
    assert any("Downloaded their data" in r for r in rows)
    assert any("Closed their account" in r for r in rows)


def test_a_password_reset_by_mail_is_recorded(client, member, mailbox):
    form_post(client, "/forgot-password", {"email": "lin.mei@example.com"})
    link = mailbox.link_in_last("lin.mei@example.com", "/reset-password/")
    response = form_post(client, link, {"password": NEW_PASSWORD}, token_from=link)
    assert response.status_code == 303
    entry = _latest("account.password_reset")
    assert (entry.actor_id, entry.member_id) == (member.id, member.id)


def test_a_settings_change_shows_its_value_before_and_after(client, login, admin):
    record_audit(
        "settings.change",
        actor=admin,
        summary="return_window_days: 30 → 45",
        details={"setting": "return_window_days", "before": 30, "after": 45},
    )
    db.session.commit()
    login(admin)
    [row] = _rows(_page(client, action="settings.change"))
    assert "Changed a setting" in row and "return_window_days" in row
    assert "Chen Jing" in row and re.search(r"30 → .*45", row)


def test_a_staff_action_shows_its_member_and_reason(client, login, staff, member):
    record_audit(
        "member.points_adjust",
        actor=staff,
        target=member,
        summary="+300 points",
        details={"points": 300, "reason": "Goodwill after a late repair"},
    )
    db.session.commit()
    login("staff")
    [row] = _rows(_page(client, action="member.points_adjust"))
    assert "Zhang Wei" in row and "Lin Mei" in row and member.card_number_display in row
    assert "Reason: Goodwill after a late repair" in row


# -- filters -------------------------------------------------------------------------------


@pytest.fixture
def several(staff, admin, member, clock):
    """Rows on three local days by two actors about two members."""
    other = db.session.get(type(member), member.id)
    clock.set(datetime(2026, 10, 31, 15, 59, tzinfo=UTC))  # 23:59 on 31 Oct in Shanghai
    record_audit("member.birthday", actor=staff, target=other, summary="October")
    clock.set(datetime(2026, 10, 31, 16, 0, tzinfo=UTC))  # 00:00 on 1 Nov in Shanghai
    record_audit("member.tier_change", actor=admin, target=other, summary="November first")
    clock.set(datetime(2026, 11, 2, 3, 0, tzinfo=UTC))
    record_audit("reward.create", actor=staff, summary="November second")
    db.session.commit()


def test_filters_by_actor_member_action_and_local_dates(client, login, several, staff, member):
    login("admin")

    def summaries(**params):
        return [
            r for r in _rows(_page(client, **params)) if "auth." not in r and "Signed in" not in r
        ]

    by_staff = summaries(actor=staff.email)
    assert len(by_staff) == 2 and all("Zhang Wei" in r for r in by_staff)
    assert len(summaries(member=member.card_number)) == 2
    assert len(summaries(member=member.email.upper())) == 2
    assert [("November first" in r) for r in summaries(action="member.tier_change")] == [True]
    assert [("October" in r) for r in summaries(to="2026-10-31")] == [True]
    november = summaries(**{"from": "2026-11-01", "to": "2026-11-01"})
    assert len(november) == 1 and "November first" in november[0]
    assert len(summaries(**{"from": "2026-11-01"})) == 2


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"actor": "nobody@example.com"}, "No account has this number, email or card."),
        ({"member": "999999"}, "No account has this number, email or card."),
        ({"action": "ledger.rewrite"}, "Choose an action from the list."),
        ({"from": "2026-11-02", "to": "2026-11-01"}, "The end date is before the start date."),
        ({"from": "2026-13-01"}, "Not a valid date value."),
    ],
)
def test_a_bad_filter_is_explained_beside_its_field(client, login, params, message):
    login("staff")
    response = client.get("/admin/audit", query_string=params)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_the_filter_form_answers_htmx_with_the_list_alone(client, login, several):
    login("staff")
    response = client.get(
        "/admin/audit",
        query_string={"action": "reward.create"},
        headers={"HX-Request": "true", "HX-Target": "audit-log"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert "November second" in body and "November first" not in body
    assert 'name="actor"' in body  # the form is inside the swapped block


# -- pages -----------------------------------------------------------------------------------


def test_pages_follow_each_other_without_gaps_or_repeats(
    client, login, staff, clock, count_queries
):
    moment = clock.set(datetime(2026, 11, 1, 8, 0, tzinfo=UTC))
    # Two rows share each moment, so the page boundary falls between rows of one instant.
    for n in range(PAGE_SIZE + 5):
        if n % 2 == 0:
            clock.set(moment + timedelta(seconds=n))
        record_audit("reward.update", actor=staff, summary=f"change number {n:03d}")
    db.session.commit()
    login("staff")
    with count_queries() as queries:
        first = _page(client, action="reward.update")
    assert len(queries) <= 8
    shown = [re.search(r"change number (\d+)", r).group(1) for r in _rows(first)]
    assert len(shown) == PAGE_SIZE and shown[0] == f"{PAGE_SIZE + 4:03d}"
    older = re.search(r'href="([^"]*after=[^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(older).get_data(as_text=True)
    rest = [re.search(r"change number (\d+)", r).group(1) for r in _rows(second)]
    assert rest == ["004", "003", "002", "001", "000"]
    assert "action=reward.update" in older
    assert "Older entries" not in second and "Newest entries" in second


def test_a_malformed_cursor_shows_the_first_page(client, login, staff):
    record_audit("reward.update", actor=staff, summary="only one")
    db.session.commit()
    login("staff")
    assert "only one" in _page(client, after="not-a-cursor")


# -- never editable --------------------------------------------------------------------------


def test_the_page_offers_no_way_to_change_an_entry(client, login, staff):
    record_audit("reward.update", actor=staff, summary="a change")
    db.session.commit()
    login("admin")
    page = _page(client)
    assert 'method="post"' not in page.split('id="audit-log"', 1)[1].split("</main>", 1)[0]
    entry_id = _latest("reward.update").id
    for method in ("post", "put", "delete", "patch"):
        response = getattr(client, method)(f"/admin/audit/{entry_id}")
        assert response.status_code in (400, 404, 405)
