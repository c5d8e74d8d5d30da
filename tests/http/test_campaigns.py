"""Campaigns through the staff pages: compose, preview (who gets it, who the gate skips and
why), send once, an empty segment, bad input, an opt-out while sending, SMTP down, results."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    AuditEntry,
    Campaign,
    MarketingClick,
    MarketingDelivery,
    Member,
    OutboxMessage,
)
from portal.services.engagement import campaigns as service
from portal.services.engagement.segments import refresh_segments
from portal.services.messaging.delivery import deliver_pending
from tests.conftest import csrf_token_from, form_post


def new_campaign(client, **fields):
    data = {"subject": "The autumn salon", "body": "Join us.", "segment": "all"} | fields
    return form_post(client, "/admin/campaigns/new", data, token_from="/admin/campaigns/new")


def created_id(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    return int(re.search(r"/admin/campaigns/(\d+)$", response.headers["Location"]).group(1))


def send(client, campaign_id: int):
    return form_post(
        client, f"/admin/campaigns/{campaign_id}/send", token_from=f"/admin/campaigns/{campaign_id}"
    )


@pytest.fixture
def audience(create_member):
    """Three members: two opted in, one not."""
    return [
        create_member(name="Wang Fang", marketing_opt_in=True),
        create_member(name="Sophie Laurent", marketing_opt_in=True, locale="zh_Hans"),
        create_member(name="Zhao Lei"),
    ]


def test_a_member_cannot_open_the_campaign_pages(client, login):
    login()
    assert client.get("/admin/campaigns").status_code == 403
    assert client.get("/admin/segments").status_code == 403


def test_compose_preview_send_and_results(client, login, audience, mailbox):
    staff = login("staff")
    campaign_id = created_id(new_campaign(client, subject_zh="秋季沙龙", body_zh="欢迎光临。"))
    page = client.get(f"/admin/campaigns/{campaign_id}").get_data(as_text=True)
    assert "Who gets it" in page
    assert re.search(r'class="big-number">2<', page)
    assert "has not accepted members" in page
    assert f'action="/admin/campaigns/{campaign_id}/send"' in page

    response = send(client, campaign_id)
    assert response.status_code == 303
    db.session.expire_all()
    campaign = db.session.get(Campaign, campaign_id)
    assert campaign.status == "sent" and campaign.sent_by_id == staff.id
    decisions = dict(
        db.session.execute(
            select(MarketingDelivery.member_id, MarketingDelivery.status).where(
                MarketingDelivery.campaign_id == campaign_id
            )
        ).all()
    )
    assert decisions == {audience[0].id: "sent", audience[1].id: "sent", audience[2].id: "skipped"}
    # Each reads it in their language.
    subjects = dict(
        db.session.execute(
            select(OutboxMessage.member_id, OutboxMessage.subject).where(
                OutboxMessage.category == "marketing"
            )
        ).all()
    )
    assert subjects == {audience[0].id: "The autumn salon", audience[1].id: "秋季沙龙"}
    assert {a.action for a in db.session.scalars(select(AuditEntry))} >= {
        "campaign.create",
        "campaign.send",
    }

    # Sending twice sends nothing more.
    again = send(client, campaign_id)
    assert again.status_code == 409
    assert "nothing was sent again" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(MarketingDelivery.id))) == 3

    results = client.get(f"/admin/campaigns/{campaign_id}").get_data(as_text=True)
    assert "Results" in results and "bought within 30 days" in results


def test_the_tracked_link_counts_an_open_and_a_purchase_counts_within_30_days(
    client, login, audience, create_purchase, clock
):
    login("staff")
    campaign_id = created_id(new_campaign(client))
    send(client, campaign_id)
    delivery = db.session.scalar(
        select(MarketingDelivery).where(MarketingDelivery.member_id == audience[0].id)
    )
    response = client.get(f"/go/{delivery.token}")
    assert response.status_code == 303 and response.headers["Location"].endswith("/dashboard")
    assert client.get("/go/not-a-token").status_code == 404
    assert db.session.scalar(select(func.count(MarketingClick.id))) == 1
    campaign = db.session.get(Campaign, campaign_id)
    clock.advance(days=29)
    create_purchase(audience[0], "2600.00", purchased_at=clock.now())
    clock.advance(days=2)  # 31 days after: too late to count
    create_purchase(audience[1], "2600.00", purchased_at=clock.now())
    results = service.campaign_results(campaign)
    assert (results.sent, results.opened, results.bought) == (2, 1, 1)


def test_a_win_back_counts_purchases_within_60_days(
    app, staff, create_member, create_purchase, clock
):
    lapsed = create_member(marketing_opt_in=True)
    create_purchase(lapsed, "5000.00", purchased_at=clock.now() - timedelta(days=400))
    refresh_segments(now=clock.now())
    campaign = service.create_campaign(
        subject="We miss you",
        body="Come back.",
        subject_zh=None,
        body_zh=None,
        segment="lapsed",
        reward_id=None,
        event_id=None,
        staff=staff,
    )
    service.start_sending(campaign, staff=staff)
    db.session.commit()
    clock.advance(days=59)
    create_purchase(lapsed, "900.00", purchased_at=clock.now())
    results = service.campaign_results(campaign)
    assert results.win_back and results.bought_within_days == 60 and results.bought == 1


def test_an_empty_segment_is_explained_and_sends_nothing(client, login, audience):
    login("staff")
    campaign_id = created_id(new_campaign(client, segment="champions"))  # no refresh yet
    page = client.get(f"/admin/campaigns/{campaign_id}").get_data(as_text=True)
    assert "Nobody is in this segment now" in page
    response = send(client, campaign_id)
    assert response.status_code == 409
    assert "nothing was sent" in response.get_data(as_text=True)
    assert db.session.get(Campaign, campaign_id).status == "draft"
    assert db.session.scalar(select(func.count(MarketingDelivery.id))) == 0


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"subject": ""}, "subject", "Please fill this in."),
        ({"body": "  "}, "body", "Please fill this in."),
        ({"subject": "x" * 121}, "subject", "Too long"),
        ({"body_zh": "字" * 2001}, "body_zh", "Too long"),
        ({"segment": "everyone"}, "segment", "Choose one of the segments."),
    ],
)
def test_bad_input_is_refused_beside_the_field(client, login, fields, field, message):
    login("staff")
    response = new_campaign(client, **fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and message in page
    assert db.session.scalar(select(func.count(Campaign.id))) == 0


def test_a_member_opting_out_while_sending_gets_nothing_after(app, staff, create_member):
    members = [create_member(marketing_opt_in=True) for _ in range(5)]
    campaign = service.create_campaign(
        subject="Salon",
        body="Join us.",
        subject_zh=None,
        body_zh=None,
        segment="all",
        reward_id=None,
        event_id=None,
        staff=staff,
    )
    db.session.commit()
    service.start_sending(campaign, staff=staff)  # the request's first batch
    db.session.commit()
    assert campaign.status == "sent"  # five members fit in one batch
    # A large campaign continues batch by batch; the opt-out lands between two batches.
    second = service.create_campaign(
        subject="Second",
        body="Again.",
        subject_zh=None,
        body_zh=None,
        segment="all",
        reward_id=None,
        event_id=None,
        staff=staff,
    )
    db.session.commit()
    from portal.services.programme.settings import update_setting

    update_setting("marketing_weekly_cap", 5)
    second.status, second.send_started_at = "sending", campaign.send_started_at
    db.session.commit()
    assert service.send_campaign_batch(second, limit=2) == 2
    db.session.commit()
    leaving = members[4]
    leaving.marketing_opt_in = False
    db.session.commit()
    while second.status == "sending":
        service.send_campaign_batch(second, limit=2)
        db.session.commit()
    decision = db.session.scalar(
        select(MarketingDelivery).where(
            MarketingDelivery.campaign_id == second.id, MarketingDelivery.member_id == leaving.id
        )
    )
    assert decision.status == "skipped" and decision.reason == "not_opted_in"


def test_smtp_down_loses_nothing_and_sends_nothing_twice(
    app, staff, audience, mailbox, monkeypatch
):
    from portal.services.messaging import delivery

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr(delivery, "transport_send", refuse)
    campaign = service.create_campaign(
        subject="Salon",
        body="Join us.",
        subject_zh=None,
        body_zh=None,
        segment="all",
        reward_id=None,
        event_id=None,
        staff=staff,
    )
    service.start_sending(campaign, staff=staff)
    db.session.commit()
    pending = db.session.scalars(
        select(OutboxMessage.status).where(OutboxMessage.category == "marketing")
    ).all()
    assert pending == ["pending", "pending"]
    monkeypatch.undo()
    assert deliver_pending() == 2
    assert deliver_pending() == 0  # a later run sends nothing again
    assert len([m for m in mailbox.messages if m["Subject"] == "Salon"]) == 2


def test_the_pages_are_valid_html(client, login, audience, create_purchase, clock):
    from tests.valid_html import problems_in

    create_purchase(audience[0], "12000.00")
    refresh_segments(now=clock.now())
    login("staff")
    draft = created_id(new_campaign(client))
    sent = created_id(new_campaign(client, subject="Sent one"))
    send(client, sent)
    for path in (
        "/admin/segments",
        "/admin/segments?group=others",
        "/admin/campaigns",
        "/admin/campaigns/new",
        f"/admin/campaigns/{draft}",
        f"/admin/campaigns/{sent}",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert problems_in(response.get_data(as_text=True)) == [], path
    invalid = new_campaign(client, subject="")
    assert problems_in(invalid.get_data(as_text=True)) == []


def test_the_account_and_notifications_pages_are_valid_html(client, login):
    from tests.valid_html import problems_in

    login()
    for path in ("/account", "/notifications"):
        assert problems_in(client.get(path).get_data(as_text=True)) == [], path


def test_a_groups_list_costs_the_same_queries_for_3_or_12_members(
    client, login, create_member, count_queries, clock
):
    login("staff")
    counts = []
    for total in (3, 12):
        while (
            db.session.scalar(
                select(func.count()).select_from(Member).where(Member.role == "member")
            )
            < total
        ):
            create_member()
        refresh_segments(now=clock.now())
        db.session.commit()
        with count_queries() as queries:
            assert client.get("/admin/segments?group=promising").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_birthdays_by_month_are_counted_under_the_months_names(client, login, create_member, clock):
    from datetime import date

    for birthday in (date(1990, 3, 1), date(1985, 3, 31), date(1979, 12, 25)):
        create_member(birthday=birthday)
    create_member()  # no birthday given: in no month
    refresh_segments(now=clock.now())
    login("staff")
    html = client.get("/admin/segments").get_data(as_text=True)
    table = html.split('class="admin-table birthday-months"', 1)[1].split("</table>", 1)[0]
    months = re.findall(r'<th scope="col" class="num">([^<]+)</th>', table)
    counts = re.findall(r'<td class="num">([^<]+)</td>', table)
    assert months == [
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "May",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Oct",
        "Nov",
        "Dec",
    ]
    assert dict(zip(months, counts, strict=True)) == {
        **{month: "0" for month in months},
        "Mar": "2",
        "Dec": "1",
    }
    client.post(
        "/language", data={"locale": "zh_Hans", "csrf_token": csrf_token_from(html), "next": "/"}
    )
    chinese = client.get("/admin/segments").get_data(as_text=True)
    assert '<th scope="col" class="num">3月</th>' in chinese
