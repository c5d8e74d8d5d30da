"""What a person checks on every page, at every size, as assertions.

`check_page(page, "name")` saves a screenshot to test-artifacts/, then asserts that the page
fits the screen width, that its tap targets are large enough on a phone, and that axe-core
finds no serious or critical accessibility problem.
"""

from __future__ import annotations

import re
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
PHONE_MAX_WIDTH = 767  # below the portal's wide breakpoint (768 px)
TAP_TARGET_PX = 44

# Links and buttons a thumb has to hit: navigation, forms and their footers, the language
# switch. Links inside running text are exempt, as WCAG 2.5.8 allows.
TAP_TARGETS = ", ".join(
    [
        ".site-header a",
        ".site-header button",
        ".bottom-nav a",
        "main form button",
        "main form summary",
        "main label.checkbox",
        "main [role=button]",
        ".form-footer a",
        ".language-switch button",
    ]
)


def size_of(page) -> str:
    return "phone" if page.viewport_size["width"] <= PHONE_MAX_WIDTH else "laptop"


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^a-z0-9_-]+', '-', name.lower())}-{size_of(page)}.png"
    # A long page at full height on a busy machine (CI runs two test processes) takes a while.
    page.screenshot(path=str(path), full_page=True, caret="initial", timeout=30_000)
    return path


def assert_fits_width(page) -> None:
    """No horizontal scroll: nothing is wider than the screen."""
    widths = page.evaluate(
        """() => {
            const limit = window.innerWidth;
            const wide = [...document.querySelectorAll('body *')]
                .filter(el => el.getBoundingClientRect().right > limit + 1)
                .slice(0, 5)
                .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                     + (el.className && typeof el.className === 'string'
                        ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
                     + ' right=' + Math.round(el.getBoundingClientRect().right));
            return {scroll: document.documentElement.scrollWidth, inner: limit, wide};
        }"""
    )
    assert widths["scroll"] <= widths["inner"], (
        f"{page.url} scrolls sideways: {widths['scroll']} px wide on a {widths['inner']} px "
        f"screen; too wide: {widths['wide']}"
    )


def assert_tap_targets(page, selector: str = TAP_TARGETS) -> None:
    """Every visible link and button a thumb must hit is at least 44 px high."""
    small = page.evaluate(
        """([selector, minimum]) => [...document.querySelectorAll(selector)]
            .filter(el => el.checkVisibility() && el.getBoundingClientRect().width > 0)
            .filter(el => el.getBoundingClientRect().height < minimum - 0.5)
            .map(el => `${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 40)}" `
                       + `${Math.round(el.getBoundingClientRect().height)} px high`)""",
        [selector, TAP_TARGET_PX],
    )
    assert not small, f"tap targets under {TAP_TARGET_PX} px on {page.url}: {small}"


def assert_bottom_nav_hides_nothing(page) -> None:
    """Scrolled to the very end, the last of the page is above the phone's bottom bar."""
    overlap = page.evaluate(
        """() => {
            const bar = document.querySelector('.bottom-nav');
            if (!bar || !bar.checkVisibility()) return null;
            window.scrollTo(0, document.documentElement.scrollHeight);
            const last = [...document.querySelectorAll('main *, footer *')]
                .filter(el => el.checkVisibility() && el.getBoundingClientRect().height > 0)
                .reduce((a, b) => a.getBoundingClientRect().bottom
                                  >= b.getBoundingClientRect().bottom ? a : b);
            const result = {bottom: last.getBoundingClientRect().bottom,
                            top: bar.getBoundingClientRect().top,
                            text: last.textContent.trim().slice(0, 40)};
            window.scrollTo(0, 0);
            return result;
        }"""
    )
    if overlap is not None:
        assert overlap["bottom"] <= overlap["top"] + 0.5, (
            f'the bottom bar covers "{overlap["text"]}" on {page.url}'
        )


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core in the page. page.evaluate runs in the page's world through the DevTools
    protocol, so the strict Content-Security-Policy (no added scripts) does not get in the way.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    violations = page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ['violations']});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.join(' '),
                                          html: n.html.slice(0, 160),
                                          summary: n.failureSummary}))
            }));
        }"""
    )
    return [v for v in violations if v["impact"] in impacts]


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    if violations:
        lines = [f"axe found {len(violations)} serious or critical problem(s) on {page.url}:"]
        for violation in violations:
            lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']}")
            lines.append(f"  {violation['helpUrl']}")
            for node in violation["nodes"][:5]:
                lines.append(f"  at {node['target']}: {node['html']}")
                lines.append("    " + (node["summary"] or "").replace("\n", "\n    "))
        raise AssertionError("\n".join(lines))


def check_page(page, name: str) -> None:
    """Screenshot, then the checks every page passes at every size. They run scripts in the
    page: in a context with java_script_enabled=False (where page.evaluate never returns),
    take a screenshot() only."""
    page.wait_for_load_state()
    screenshot(page, name)
    assert_fits_width(page)
    if size_of(page) == "phone":
        assert_tap_targets(page)
        assert_bottom_nav_hides_nothing(page)
    assert_accessible(page)
