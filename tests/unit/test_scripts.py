"""The portal's own scripts (portal/static/js): split by concern, loaded from base.html, and
with no words of their own. What they show people comes from the page, rendered from the
translation catalogues (data attributes), so it reads in the reader's language; and they read
HTML with the browser's parser, never with regular expressions."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "portal" / "static" / "js"
BASE = ROOT / "portal" / "templates" / "base.html"
WORKER = "card-offline.js"  # the card's service worker: the card page names it, by its own URL

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\'')
SENTENCE = re.compile(r"^[A-Z][a-z']+(?: [A-Za-z',.]+){2,}[.!?…]?$")
WORDS_ASSIGNED = re.compile(r"\.(?:textContent|innerText|title|placeholder)\s*=\s*([\"'])(?!\1)")
REGEX_ON_HTML = re.compile(r"responseText[^;]*\.(?:match|exec|replace)\(|new RegExp|/<[a-z]")


def scripts() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(SCRIPTS.glob("*.js"))}


def words_in(source: str) -> list[str]:
    """Literal texts a person would read: Chinese anywhere, or an English sentence."""
    found = [line.strip() for line in source.splitlines() if CJK.search(line)]
    for match in STRING.finditer(source):
        text = match.group(1) if match.group(1) is not None else match.group(2)
        if SENTENCE.match(text):
            found.append(text)
    found += WORDS_ASSIGNED.findall(source)
    return found


def test_the_checks_find_hard_coded_words_and_html_read_by_regex():
    assert words_in('p.textContent = lang === "zh" ? "网络连接中断" : "We could not reach it.";')
    assert words_in("button.textContent = 'Hide';")
    assert not words_in("var message = area.dataset.networkError; p.textContent = message;")
    assert not words_in('status.textContent = "";')
    assert REGEX_ON_HTML.search('var token = /<meta name="csrf-token"/.exec(xhr.responseText);')
    assert not REGEX_ON_HTML.search('new DOMParser().parseFromString(text, "text/html")')


def test_no_script_has_words_of_its_own():
    found = {name: words_in(source) for name, source in scripts().items()}
    assert {name: words for name, words in found.items() if words} == {}


def test_no_script_reads_html_with_regular_expressions():
    found = [name for name, source in scripts().items() if REGEX_ON_HTML.search(source)]
    found += [name for name, source in scripts().items() if ".innerHTML" in source]
    assert found == []


def test_base_html_loads_every_script_but_the_cards_worker():
    base = BASE.read_text(encoding="utf-8")
    loaded = set(re.findall(r"static_url\('js/([\w-]+\.js)'\)", base))
    assert loaded == set(scripts()) - {WORKER}
    assert WORKER not in base
