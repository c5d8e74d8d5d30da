"""Every text of the portal has its Simplified Chinese translation, with the same placeholders."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "portal/translations/zh_Hans/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle, locale="zh_Hans")


def test_every_message_is_translated_without_fuzzy_guesses():
    catalogue = read(CATALOGUE)
    untranslated = [
        m.id
        for m in catalogue
        if m.id and not all(m.string if isinstance(m.string, tuple) else [m.string])
    ]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_every_text_in_the_code_is_in_the_catalogue(tmp_path):
    """Texts added to templates or code since the last `make messages` are found here."""
    extracted = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).with_name("pybabel")),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(extracted),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    catalogue = read(CATALOGUE)
    missing = [m.id for m in read(extracted) if m.id and m.id not in catalogue]
    assert missing == [], "run `make messages` and translate the new texts"


def test_translations_keep_the_placeholders():
    problems = []
    for message in read(CATALOGUE):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        translated = message.string if isinstance(message.string, str) else message.string[0]
        if set(PLACEHOLDER.findall(source)) != set(PLACEHOLDER.findall(translated)):
            problems.append((source, translated))
    assert problems == []
