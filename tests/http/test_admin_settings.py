"""/admin/settings: admins change the programme's numbers; each field is named after its key,
impossible values are refused beside their field, and every change is audited."""

from __future__ import annotations

from dataclasses import asdict

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry
from portal.services.programme.settings import DEFAULTS, SETTING_NAMES, load_programme_settings
from tests.conftest import form_post


def the_form(**changes):
    """Every setting as the page shows it, with `changes` typed over it."""
    values = {key: str(value) for key, value in asdict(DEFAULTS).items()}
    values.update({key: str(value) for key, value in changes.items()})
    return values


def audit_rows():
    db.session.expire_all()
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "settings.change").order_by(AuditEntry.id)
    ).all()


@pytest.mark.parametrize("role", ["member", "staff"])
def test_only_admins_open_or_change_the_settings(client, login, role):
    login(role)
    assert client.get("/admin/settings").status_code == 403
    response = form_post(
        client, "/admin/settings", the_form(referral_monthly_cap=3), token_from="/account"
    )
    assert response.status_code == 403
    assert load_programme_settings().referral_monthly_cap == DEFAULTS.referral_monthly_cap


def test_the_form_has_a_field_named_after_each_setting(client, login):
    login("admin")
    html = client.get("/admin/settings").get_data(as_text=True)
    for key in SETTING_NAMES:
        assert f'name="{key}"' in html, key
    assert 'value="Asia/Shanghai"' in html


def test_a_change_is_stored_and_audited_with_before_and_after(client, login):
    admin = login("admin")
    response = form_post(
        client,
        "/admin/settings",
        the_form(referral_monthly_cap=12, return_window_days=14),
        token_from="/admin/settings",
    )
    assert response.status_code == 303
    stored = load_programme_settings()
    assert (stored.referral_monthly_cap, stored.return_window_days) == (12, 14)
    rows = audit_rows()
    assert [
        (row.details["setting"], row.details["before"], row.details["after"]) for row in rows
    ] == [
        ("referral_monthly_cap", 10, 12),
        ("return_window_days", 30, 14),
    ]
    assert {row.actor_id for row in rows} == {admin.id}
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "2 settings changed" in page


def test_saving_unchanged_settings_changes_and_audits_nothing(client, login):
    login("admin")
    response = form_post(client, "/admin/settings", the_form(), token_from="/admin/settings")
    assert response.status_code == 303
    assert audit_rows() == []
    assert "Nothing was changed." in client.get("/admin/settings").get_data(as_text=True)


@pytest.mark.parametrize(
    ("key", "under", "lowest", "highest", "over"),
    [("birthday_multiplier", 0, 1, 10, 11), ("marketing_weekly_cap", -1, 0, 14, 15)],
)
def test_a_number_is_taken_at_its_edges_and_refused_beyond_them(
    client, login, key, under, lowest, highest, over
):
    login("admin")
    for value in (under, over):
        response = form_post(
            client, "/admin/settings", the_form(**{key: value}), token_from="/admin/settings"
        )
        assert response.status_code == 422
        assert f"Enter a whole number from {lowest:,} to {highest:,}." in response.get_data(
            as_text=True
        )
        assert getattr(load_programme_settings(), key) == getattr(DEFAULTS, key)
    for value in (lowest, highest):
        response = form_post(
            client, "/admin/settings", the_form(**{key: value}), token_from="/admin/settings"
        )
        assert response.status_code == 303
        assert getattr(load_programme_settings(), key) == value


def test_impossible_values_are_refused_beside_their_field_and_nothing_is_stored(client, login):
    login("admin")
    response = form_post(
        client,
        "/admin/settings",
        the_form(timezone="Mars/Olympus", member_session_idle_days=181, referral_monthly_cap=4),
        token_from="/admin/settings",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "This is not a time zone we know, like Asia/Shanghai." in html
    assert "A session cannot stay unused longer than it may last at all." in html
    # All or none: the one possible change waits with the others.
    stored = load_programme_settings()
    assert (stored.timezone, stored.referral_monthly_cap) == ("Asia/Shanghai", 10)
    assert audit_rows() == []


def test_idle_time_may_equal_the_whole_lifetime(client, login):
    login("admin")
    response = form_post(
        client,
        "/admin/settings",
        the_form(member_session_idle_days=180, staff_session_idle_minutes=12 * 60),
        token_from="/admin/settings",
    )
    assert response.status_code == 303
    assert load_programme_settings().member_session_idle_days == 180


def test_a_word_where_a_number_belongs_is_refused(client, login):
    login("admin")
    response = form_post(
        client, "/admin/settings", the_form(points_per_unit="two"), token_from="/admin/settings"
    )
    assert response.status_code == 422
    assert "Not a valid integer value." in response.get_data(as_text=True)
    assert load_programme_settings().points_per_unit == 1


def test_the_currency_is_shown_but_never_changed(client, login):
    login("admin")
    response = form_post(
        client, "/admin/settings", the_form(currency="USD"), token_from="/admin/settings"
    )
    assert response.status_code == 303
    assert load_programme_settings().currency == "CNY"
    assert audit_rows() == []


@pytest.mark.parametrize(("role", "shown"), [("staff", False), ("admin", True)])
def test_the_settings_tab_shows_to_admins_only(client, login, role, shown):
    login(role)
    assert ('href="/admin/settings"' in client.get("/admin/").get_data(as_text=True)) is shown


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("birthday_multiplier", "-2", "Enter a whole number from 1 to 10."),
        ("points_per_unit", "-1", "Enter a whole number from 1 to 100."),
        ("timezone", "Asia/Shangai", "This is not a time zone we know, like Asia/Shanghai."),
    ],
)
def test_a_negative_multiplier_or_an_unknown_zone_is_explained(client, login, key, value, message):
    login("admin")
    response = form_post(
        client, "/admin/settings", the_form(**{key: value}), token_from="/admin/settings"
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert getattr(load_programme_settings(), key) == getattr(DEFAULTS, key)
    assert audit_rows() == []


def test_a_settings_change_reads_on_the_audit_page_with_before_and_after(client, login):
    admin = login("admin")
    response = form_post(
        client,
        "/admin/settings",
        the_form(return_window_days=45, timezone="Europe/Paris"),
        token_from="/admin/settings",
    )
    assert response.status_code == 303
    page = client.get("/admin/audit", query_string={"action": "settings.change"})
    text = " ".join(page.get_data(as_text=True).split())
    assert text.count("<strong>Changed a setting</strong>") == 2 and admin.name in text
    assert "return_window_days" in text and "timezone" in text
    assert '<span class="audit-before">30</span>' in text
    assert '<span class="audit-after">45</span>' in text
    assert '<span class="audit-before">Asia/Shanghai</span>' in text
