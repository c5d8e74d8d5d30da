"""The stylesheet keeps its palette in one place and each rule once (portal/static/css/portal.css).

Every colour is a custom property of the palette (`:root`) or of Pico's settings for the light
theme; the rules use them through var(). A selector standing alone is defined by one rule, so
changing a utility such as .visually-hidden happens in one place.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

STYLESHEET = Path(__file__).resolve().parents[2] / "portal" / "static" / "css" / "portal.css"
PALETTE = ":root"
PICO_LIGHT = "[data-theme=light], :root:not([data-theme=dark])"
NAMED_COLOURS = (
    "white|black|red|green|blue|yellow|orange|purple|gray|grey|silver|gold|navy|maroon|teal|"
    "olive|lime|aqua|fuchsia|pink|brown|beige|ivory|crimson|tomato|salmon|khaki|indigo|violet"
)
COLOUR = re.compile(
    r"#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch|color)\(|"
    rf"(?<![\w-])(?:{NAMED_COLOURS})(?![\w-])",
    re.IGNORECASE,
)


def rules(css: str) -> list[tuple[tuple[str, ...], str, list[tuple[str, str]]]]:
    """(the @-rules around it, selector, [(property, value)]) of every rule, in order."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    found = []
    context: list[str] = []
    head = ""
    position = 0
    while position < len(css):
        char = css[position]
        if char == "{":
            selector = " ".join(head.split())
            head = ""
            if selector.startswith("@"):
                context.append(selector)
            else:
                end = css.index("}", position)
                declarations = []
                for declaration in css[position + 1 : end].split(";"):
                    if ":" in declaration:
                        prop, value = declaration.split(":", 1)
                        declarations.append((prop.strip(), value.strip()))
                found.append((tuple(context), selector, declarations))
                position = end
        elif char == "}":
            if context:
                context.pop()
            head = ""
        else:
            head += char
        position += 1
    return found


def literal_colours(css: str) -> list[str]:
    """Every colour written out in a rule rather than taken from a custom property."""
    return [
        f"{selector} {{ {prop}: {value} }}"
        for _context, selector, declarations in rules(css)
        for prop, value in declarations
        if not prop.startswith("--") and COLOUR.search(value)
    ]


def repeated_selectors(css: str) -> list[str]:
    counts = Counter(
        (context, selector) for context, selector, _ in rules(css) if "," not in selector
    )
    return [" ".join([*context, selector]) for (context, selector), n in counts.items() if n > 1]


def test_the_checks_find_what_they_look_for():
    sample = """
        :root { --ink: #1f2a2e; }
        .a { color: #fff; background: var(--ink); }
        .b { border: 1px solid rgba(0, 0, 0, .1); white-space: nowrap; }
        .c { color: white; }
        .a { margin: 0; }
        @media (min-width: 1px) { .a { margin: 1px; } }
    """
    assert literal_colours(sample) == [
        ".a { color: #fff }",
        ".b { border: 1px solid rgba(0, 0, 0, .1) }",
        ".c { color: white }",
    ]
    assert repeated_selectors(sample) == [".a"]


def test_every_colour_comes_from_a_custom_property():
    assert literal_colours(STYLESHEET.read_text()) == []


def test_each_selector_is_defined_once():
    assert repeated_selectors(STYLESHEET.read_text()) == []


def test_every_property_used_is_defined():
    css = STYLESHEET.read_text()
    defined = {prop for _context, _selector, declarations in rules(css) for prop, _ in declarations}
    used = set(re.findall(r"var\((--[\w-]+)", css))
    missing = {name for name in used - defined if not name.startswith("--pico-")}
    assert not missing


def test_the_palette_serves_every_theme_and_picos_settings_the_light_one():
    blocks = {
        selector: declarations for _c, selector, declarations in rules(STYLESHEET.read_text())
    }
    palette = dict(blocks[PALETTE])
    assert {"--brand", "--surface", "--danger", "--tier-gold"} <= palette.keys()
    assert not [name for name in palette if name.startswith("--pico-")]
    pico = [name for name, _ in blocks[PICO_LIGHT]]
    assert pico and all(name.startswith("--pico-") for name in pico)
