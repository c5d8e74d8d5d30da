"""Staff keep the catalogue: create and change rewards, their images, and retire them.

A reward that has been redeemed is never deleted (its vouchers and ledger lines point at it):
it is deactivated, which takes it out of the catalogue and keeps the history readable.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import IO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Member, Redemption, Reward
from portal.services.messaging.audit import record_audit
from portal.services.programme.local_time import local_day_start, programme_zone
from portal.services.programme.refusals import Conflict, Invalid

logger = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 2 * 1024 * 1024
# What the first bytes of a file must be: the name's extension alone proves nothing.
IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", ".png"),
    (b"\xff\xd8\xff", ".jpg"),
)
EDITABLE_FIELDS = (
    "name",
    "name_zh",
    "description",
    "description_zh",
    "terms",
    "terms_zh",
    "category",
    "reward_type",
    "points_cost",
    "stock",
    "per_member_limit",
    "min_tier",
    "active",
    "voucher_valid_days",
)


class ImageRejected(Invalid):
    """The upload is not a PNG, JPEG or WebP image of at most 2 MB; the message says which."""


class RewardInUse(Conflict):
    """The reward has vouchers, so it can only be deactivated."""


@dataclass
class RewardChanges:
    name: str
    description: str = ""
    points_cost: int = 1
    stock: int | None = None
    per_member_limit: int | None = None
    min_tier: str | None = None
    active: bool = True
    category: str = "gifts"
    reward_type: str = "in_store"
    name_zh: str | None = None
    description_zh: str | None = None
    terms: str = ""
    terms_zh: str | None = None
    available_from: date | None = None  # first day, in the programme's zone
    available_until: date | None = None  # last day, in the programme's zone
    voucher_valid_days: int = 60
    image: str | None = None  # a stored file name, when a new image was uploaded


def upload_dir() -> str:
    base = current_app.config.get("UPLOAD_FOLDER") or os.path.join(
        current_app.instance_path, "uploads"
    )
    return os.path.join(base, "rewards")


def image_kind(head: bytes) -> str | None:
    """The file extension for PNG, JPEG or WebP content, else None."""
    for signature, extension in IMAGE_SIGNATURES:
        if head.startswith(signature):
            return extension
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp"
    return None


def store_reward_image(stream: IO[bytes]) -> str:
    """Check an uploaded image by its content and size, store it under a random name and
    return that name. Raises ImageRejected."""
    content = stream.read(MAX_IMAGE_BYTES + 1)
    if len(content) > MAX_IMAGE_BYTES:
        raise ImageRejected(_l("The image is larger than 2 MB. Please choose a smaller one."))
    if not content:
        raise ImageRejected(_l("The file is empty."))
    extension = image_kind(content[:16])
    if extension is None:
        raise ImageRejected(_l("That file is not a PNG, JPEG or WebP image."))
    name = secrets.token_hex(16) + extension
    folder = upload_dir()
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as target:
        target.write(content)
    return name


def window_dates(reward: Reward) -> tuple[date | None, date | None]:
    """The first and last day of the reward's window, as staff typed them."""
    zone = programme_zone()
    first = reward.active_from.astimezone(zone).date() if reward.active_from else None
    last = (
        (reward.active_to.astimezone(zone) - timedelta(microseconds=1)).date()
        if reward.active_to
        else None
    )
    return first, last


def _apply(reward: Reward, changes: RewardChanges) -> dict:
    before = {name: getattr(reward, name, None) for name in EDITABLE_FIELDS}
    for name in EDITABLE_FIELDS:
        setattr(reward, name, getattr(changes, name))
    reward.active_from = local_day_start(changes.available_from) if changes.available_from else None
    reward.active_to = (
        local_day_start(changes.available_until + timedelta(days=1))
        if changes.available_until
        else None
    )
    if changes.image:
        reward.image = changes.image
    reward.updated_at = utcnow()
    return {
        name: [before[name], getattr(reward, name)]
        for name in EDITABLE_FIELDS
        if before[name] != getattr(reward, name)
    }


def create_reward(changes: RewardChanges, *, staff: Member) -> Reward:
    reward = Reward(created_at=utcnow(), redemption_count=0)
    _apply(reward, changes)
    db.session.add(reward)
    db.session.flush()
    record_audit(
        "reward.create",
        actor=staff,
        target=reward,
        summary=f"Reward {reward.name} created ({reward.points_cost} points)",
    )
    return reward


def update_reward(reward: Reward, changes: RewardChanges, *, staff: Member) -> Reward:
    changed = _apply(reward, changes)
    db.session.flush()
    record_audit(
        "reward.update",
        actor=staff,
        target=reward,
        summary=f"Reward {reward.name} changed: {', '.join(changed) or 'no field'}",
        details={k: [str(v) for v in pair] for k, pair in changed.items()},
    )
    return reward


def redemptions_of(reward: Reward) -> int:
    return db.session.execute(
        select(func.count(Redemption.id)).where(Redemption.reward_id == reward.id)
    ).scalar_one()


def deactivate_reward(reward: Reward, *, staff: Member) -> Reward:
    """Take the reward out of the catalogue; its vouchers stay valid."""
    reward.active = False
    reward.updated_at = utcnow()
    db.session.flush()
    record_audit(
        "reward.deactivate", actor=staff, target=reward, summary=f"Reward {reward.name} withdrawn"
    )
    return reward


def delete_reward(reward: Reward, *, staff: Member) -> None:
    """Delete a reward nobody has redeemed; one with vouchers raises RewardInUse."""
    if redemptions_of(reward):
        raise RewardInUse
    record_audit(
        "reward.delete",
        actor=staff,
        target=reward,
        summary=f"Reward {reward.name} deleted",
        details={"points_cost": reward.points_cost},
    )
    db.session.delete(reward)
    db.session.flush()


def all_rewards_for_staff() -> list[tuple[Reward, int]]:
    """Every reward, newest first, with how many vouchers are open (issued)."""
    open_counts = dict(
        db.session.execute(
            select(Redemption.reward_id, func.count(Redemption.id))
            .where(Redemption.status == "issued")
            .group_by(Redemption.reward_id)
        ).all()
    )
    rewards = db.session.scalars(select(Reward).order_by(Reward.active.desc(), Reward.id.desc()))
    return [(reward, open_counts.get(reward.id, 0)) for reward in rewards.unique()]
