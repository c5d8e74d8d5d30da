"""Staff pages of the catalogue and the vouchers."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, LedgerEntry, Notification, Redemption, Reward
from portal.services.rewards.redemption import redeem
from portal.services.rewards.vouchers import cancel_redemption
from tests.conftest import balance_of, csrf_token_from, form_post

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64


@pytest.fixture
def app_overrides(tmp_path):
    return {"UPLOAD_FOLDER": str(tmp_path / "uploads")}


def _valid_reward(**overrides):
    data = {
        "name": "Pearl necklace restringing",
        "name_zh": "珍珠项链重新穿线",
        "description": "Restrung on silk.",
        "category": "jewellery_care",
        "reward_type": "in_store",
        "points_cost": "1500",
        "stock": "",
        "per_member_limit": "",
        "min_tier": "",
        "active": "y",
        "voucher_valid_days": "60",
    }
    data.update(overrides)
    return data


def _post_form(client, url, data, *, token_from="/admin/rewards/new"):
    token = csrf_token_from(client.get(token_from).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data}, content_type="multipart/form-data")


@pytest.fixture
def issued_voucher(create_reward, give_points):
    """issued_voucher(member, reward=None) -> Redemption: 2,000 points given, 300 spent."""

    def issue(member, reward=None, key="voucher-key-01"):
        give_points(member, 2000)
        redemption = redeem(
            member, reward or create_reward(points_cost=300, stock=4), idempotency_key=key
        )
        db.session.commit()
        return redemption

    return issue


# -- access ----------------------------------------------------------------------------------


def test_members_get_403_on_the_staff_pages(client, login, create_reward):
    login()
    for path in ("/admin/rewards", "/admin/rewards/new", "/admin/redemptions"):
        assert client.get(path).status_code == 403, path
    reward = create_reward()
    assert client.get(f"/admin/rewards/{reward.id}/edit").status_code == 403
    response = form_post(client, "/admin/rewards/new", _valid_reward(), token_from="/dashboard")
    assert response.status_code == 403
    assert db.session.scalar(select(Reward).where(Reward.name.like("Pearl%"))) is None


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/rewards")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# -- the catalogue ---------------------------------------------------------------------------


def test_the_list_links_to_a_new_reward(client, login, create_reward):
    login("staff")
    create_reward(name="Gift wrapping", stock=None)
    page = client.get("/admin/rewards").get_data(as_text=True)
    assert 'href="/admin/rewards/new"' in page
    assert "Gift wrapping" in page and "Unlimited" in page


def test_the_new_reward_form_has_the_designed_field_names(client, login):
    login("admin")
    page = client.get("/admin/rewards/new").get_data(as_text=True)
    for name in (
        "name",
        "description",
        "points_cost",
        "stock",
        "per_member_limit",
        "min_tier",
        "active",
        "category",
        "active_from",
        "active_to",
        "image",
    ):
        assert f'name="{name}"' in page, name
    assert 'enctype="multipart/form-data"' in page


def test_staff_create_a_reward(client, login):
    staff = login("staff")
    response = _post_form(
        client,
        "/admin/rewards/new",
        _valid_reward(
            stock="12",
            per_member_limit="1",
            min_tier="gold",
            active_from="2026-07-01",
            active_to="2026-07-31",
            image=(io.BytesIO(PNG), "pearls.png"),
        ),
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    reward = db.session.scalar(select(Reward).where(Reward.name == "Pearl necklace restringing"))
    assert reward.points_cost == 1500 and reward.stock == 12 and reward.per_member_limit == 1
    assert reward.min_tier == "gold" and reward.active and reward.name_zh == "珍珠项链重新穿线"
    # The window is the programme's days (Asia/Shanghai, UTC+8), the last day included.
    assert reward.active_from.isoformat() == "2026-06-30T16:00:00+00:00"
    assert reward.active_to.isoformat() == "2026-07-31T16:00:00+00:00"
    assert reward.image.endswith(".png") and reward.image != "pearls.png"
    image = client.get(f"/rewards/images/{reward.image}")
    assert image.status_code == 200 and image.data == PNG
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "reward.create"))
    assert audit.actor_id == staff.id and audit.target_id == reward.id

    edit = client.get(f"/admin/rewards/{reward.id}/edit").get_data(as_text=True)
    assert 'value="2026-07-01"' in edit and 'value="2026-07-31"' in edit


def test_an_empty_stock_means_unlimited(client, login):
    login("staff")
    assert _post_form(client, "/admin/rewards/new", _valid_reward(stock="")).status_code == 303
    assert db.session.scalar(select(Reward.stock)) is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("points_cost", "-5", "The cost is a whole number of points from 1 to 1,000,000."),
        ("points_cost", "0", "The cost is a whole number of points from 1 to 1,000,000."),
        ("points_cost", "99999999999999999999", "from 1 to 1,000,000"),
        ("points_cost", "", "Enter the cost in points."),
        ("stock", "-1", "Stock is a whole number from 0 to 100,000"),
        ("stock", "100000000", "Stock is a whole number from 0 to 100,000"),
        ("per_member_limit", "0", "The limit is from 1 to 100 per member"),
        ("voucher_valid_days", "5000", "A voucher is valid from 1 to 730 days."),
        ("name", "", "Give the reward a name."),
        ("active_to", "2026-01-01", "The last day cannot be before the first day."),
    ],
)
def test_bad_numbers_are_refused_beside_the_field(client, login, field, value, message):
    login("staff")
    data = _valid_reward(active_from="2026-02-01", **{field: value})
    response = _post_form(client, "/admin/rewards/new", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page and "Please check the highlighted fields." in page
    assert db.session.scalar(select(Reward.id)) is None


def test_a_file_that_is_not_an_image_is_refused(client, login, tmp_path):
    login("staff")
    fake = io.BytesIO(b"<?php echo 'hello'; ?>")
    response = _post_form(client, "/admin/rewards/new", _valid_reward(image=(fake, "picture.png")))
    assert response.status_code == 422
    assert "That file is not a PNG, JPEG or WebP image." in response.get_data(as_text=True)
    assert db.session.scalar(select(Reward.id)) is None
    svg = io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>")
    response = _post_form(client, "/admin/rewards/new", _valid_reward(image=(svg, "x.svg")))
    assert response.status_code == 422


def test_an_image_over_2_mb_is_refused(client, login):
    login("staff")
    big = io.BytesIO(PNG + b"\x00" * (2 * 1024 * 1024))
    response = _post_form(client, "/admin/rewards/new", _valid_reward(image=(big, "big.png")))
    assert response.status_code == 422
    assert "larger than 2 MB" in response.get_data(as_text=True)


@pytest.mark.parametrize(("content", "extension"), [(JPEG, ".jpg"), (WEBP, ".webp")])
def test_jpeg_and_webp_are_accepted(client, login, content, extension):
    login("staff")
    response = _post_form(
        client, "/admin/rewards/new", _valid_reward(image=(io.BytesIO(content), "photo"))
    )
    assert response.status_code == 303
    assert db.session.scalar(select(Reward.image)).endswith(extension)


def test_staff_edit_a_reward(client, login, create_reward):
    login("staff")
    reward = create_reward(name="Old name", points_cost=100, image="gift-wrapping.svg")
    page = client.get(f"/admin/rewards/{reward.id}/edit").get_data(as_text=True)
    assert 'value="Old name"' in page
    response = _post_form(
        client,
        f"/admin/rewards/{reward.id}/edit",
        _valid_reward(name="New name", points_cost="250", stock="3"),
    )
    assert response.status_code == 303
    db.session.expire_all()
    reward = db.session.get(Reward, reward.id)
    assert reward.name == "New name" and reward.points_cost == 250 and reward.stock == 3
    assert reward.image == "gift-wrapping.svg"  # no new file: the image stays
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "reward.update"))
    assert "points_cost" in audit.summary
    bad = _post_form(client, f"/admin/rewards/{reward.id}/edit", _valid_reward(stock="-3"))
    assert bad.status_code == 422
    assert client.get("/admin/rewards/999999/edit").status_code == 404


def test_a_reward_nobody_redeemed_can_be_deleted(client, login, create_reward):
    login("staff")
    reward_id = create_reward().id
    page = client.get(f"/admin/rewards/{reward_id}/edit").get_data(as_text=True)
    assert f"/admin/rewards/{reward_id}/delete" in page
    response = form_post(client, f"/admin/rewards/{reward_id}/delete", token_from="/admin/rewards")
    assert response.status_code == 303
    db.session.expunge_all()
    assert db.session.scalar(select(Reward.id).where(Reward.id == reward_id)) is None
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "reward.delete"))


def test_a_redeemed_reward_is_deactivated_not_deleted(
    client, login, member, create_reward, issued_voucher
):
    login("staff")
    reward = create_reward(points_cost=300)
    issued_voucher(member, reward)
    page = client.get(f"/admin/rewards/{reward.id}/edit").get_data(as_text=True)
    assert "Deactivate" in page
    response = form_post(client, f"/admin/rewards/{reward.id}/delete", token_from="/admin/rewards")
    assert response.status_code == 409
    assert "cannot be deleted. Deactivate it instead." in response.get_data(as_text=True)
    assert db.session.get(Reward, reward.id) is not None
    response = form_post(
        client, f"/admin/rewards/{reward.id}/deactivate", token_from="/admin/rewards"
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Reward, reward.id).active is False


# -- vouchers --------------------------------------------------------------------------------


def test_find_a_voucher_by_its_typed_code(client, login, member, issued_voucher):
    login("staff")
    redemption = issued_voucher(member)
    typed = " " + redemption.voucher_code_display.lower().replace("-", " - ") + " "
    response = client.get("/admin/redemptions", query_string={"code": typed})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/redemptions/{redemption.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert redemption.voucher_code_display in page and member.name in page
    assert "Mark as used" in page and "Cancel and refund" in page


def test_an_unknown_code_says_so(client, login):
    login("staff")
    page = client.get("/admin/redemptions?code=NOPE-NOPE-NOPE").get_data(as_text=True)
    assert "No voucher has the code NOPE-NOPE-NOPE" in page


def test_the_lookup_page_offers_the_camera_as_an_enhancement(client, login, member, issued_voucher):
    login("staff")
    issued_voucher(member)
    response = client.get("/admin/redemptions")
    page = response.get_data(as_text=True)
    assert 'name="code"' in page and 'type="submit"' in page
    assert "/static/js/voucher-scan.js" in page
    assert 'class="secondary scan-button" hidden' in page  # shown by the script when it can
    assert "camera=(self)" in response.headers["Permissions-Policy"]
    assert "Ready to use" in page  # the recent vouchers


def test_staff_mark_a_voucher_used(client, login, member, issued_voucher):
    staff = login("staff")
    redemption = issued_voucher(member)
    response = form_post(
        client, f"/admin/redemptions/{redemption.id}/fulfil", token_from="/admin/redemptions"
    )
    assert response.status_code == 303
    db.session.expire_all()
    redemption = db.session.get(Redemption, redemption.id)
    assert redemption.status == "fulfilled" and redemption.fulfilled_by_id == staff.id
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "redemption.fulfil"))
    assert audit.actor_id == staff.id
    again = form_post(
        client, f"/admin/redemptions/{redemption.id}/fulfil", token_from="/admin/redemptions"
    )
    assert again.status_code == 409
    assert "This voucher was already used on" in again.get_data(as_text=True)


def test_staff_cancel_a_voucher_with_a_reason(client, login, member, issued_voucher):
    staff = login("staff")
    redemption = issued_voucher(member)
    assert balance_of(member) == 1700
    missing = form_post(
        client,
        f"/admin/redemptions/{redemption.id}/cancel",
        {"reason": "  "},
        token_from="/admin/redemptions",
    )
    assert missing.status_code == 422
    assert "Say why the voucher is cancelled" in missing.get_data(as_text=True)

    response = form_post(
        client,
        f"/admin/redemptions/{redemption.id}/cancel",
        {"reason": "Pouch out of stock in the boutique"},
        token_from="/admin/redemptions",
    )
    assert response.status_code == 303
    assert balance_of(member) == 2000
    db.session.expire_all()
    assert db.session.get(Redemption, redemption.id).status == "cancelled"
    assert db.session.scalar(select(LedgerEntry).where(LedgerEntry.kind == "refund")).points == 300
    notice = db.session.scalar(select(Notification).where(Notification.member_id == member.id))
    assert "Pouch out of stock" in notice.body
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "redemption.cancel"))
    assert audit.actor_id == staff.id

    twice = form_post(
        client,
        f"/admin/redemptions/{redemption.id}/cancel",
        {"reason": "Again"},
        token_from="/admin/redemptions",
    )
    assert twice.status_code == 409
    assert "This voucher was cancelled on" in twice.get_data(as_text=True)
    assert balance_of(member) == 2000


def test_fulfilling_a_cancelled_voucher_is_refused(client, login, member, staff, issued_voucher):
    login("staff")
    redemption = issued_voucher(member)
    cancel_redemption(redemption, staff, "Duplicate order")
    db.session.commit()
    response = form_post(
        client, f"/admin/redemptions/{redemption.id}/fulfil", token_from="/admin/redemptions"
    )
    assert response.status_code == 409
    assert "This voucher was cancelled on" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Redemption, redemption.id).status == "cancelled"


def test_unknown_vouchers_are_not_found(client, login):
    login("staff")
    assert client.get("/admin/redemptions/999999").status_code == 404
    response = form_post(
        client, "/admin/redemptions/999999/fulfil", token_from="/admin/redemptions"
    )
    assert response.status_code == 404


def test_the_demo_catalogue_is_idempotent_and_complete(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["seed-demo"])
    assert "rewards: 0 created" in second.output
    rewards = db.session.scalars(select(Reward)).unique().all()
    assert len(rewards) >= 12
    assert len({r.category for r in rewards}) >= 5
    assert {r.min_tier for r in rewards} >= {None, "silver", "gold", "diamond"}
    assert all(r.name_zh and r.description_zh for r in rewards)
    import os

    from portal.routes.rewards import SHIPPED_IMAGE

    folder = os.path.join(app.static_folder, "img", "rewards")
    for reward in rewards:
        assert SHIPPED_IMAGE.match(reward.image)
        assert os.path.exists(os.path.join(folder, reward.image)), reward.image
    statuses = set(db.session.scalars(select(Redemption.status)))
    assert statuses == {"issued", "fulfilled", "cancelled", "expired"}
