"""What an HTML validator would say about a page, as a list of problems (empty: valid).

The portal's templates close every element they open, so the check is strict: an end tag
must close the element opened last, and none is left open at the end. Beyond balance it
catches what browsers silently repair and assistive technology then reads wrongly: a block
inside a paragraph (the parser closes the paragraph early), a link inside a link, a form
inside a form, a list item outside a list, two elements with one id, and a label or
aria-* reference to an id the page does not have.

    problems_in(html)                  -> ["line 12: </div> closes <p> opened on line 10", ...]
    problems_in(rows, inside="ol")     a fragment htmx swaps into an <ol>: its references may
                                       point to ids of the page around it
"""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip
# Elements that are not phrasing content: none may sit where only phrasing content may.
FLOW_ONLY = {
    "address", "article", "aside", "blockquote", "details", "dialog", "div", "dl", "dd", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "menu", "nav", "ol", "p", "pre", "section", "table", "tbody",
    "thead", "tfoot", "tr", "td", "th", "ul", "summary", "legend", "caption",
}  # fmt: skip
PHRASING_PARENTS = {
    "p", "span", "small", "strong", "em", "b", "i", "label", "button", "h1", "h2", "h3", "h4",
    "h5", "h6", "legend", "summary", "caption", "time", "data", "abbr", "code", "q", "sub",
    "sup", "option",
}  # fmt: skip
INTERACTIVE = {"a", "button", "details", "input", "label", "select", "textarea"}
# Nothing of these inside another of its kind.
NOT_NESTED = {"a", "button", "form", "label"}
ALLOWED_PARENTS = {
    "li": {"ul", "ol", "menu"},
    "dt": {"dl", "div"},
    "dd": {"dl", "div"},
    "tr": {"table", "thead", "tbody", "tfoot"},
    "td": {"tr"},
    "th": {"tr"},
    "thead": {"table"},
    "tbody": {"table"},
    "tfoot": {"table"},
    "summary": {"details"},
    "legend": {"fieldset"},
    "figcaption": {"figure"},
    "option": {"select", "optgroup", "datalist"},
}
ID_REFERENCES = ("for", "aria-labelledby", "aria-describedby", "aria-controls", "list")


class _Checker(HTMLParser):
    def __init__(self, inside: str | None = None):
        super().__init__(convert_charrefs=True)
        self.inside = inside
        self.stack: list[tuple[str, int]] = [(inside, 0)] if inside else []
        self.problems: list[str] = []
        self.ids: Counter[str] = Counter()
        self.references: list[tuple[int, str, str]] = []

    def _line(self) -> int:
        return self.getpos()[0]

    def _in_svg(self) -> bool:
        return any(tag == "svg" for tag, _line in self.stack)

    def _note_attributes(self, tag: str, attrs) -> None:
        for name, value in attrs:
            if name == "id" and value is not None:
                self.ids[value] += 1
            elif name in ID_REFERENCES and value:
                for target in value.split():
                    self.references.append((self._line(), f"{tag} {name}", target))
            elif name == "href" and tag == "a" and value and value.startswith("#") and value != "#":
                self.references.append((self._line(), "a href", value[1:]))

    def _check_placement(self, tag: str) -> None:
        line = self._line()
        parent = self.stack[-1][0] if self.stack else None
        allowed = ALLOWED_PARENTS.get(tag)
        if allowed is not None and parent not in allowed:
            self.problems.append(f"line {line}: <{tag}> inside <{parent}>")
        if tag in FLOW_ONLY:
            for open_tag, opened in reversed(self.stack):
                if open_tag in PHRASING_PARENTS:
                    self.problems.append(
                        f"line {line}: <{tag}> inside <{open_tag}> opened on line {opened}"
                    )
                    break
                if open_tag in ("a",):
                    continue
                if open_tag in FLOW_ONLY or open_tag in ("body", "noscript", "template"):
                    break
        for open_tag, opened in self.stack:
            if (tag in NOT_NESTED and open_tag == tag) or (
                tag in INTERACTIVE and open_tag in ("a", "button")
            ):
                self.problems.append(
                    f"line {line}: <{tag}> inside <{open_tag}> opened on line {opened}"
                )

    def handle_starttag(self, tag, attrs):
        self._note_attributes(tag, attrs)
        if self._in_svg():
            self.stack.append((tag, self._line()))
            return
        if tag in VOID:
            return
        self._check_placement(tag)
        self.stack.append((tag, self._line()))

    def handle_startendtag(self, tag, attrs):
        self._note_attributes(tag, attrs)
        if not self._in_svg() and tag not in VOID:
            self.problems.append(f"line {self._line()}: <{tag} /> is not a void element")

    def handle_endtag(self, tag):
        line = self._line()
        if tag in VOID and not self._in_svg():
            self.problems.append(f"line {line}: </{tag}> ends a void element")
            return
        if not self.stack or self.stack[-1] == (self.inside, 0):
            self.problems.append(f"line {line}: </{tag}> closes nothing of its own")
            return
        open_tag, opened = self.stack[-1]
        if open_tag != tag:
            self.problems.append(
                f"line {line}: </{tag}> closes <{open_tag}> opened on line {opened}"
            )
            if any(name == tag for name, _ in self.stack):
                while self.stack and self.stack[-1][0] != tag:
                    self.stack.pop()
                self.stack.pop()
            return
        self.stack.pop()

    def finish(self) -> list[str]:
        self.close()
        if self.inside and self.stack[:1] == [(self.inside, 0)]:
            self.stack.pop(0)
        for tag, opened in self.stack:
            self.problems.append(f"<{tag}> opened on line {opened} is never closed")
        for element_id, count in sorted(self.ids.items()):
            if count > 1:
                self.problems.append(f'id "{element_id}" is used {count} times')
        for line, where, target in [] if self.inside else self.references:
            if target not in self.ids:
                self.problems.append(f'line {line}: {where} points to the missing id "{target}"')
        return self.problems


def problems_in(html: str, inside: str | None = None) -> list[str]:
    checker = _Checker(inside)
    checker.feed(html)
    return checker.finish()
