"""The KPI dashboard /admin/ and its CSV exports: the contract of DESIGN.md
(`/admin/kpis.csv?from=…&to=…`, header `metric,value,previous`), bad periods, who may see it,
and a query budget that does not grow with the data."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from portal.extensions import db
from portal.services.programme.kpi_summaries import summarise_period_members, summarise_points
from tests.valid_html import problems_in

# The clock fixture's now: 2026-06-15 12:00 in Shanghai.
JUNE = {"from": "2026-06-01", "to": "2026-06-10"}


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


@pytest.fixture
def june_programme(clock, create_member, create_purchase):
    """Two members who joined on 3 June (one bought twice) and one on 25 May (bought once)."""
    clock.set(datetime(2026, 5, 25, 4, 0, tzinfo=UTC))
    may = create_member(name="May Joiner")
    create_purchase(may, "300.00", purchased_at=clock.now())
    clock.set(datetime(2026, 6, 3, 4, 0, tzinfo=UTC))
    one, two = create_member(name="June One"), create_member(name="June Two")
    create_purchase(one, "1000.00", purchased_at=clock.now())
    create_purchase(one, "200.00", purchased_at=clock.now())
    create_purchase(two, "50.00", purchased_at=clock.now())
    clock.set(datetime(2026, 6, 15, 4, 0, tzinfo=UTC))


def test_staff_see_the_dashboard_with_every_panel(client, login, june_programme):
    login("staff")
    response = client.get("/admin/", query_string=JUNE)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for title in (
        "Members",
        "Points",
        "Top rewards",
        "Tiers",
        "Referrals",
        "Events",
        "NPS and CSAT",
    ):
        assert f">{title}</h2>" in html
    assert "Redemption rate = redeemed ÷ issued in the period" in html
    assert "share of active members with two purchases or more" in html
    assert "compared with the 10 days before" in html
    assert "<svg" in html and "<script" not in html.split("<main", 1)[1].split("</main>")[0]
    assert 'href="/admin/kpis.csv?from=2026-06-01&amp;to=2026-06-10"' in html
    assert 'href="/admin/kpis/points.csv?from=2026-06-01&amp;to=2026-06-10"' in html
    assert problems_in(html) == []


def test_the_presets_mark_the_chosen_one(client, login):
    login("staff")
    html = client.get("/admin/?period=365").get_data(as_text=True)
    assert 'href="/admin/?period=365" class="period-choice" aria-current="true"' in html
    assert "(365 days, both included" in html
    default = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/?period=30" class="period-choice" aria-current="true"' in default


def test_admins_see_it_too_and_members_get_403(client, login):
    login("admin")
    assert client.get("/admin/?period=90").status_code == 200
    assert client.get("/admin/kpis.csv").status_code == 200
    client.post("/logout", headers={"X-CSRFToken": "x"})


@pytest.mark.parametrize("path", ["/admin/", "/admin/kpis.csv", "/admin/kpis/points.csv"])
def test_members_are_refused(client, login, path):
    login()
    assert client.get(path, query_string=JUNE).status_code == 403


def test_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/kpis.csv", query_string=JUNE)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_csv_contract(client, login, june_programme):
    login("staff")
    response = client.get("/admin/kpis.csv", query_string=JUNE)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = rows_of(response)
    assert rows[0] == ["metric", "value", "previous"]
    figures = {row[0]: (row[1], row[2]) for row in rows[1:]}
    assert len(figures) == len(rows) - 1  # one row per figure
    # The staff account signing in is not a member joining.
    assert figures["members_joined"] == ("2", "1")
    assert figures["active_members"] == ("2", "1")
    assert figures["repeat_purchase_rate"] == ("0.5000", "0.0000")
    assert figures["points_issued"] == ("1250", "300")
    assert figures["points_redeemed"] == ("0", "0")
    assert figures["points_expired"] == ("0", "0")
    assert figures["redemption_rate"] == ("0.0000", "0.0000")
    assert figures["outstanding_points"] == ("1550", "300")
    assert figures["nps"] == ("", "")  # nobody answered: no score, not 0
    for metric, (value, _previous) in figures.items():
        if metric.endswith("_rate") and value:
            assert 0 <= float(value) <= 1 and len(value.split(".")[1]) == 4


def test_each_table_has_its_own_csv(client, login, june_programme):
    login("staff")
    members = rows_of(client.get("/admin/kpis/members.csv", query_string=JUNE))
    assert members == [
        ["metric", "value", "previous"],
        ["members_joined", "2", "1"],
        ["active_members", "2", "1"],
        ["repeat_purchase_rate", "0.5000", "0.0000"],
    ]
    tiers = rows_of(client.get("/admin/kpis/tiers.csv", query_string=JUNE))
    assert ["tier_member_members", "3", ""] in tiers
    satisfaction = rows_of(client.get("/admin/kpis/satisfaction.csv", query_string=JUNE))
    assert satisfaction[0][:3] == ["from", "to", "nps_answers"]
    assert [row[:2] for row in satisfaction[1:]] == [
        ["2026-05-22", "2026-05-31"],
        ["2026-06-01", "2026-06-07"],
        ["2026-06-08", "2026-06-10"],
        ["2026-06-01", "2026-06-10"],
    ]
    assert client.get("/admin/kpis/nothing.csv", query_string=JUNE).status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {"from": "2026-06-10", "to": "2026-06-01"},
            "The last day cannot be before the first day.",
        ),
        ({"from": "2026-02-30", "to": "2026-03-01"}, "Enter the date as YYYY-MM-DD"),
        ({"from": "yesterday", "to": "2026-03-01"}, "Enter the date as YYYY-MM-DD"),
        ({"period": "custom", "from": "2026-03-01"}, "Enter a date."),
    ],
)
def test_a_bad_period_is_explained(client, login, query, message):
    login("staff")
    page = client.get("/admin/", query_string=query)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert message in html
    assert 'aria-invalid="true"' in html and 'name="from"' in html  # the form, to correct it
    assert "Download every figure" not in html
    exported = client.get("/admin/kpis.csv", query_string=query)
    assert exported.status_code == 400
    assert exported.mimetype == "text/plain"
    assert message in exported.get_data(as_text=True)


def test_the_page_in_chinese(client, login):
    staff = login("staff")
    from portal.extensions import db
    from portal.models import Member

    db.session.get(Member, staff.id).locale = "zh_Hans"
    db.session.commit()
    html = client.get("/admin/?period=month").get_data(as_text=True)
    assert "本月" in html
    assert "Redemption rate" not in html


def test_the_dashboard_keeps_to_its_query_budget_whatever_the_data(
    client, login, count_queries, clock, create_member, create_purchase
):
    login("staff")
    client.get("/admin/?period=365")  # settings and the session are cached after this
    with count_queries() as before:
        assert client.get("/admin/?period=365").status_code == 200
    today = clock.now()
    for n in range(3, -1, -1):  # earned on four days, the ledger dated as it is written
        clock.set(today - timedelta(days=n))
        buyer = create_member()
        create_purchase(buyer, "120.00", purchased_at=clock.now())
    with count_queries() as after:
        assert client.get("/admin/?period=365").status_code == 200
    summarise_points()  # the closed days' points now come from the daily sums,
    summarise_period_members()  # the buyers from each member's purchases per period
    db.session.commit()
    with count_queries() as summed:
        assert client.get("/admin/?period=365").status_code == 200
    assert len(after) == len(before) == len(summed)
    assert len(after) <= 22, "\n".join(after)
