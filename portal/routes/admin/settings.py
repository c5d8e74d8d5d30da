"""The programme settings (admins only): the numbers of DESIGN.md, each change audited."""

from __future__ import annotations

from dataclasses import asdict

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.forms.settings import changed_values, settings_form_class
from portal.routes.admin.blueprint import bp
from portal.services.programme.settings import (
    SETTING_NAMES,
    SettingsRefused,
    change_settings,
    programme_settings,
)
from portal.web.labels import SETTING_GROUPS
from portal.web.rendering import render


def _groups() -> list[tuple[object, tuple[str, ...]]]:
    """The groups of the page, and a last one for any setting no group names yet."""
    grouped = {key for _title, keys in SETTING_GROUPS for key in keys}
    rest = tuple(key for key in SETTING_NAMES if key not in grouped)
    return [*SETTING_GROUPS, *([(_("Other settings"), rest)] if rest else [])]


def _page(form, status=200):
    return render("admin/settings.html", status=status, form=form, groups=_groups())


@bp.get("/settings")
def settings():
    if not current_user.is_admin:
        abort(403)
    form = settings_form_class()(data=asdict(programme_settings()), formdata=None)
    return _page(form)


@bp.post("/settings")
def save_settings():
    if not current_user.is_admin:
        abort(403)
    form = settings_form_class()()
    form.currency.data = programme_settings().currency
    if not form.validate_on_submit():
        return _page(form, status=422)
    try:
        changed = change_settings(changed_values(form), actor=current_user)
    except SettingsRefused as refused:
        for key, message in refused.messages().items():
            form[key].errors = [*form[key].errors, message]
        return _page(form, status=422)
    if changed:
        flash(
            _("Saved: %(count)s settings changed. They apply from now on.", count=len(changed)),
            "success",
        )
    else:
        flash(_("Nothing was changed."), "info")
    return redirect(url_for("admin.settings"), 303)
