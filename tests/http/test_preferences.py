"""The communication choices and special dates on /account, the export, the notifications page's
groups."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, Member, Notification, SpecialDate
from portal.services.messaging.marketing import send_marketing
from tests.conftest import form_post

WORDING = "Send me news of launches, salons and members' offers. I can stop them at any time."


def choose(client, **fields):
    data = {"channel_email": "y", "channel_in_app": "y", "locale": "en"} | fields
    return form_post(client, "/account/communication", data, token_from="/account")


def add_date(client, month, day, label=""):
    return form_post(
        client,
        "/account/special-dates",
        {"month": str(month), "day": str(day), "label": label},
        token_from="/account",
    )


def test_marketing_is_off_until_the_member_opts_in_and_the_consent_is_kept(client, login, clock):
    member = login()
    assert member.marketing_opt_in is False
    page = client.get("/account").get_data(as_text=True)
    for name in ("channel_email", "channel_in_app", "marketing_opt_in", "personalised_suggestions"):
        assert f'name="{name}"' in page
    response = choose(client, marketing_opt_in="y", personalised_suggestions="y")
    assert response.status_code == 303
    db.session.expire_all()
    member = db.session.get(Member, member.id)
    assert member.marketing_opt_in and member.marketing_consent_at == clock.now()
    assert member.marketing_consent_wording == WORDING
    assert member.personalised_suggestions is True


def test_opting_out_clears_the_consent_and_the_audit_log_keeps_the_history(client, login, clock):
    member = login()
    choose(client, marketing_opt_in="y")
    clock.advance(days=3)
    choose(client)  # the box unticked; suggestions off too
    db.session.expire_all()
    member = db.session.get(Member, member.id)
    assert member.marketing_opt_in is False and member.marketing_consent_at is None
    assert member.marketing_consent_wording is None and member.personalised_suggestions is False
    actions = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-2:] == ["member.marketing_opt_in", "member.marketing_opt_out"]
    opt_out = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
    assert opt_out.details["wording"] == WORDING


def test_the_channels_and_the_language_are_saved(client, login):
    member = login()
    choose(client, channel_email="", locale="zh_Hans")
    db.session.expire_all()
    member = db.session.get(Member, member.id)
    assert (member.channel_email, member.channel_in_app, member.locale) == (False, True, "zh_Hans")
    assert "您的选择已保存" in client.get("/account").get_data(as_text=True)


def test_an_unknown_language_is_refused(client, login):
    login()
    assert choose(client, locale="fr").status_code == 422


def test_special_dates_29_february_allowed_30_february_refused(client, login):
    member = login()
    assert add_date(client, 2, 29, "Leap-day wedding").status_code == 303
    response = add_date(client, 2, 30)
    assert response.status_code == 422
    assert "That day does not exist in that month." in response.get_data(as_text=True)
    assert add_date(client, 4, 31).status_code == 422
    assert add_date(client, 13, 1).status_code == 422
    assert add_date(client, 2, 29).status_code == 422  # kept already
    dates = db.session.scalars(select(SpecialDate).where(SpecialDate.member_id == member.id)).all()
    assert [(d.month, d.day, d.label) for d in dates] == [(2, 29, "Leap-day wedding")]
    assert "29 February" in client.get("/account").get_data(as_text=True) or "February 29" in (
        client.get("/account").get_data(as_text=True)
    )


def test_at_most_three_special_dates_and_removing_one(client, login):
    login()
    for month in (1, 2, 3):
        assert add_date(client, month, 10).status_code == 303
    response = add_date(client, 4, 10)
    assert response.status_code == 422
    first = db.session.scalar(select(SpecialDate).order_by(SpecialDate.id))
    removed = form_post(client, f"/account/special-dates/{first.id}/delete", token_from="/account")
    assert removed.status_code == 303
    assert add_date(client, 4, 10).status_code == 303


def test_another_members_special_date_is_404(client, login, create_member):
    other = create_member()
    db.session.add(SpecialDate(member_id=other.id, month=5, day=20))
    db.session.commit()
    date_id = db.session.scalar(select(SpecialDate.id))
    login()
    response = form_post(client, f"/account/special-dates/{date_id}/delete", token_from="/account")
    assert response.status_code == 404
    assert db.session.get(SpecialDate, date_id) is not None


def test_the_export_holds_the_choices_and_special_dates(client, login):
    login()
    choose(client, marketing_opt_in="y")
    add_date(client, 5, 20, "Wedding anniversary")
    document = json.loads(client.get("/account/export").get_data(as_text=True))
    communication = document["communication"]
    assert communication["marketing_opt_in"] is True
    assert communication["marketing_consent_wording"] == WORDING
    assert communication["special_dates"] == [
        {"month": 5, "day": 20, "label": "Wedding anniversary"}
    ]


@pytest.mark.usefixtures("clock")
def test_notifications_are_grouped_service_and_marketing_with_the_unread_count(client, login):
    member = login()
    choose(client, marketing_opt_in="y")
    from portal.services.messaging.notifications import notify_member

    db.session.expire_all()
    member = db.session.get(Member, member.id)
    notify_member(member, "voucher", title="Your voucher is ready", email=False)
    send_marketing(
        member, kind="campaign", occasion="campaign:9", subject="The autumn salon", body="Join us."
    )
    db.session.commit()
    assert (
        db.session.scalar(
            select(Notification.category).where(Notification.title == "The autumn salon")
        )
        == "marketing"
    )
    page = client.get("/notifications").get_data(as_text=True)
    service_at = page.index("Your account, points and bookings")
    marketing_at = page.index("News and offers")
    assert service_at < page.index("Your voucher is ready") < marketing_at
    assert marketing_at < page.index("The autumn salon")
    assert "Notifications, 2 unread" in page
