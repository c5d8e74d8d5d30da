"""What each process keeps between requests (services/programme/settings.py, web/fragments.py):
the settings, while their version stays the same, and the tier cards, while the language, the
settings and the tiers they are drawn from stay the same. A change shows on the next page."""

from __future__ import annotations

from portal.extensions import db
from portal.models import Setting, Tier
from portal.services.programme.settings import VERSION_KEY, update_setting
from tests.conftest import form_post


def page_text(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


def settings_reads(queries: list[str]) -> list[str]:
    return [q for q in queries if q.lstrip().startswith('SELECT settings."key"')]


def test_a_signed_in_page_does_not_read_the_settings_again_while_their_version_holds(
    client, login, member, count_queries
):
    update_setting("programme_name", "Maison Lumière Club")
    db.session.commit()
    login(member)
    client.get("/dashboard")
    with count_queries() as queries:
        response = client.get("/dashboard")
    assert "Maison Lumière Club" in page_text(response)
    assert settings_reads(queries) == []


def test_a_setting_changed_elsewhere_shows_on_the_next_page(client, login, member):
    update_setting("programme_name", "First Name Club")
    db.session.commit()
    login(member)
    assert "First Name Club" in page_text(client.get("/dashboard"))
    first_version = db.session.get(Setting, VERSION_KEY).value
    # Another process writes the setting: the row and a new version, in one transaction.
    update_setting("programme_name", "Second Name Club")
    db.session.commit()
    assert db.session.get(Setting, VERSION_KEY).value != first_version
    text = page_text(client.get("/dashboard"))
    assert "Second Name Club" in text
    assert "First Name Club" not in text


def test_a_rolled_back_setting_never_shows(client, login, member):
    update_setting("programme_name", "Kept Name Club")
    db.session.commit()
    login(member)
    client.get("/dashboard")
    update_setting("programme_name", "Abandoned Name Club")
    db.session.rollback()
    text = page_text(client.get("/dashboard"))
    assert "Kept Name Club" in text
    assert "Abandoned Name Club" not in text


def test_the_tier_cards_follow_a_renamed_tier_and_the_members_own_tier(
    client, login, member, create_member
):
    login(member)
    assert "Your tier" in page_text(client.get("/dashboard"))
    tier = db.session.get(Tier, "diamond")
    old_name = tier.name
    assert f">{old_name}</span>" in page_text(client.get("/dashboard"))
    tier.name = "Étoile"
    db.session.commit()
    text = page_text(client.get("/dashboard"))
    assert ">Étoile</span>" in text
    assert f">{old_name}</span>" not in text
    gold = create_member(tier="gold")
    form_post(client, "/logout", token_from="/dashboard")
    login(gold)
    page = client.get("/dashboard").get_data(as_text=True)
    current = page.split('aria-current="true"', 1)[1].split("</article>", 1)[0]
    assert "tier-gold" in current
