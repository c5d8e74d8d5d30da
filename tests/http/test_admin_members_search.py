"""The members list at the staff desk: search as you type by each key, the filters, the order,
the pages, and its query budget."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models import Member
from portal.services.members.search import MemberFilters, search_members


def names_in(html: str, *names: str) -> list[str]:
    return [name for name in names if name in html]


@pytest.fixture
def people(create_member, create_purchase, clock):
    lin = create_member(name="Lin Mei", email="lin.mei@example.com", phone="13800138000")
    wang = create_member(name="Wang Fang", email="wang.fang@example.com", phone="+86 139 1234 5678")
    zhao = create_member(name="Zhao Lei", email="zhao.lei@example.com", phone="+852 6123 4567")
    return lin, wang, zhao


def listing(client, **query):
    response = client.get("/admin/members", query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    "typed",
    [
        "138 0013 8000",
        "+86 138-0013-8000",
        "13800138000",
        "+8613800138000",
        "1380013",  # the start of the number, as it is typed
        "LIN",
        "lin.mei@",
    ],
)
def test_search_finds_by_phone_in_any_format_name_and_email(client, login, people, typed):
    login("staff")
    html = listing(client, q=typed)
    assert names_in(html, "Lin Mei", "Wang Fang", "Zhao Lei") == ["Lin Mei"], typed


def test_a_phone_stored_as_typed_is_kept_in_e164_too(people):
    lin, wang, zhao = people
    assert [db.session.get(Member, m.id).phone_e164 for m in people] == [
        "+8613800138000",
        "+8613912345678",
        "+85261234567",
    ]
    assert db.session.get(Member, lin.id).phone == "13800138000"  # as the member typed it


def test_a_foreign_number_is_found_with_its_country_code(client, login, people):
    login("staff")
    assert names_in(listing(client, q="+852 6123"), "Lin Mei", "Zhao Lei") == ["Zhao Lei"]


def test_search_by_card_number_with_and_without_spaces(client, login, people):
    lin, wang, _zhao = people
    login("staff")
    card = db.session.get(Member, wang.id).card_number
    for typed in (card, f"{card[:4]} {card[4:8]} {card[8:]}", card[:6]):
        found = search_members(MemberFilters(text=typed)).members
        assert wang.id in [m.id for m in found], typed
    html = listing(client, q=f"{card[:4]} {card[4:8]} {card[8:]}")
    assert names_in(html, "Lin Mei", "Wang Fang") == ["Wang Fang"]


def test_a_wildcard_typed_matches_nothing_special(client, login, people):
    login("staff")
    assert "No member matches" in listing(client, q="%")
    assert "No member matches" in listing(client, q="_in")


def test_the_search_box_asks_htmx_for_the_results_as_you_type(client, login, people):
    login("staff")
    page = listing(client)
    assert 'hx-trigger="input changed delay:300ms, search"' in page
    assert 'hx-push-url="true"' in page and 'hx-target="#member-results"' in page
    fragment = client.get(
        "/admin/members?q=wang", headers={"HX-Request": "true", "HX-Target": "member-results"}
    ).get_data(as_text=True)
    assert "Wang Fang" in fragment and "Lin Mei" not in fragment and "<html" not in fragment


def test_filter_by_tier_store_and_joining_dates(
    client, login, create_member, create_purchase, clock
):
    clock.set(clock.now() - timedelta(days=400))
    early = create_member(name="Early Bird", email="early@example.com")
    clock.set(clock.now() + timedelta(days=400))
    create_member(name="Gold Star", email="gold@example.com", tier="gold")
    beijing = create_member(name="Bei Jing", email="bj@example.com")
    create_purchase(beijing, amount="800.00", store="Beijing SKP")
    create_purchase(early, amount="800.00", store="Shanghai IFC")
    login("staff")
    all_names = ("Early Bird", "Gold Star", "Bei Jing")
    assert names_in(listing(client, tier="gold"), *all_names) == ["Gold Star"]
    assert names_in(listing(client, store="Beijing SKP"), *all_names) == ["Bei Jing"]
    page = listing(client)
    assert '<option value="Beijing SKP">' in page and '<option value="Shanghai IFC">' in page
    today = clock.now().date()
    recent = listing(client, joined_from=(today - timedelta(days=30)).isoformat())
    assert names_in(recent, *all_names) == ["Gold Star", "Bei Jing"]
    old = listing(client, joined_to=(today - timedelta(days=30)).isoformat())
    assert names_in(old, *all_names) == ["Early Bird"]


def test_joining_dates_in_the_wrong_order_say_so(client, login, people):
    login("staff")
    html = listing(client, joined_from="2026-06-10", joined_to="2026-06-01")
    assert "The end of the joining dates is before their start." in html
    garbled = listing(client, joined_from="10/06/2026")
    assert "Not a valid date value." in garbled or "field-error" in garbled


def test_filter_by_recent_purchase(client, login, create_member, create_purchase, clock):
    buyer = create_member(name="Recent Buyer")
    old_buyer = create_member(name="Old Buyer")
    create_purchase(old_buyer, amount="300.00", purchased_at=clock.now() - timedelta(days=100))
    create_purchase(buyer, amount="300.00", purchased_at=clock.now() - timedelta(days=10))
    create_member(name="Never Bought")
    login("staff")
    names = ("Recent Buyer", "Old Buyer", "Never Bought")
    assert names_in(listing(client, active="yes", active_days="30"), *names) == ["Recent Buyer"]
    assert names_in(listing(client, active="yes", active_days="180"), *names) == [
        "Recent Buyer",
        "Old Buyer",
    ]
    assert names_in(listing(client, active="no", active_days="30"), *names) == [
        "Old Buyer",
        "Never Bought",
    ]


def test_sorting_by_name_points_joined_and_last_purchase(
    client, login, create_member, create_purchase, give_points, clock
):
    b = create_member(name="Bai Yu")
    clock.advance(minutes=1)
    a = create_member(name="An Qi")
    clock.advance(minutes=1)
    c = create_member(name="Cao Xin")
    give_points(b, 900)
    give_points(c, 100)
    create_purchase(c, amount="100.00", purchased_at=clock.now() - timedelta(days=40))
    create_purchase(a, amount="100.00", purchased_at=clock.now() - timedelta(days=2))
    login("staff")

    def order(**query):
        html = listing(client, **query)
        return sorted(("An Qi", "Bai Yu", "Cao Xin"), key=html.index)

    assert order(sort="name", order="asc") == ["An Qi", "Bai Yu", "Cao Xin"]
    assert order(sort="name") == ["Cao Xin", "Bai Yu", "An Qi"]
    assert order() == ["Cao Xin", "An Qi", "Bai Yu"]  # newest members first
    assert order(sort="points")[:2] == ["Bai Yu", "Cao Xin"]
    assert order(sort="last_purchase")[:2] == ["An Qi", "Cao Xin"]


def test_the_list_is_paged_and_keeps_its_filters(client, login, create_member):
    for n in range(30):
        create_member(name=f"Pager Person {n:02d}")
    create_member(name="Other Person")
    login("staff")
    first = listing(client, q="pager", sort="name", order="asc")
    assert "Pager Person 00" in first and "Pager Person 25" not in first
    assert "page=2" in first and "q=pager" in first and "sort=name" in first
    second = listing(client, q="pager", sort="name", order="asc", page="2")
    assert "Pager Person 25" in second and "Pager Person 29" in second
    assert "Pager Person 00" not in second and "Other Person" not in second


def test_the_list_costs_the_same_queries_however_many_members_it_shows(
    client, login, create_member, create_purchase, count_queries
):
    login("staff")
    create_purchase(create_member(name="Query One"), amount="100.00")
    client.get("/admin/members")
    with count_queries() as few:
        assert client.get("/admin/members?q=query").status_code == 200
    for n in range(20):
        create_purchase(create_member(name=f"Query More {n}"), amount="100.00")
    with count_queries() as many:
        assert client.get("/admin/members?q=query").status_code == 200
    assert len(many) == len(few)
    assert len(many) <= 12


def test_search_uses_indexes_not_a_scan(app, people):
    """Every branch of the search is answered from an index (SQLite's plan; PostgreSQL's
    planner gets the same ranges)."""
    from sqlalchemy import select

    from portal.services.members.search import text_condition

    if db.engine.dialect.name != "sqlite":
        pytest.skip("the plan is read from SQLite's EXPLAIN QUERY PLAN")
    for typed in ("lin", "138 0013 8000", "6601 23"):
        statement = select(Member.id).where(text_condition(typed))
        compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = db.session.execute(db.text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        details = " ".join(row[-1] for row in plan)
        assert "SCAN members" not in details.replace("USING INDEX", "#"), (typed, details)


def test_the_segment_filter_lists_the_members_of_the_last_refresh(
    client, login, create_member, create_purchase, clock
):
    from portal.services.engagement.segments import refresh_segments

    lapsed = create_member(name="Qian Lapsed", email="qian@example.com")
    lapsed.created_at = clock.now() - timedelta(days=700)
    db.session.commit()
    create_purchase(lapsed, "900.00", purchased_at=clock.now() - timedelta(days=400))
    newcomer = create_member(name="Sun Newcomer", email="sun@example.com")
    create_purchase(newcomer, "300.00")
    login("staff")

    # Before any refresh nobody is in a segment yet.
    assert names_in(listing(client, segment="lapsed"), "Qian Lapsed", "Sun Newcomer") == []

    refresh_segments()
    db.session.commit()
    assert names_in(listing(client, segment="lapsed"), "Qian Lapsed", "Sun Newcomer") == [
        "Qian Lapsed"
    ]
    assert names_in(listing(client, segment="promising"), "Qian Lapsed", "Sun Newcomer") == [
        "Sun Newcomer"
    ]
    # An unknown code is refused by the form and filters nothing.
    both = listing(client, segment="nonsense")
    assert names_in(both, "Qian Lapsed", "Sun Newcomer") == ["Qian Lapsed", "Sun Newcomer"]

    profile = client.get(f"/admin/members/{lapsed.id}").get_data(as_text=True)
    assert "Lapsed" in profile and "last purchase 13 months ago" in profile
    assert 'href="/admin/members?segment=lapsed"' in profile
