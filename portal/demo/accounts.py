"""Demo accounts: the member, staff and admin of DESIGN.md, and a few more members."""

from __future__ import annotations

from datetime import date
from typing import Any

from portal.services.members.accounts import create_member, find_member_by_email

DEMO_ACCOUNTS: list[dict[str, Any]] = [
    {
        "email": "demo@example.com",
        "password": "demo-password-1",
        "name": "Lin Mei",
        "role": "member",
        "phone": "+86 138 0013 8000",
        "birthday": date(1990, 12, 18),
        "marketing_opt_in": True,
    },
    {
        "email": "staff@example.com",
        "password": "staff-password-1",
        "name": "Zhang Wei",
        "role": "staff",
    },
    {
        "email": "admin@example.com",
        "password": "admin-password-1",
        "name": "Chen Jing",
        "role": "admin",
    },
    {
        "email": "sophie.laurent@example.com",
        "password": "demo-password-2",
        "name": "Sophie Laurent",
        "role": "member",
        "birthday": date(1985, 4, 2),
    },
    {
        "email": "wang.fang@example.com",
        "password": "demo-password-3",
        "name": "王芳",
        "role": "member",
        "locale": "zh_Hans",
        "birthday": date(1978, 9, 23),
    },
]


def seed_accounts() -> list[str]:
    created = 0
    for account in DEMO_ACCOUNTS:
        if find_member_by_email(account["email"]) is not None:
            continue
        create_member(verified=True, **account)
        created += 1
    return [f"accounts: {created} created, {len(DEMO_ACCOUNTS) - created} already there"]
