"""The templates' gettext: Flask-Babel's, with the catalogue found once per request.

Flask-Babel looks the locale and its catalogue up again for every `_()` a template calls (a
page calls it 50 times or more). Here the catalogue found first is kept beside the locale it
belongs to, and used while that locale holds; `force_locale` (a mail in the member's
language) puts another locale in place, so its own catalogue is looked up then.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask_babel import get_translations


def current_translations() -> Any:
    try:
        context = g.get("_flask_babel")
    except RuntimeError:  # no app context: Flask-Babel answers with no translation
        return get_translations()
    if context is not None:
        kept = getattr(context, "portal_translations", None)
        if kept is not None and kept[0] is getattr(context, "babel_locale", None):
            return kept[1]
    translations = get_translations()
    context = g.get("_flask_babel")
    locale = getattr(context, "babel_locale", None) if context is not None else None
    if locale is not None:
        context.portal_translations = (locale, translations)
    return translations


def install_template_gettext(app: Flask) -> None:
    """The same callables Flask-Babel installs (new-style gettext, autoescaped by Jinja), on
    the kept catalogue."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: current_translations().ugettext(s),
        ngettext=lambda s, p, n: current_translations().ungettext(s, p, n),
        pgettext=lambda c, s: current_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: current_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
