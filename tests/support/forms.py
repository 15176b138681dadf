"""Read a page's form back as a browser would submit it unchanged (inputs, text areas, selects)."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, action: str | None):
        super().__init__()
        self.action, self.inside, self.values = action, False, {}
        self._textarea = self._select = None
        self._first_option: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = self.action is None or a.get("action", "") in ("", self.action)
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.values.setdefault(a["name"], []).append(a.get("value") or "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values[self._textarea] = [""]
        elif tag == "select":
            self._select, self._first_option = a["name"], None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            self._first_option = value if self._first_option is None else self._first_option
            if "selected" in a:
                self.values.setdefault(self._select, []).append(value)

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            self.values.setdefault(self._select, [self._first_option or ""])
            self._select = None


def form_values(html: str, action: str | None = None) -> dict[str, list[str]]:
    """The fields of the form posting to ``action`` (any form when ``None``) with the values a
    browser would send if the person changed nothing (a select sends its first option when none
    is selected). Text areas drop the one leading newline HTML ignores."""
    reader = _FormReader(action)
    reader.feed(html)
    return {
        k: [v.removeprefix("\r").removeprefix("\n") for v in vs] for k, vs in reader.values.items()
    }
