"""Languages: every marked string is in every catalog, the catalogs are translated, pages are
shown in the reader's language (profile, else switcher, else browser) and say so in ``<html lang>``.

``CATALOGS_COMPLETE`` is the lead's switch: ``False`` while the it/pt/es/cs catalogs wait for
their translators (the completeness test skips, with the reason); ``True`` once they are done,
and from then on an untranslated or fuzzy entry, or a page showing English text that has a
translation, fails the suite.
"""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from innocore.i18n import LANGUAGES, SOURCE_DIR, compile_catalogs

# Flip to True when the it/pt/es/cs catalogs are translated and reviewed.
CATALOGS_COMPLETE = True

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]  # English is the source language
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")


def _catalog(lang: str):
    with (SOURCE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def _ids(catalog) -> set:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The strings marked in the sources today, extracted as ``make messages`` does."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "N_",
            "-k",
            "T_",
            "-k",
            "lazy_ngettext:1,2",
            "-k",
            "TN_:1,2",
            "-o",
            str(pot),
            str(ROOT),
        ]
    )
    with pot.open("rb") as fh:
        return _ids(read_po(fh))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_marked_string_is_in_the_catalog(extracted, lang):
    """A string marked in a template or in Python but not in a catalog shows in English there:
    run ``make messages`` (docs/translations.md)."""
    missing = sorted(extracted - _ids(_catalog(lang)))
    assert missing == [], f"{len(missing)} strings missing from {lang}: run `make messages`"


@pytest.mark.skipif(not CATALOGS_COMPLETE, reason="catalogs wait for translation")
@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalog_has_no_untranslated_or_fuzzy_entry(lang):
    """Every entry of the it/pt/es/cs catalogs is translated (all plural forms) and reviewed."""
    empty, fuzzy = [], []
    for m in _catalog(lang):
        if not m.id:
            continue
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if not all(s.strip() for s in strings):
            empty.append(m.id)
        if m.fuzzy:
            fuzzy.append(m.id)
    assert (len(empty), len(fuzzy)) == (0, 0), (
        f"{lang}: {len(empty)} untranslated, {len(fuzzy)} fuzzy, e.g. {(empty + fuzzy)[:5]}"
    )


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_every_placeholder(lang):
    """A translation names the same ``%(name)s`` values as its English source (a missing or
    misspelled one would crash the page or lose the value)."""
    wrong = []
    for m in _catalog(lang):
        if not m.id or not m.string:
            continue
        if isinstance(m.id, str):
            want = sorted(PLACEHOLDER.findall(m.id))
            wrong += [m.id for s in [m.string] if s and sorted(PLACEHOLDER.findall(s)) != want]
            continue
        # A plural entry (ngettext, {% pluralize %}): every form names the English values, except
        # that a form may leave out the count itself ("una prenotazione" for one booking).
        want = sorted(set(PLACEHOLDER.findall(m.id[1])) - {"num", "count"})
        for s in m.string:
            got = sorted(set(PLACEHOLDER.findall(s)) - {"num", "count"})
            if s and got != want:
                wrong.append(m.id)
    assert wrong == []


def test_a_missing_catalog_stops_the_app_instead_of_showing_english(tmp_path):
    """The app compiles the catalogs at start; without them it refuses to start."""
    with pytest.raises(RuntimeError, match="no catalog"):
        compile_catalogs(tmp_path / "empty", tmp_path / "compiled")
    done = compile_catalogs(SOURCE_DIR, tmp_path / "compiled")
    assert sorted(done) == sorted(LANGUAGES)
    assert compile_catalogs(SOURCE_DIR, tmp_path / "compiled") == []  # up to date: not redone


def _lang_attr(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def test_html_lang_follows_the_browser_then_the_switcher_then_the_profile(
    client, make_user, login_as
):
    """Accept-Language picks the language of an anonymous page; ``?lang=`` overrides it and is
    remembered; a signed-in person's profile language wins over both."""
    page = client.get("/login", headers={"Accept-Language": "it-IT,it;q=0.9,en;q=0.5"})
    assert _lang_attr(page.text) == "it"
    assert client.get("/login", headers={"Accept-Language": "fr, de"}).text.count('lang="en"') >= 1
    switched = client.get("/login?lang=pt", headers={"Accept-Language": "it"})
    assert _lang_attr(switched.text) == "pt"
    assert "innocore_lang=pt" in switched.headers["Set-Cookie"]
    assert _lang_attr(client.get("/login", headers={"Accept-Language": "it"}).text) == "pt"
    user = make_user()
    from innocore.vocab import Locale

    user.locale = Locale.CS
    login_as(user)
    home = client.get("/dashboard", headers={"Accept-Language": "it"})
    assert _lang_attr(home.text) == "cs"
    if CATALOGS_COMPLETE:
        from flask_babel import force_locale, gettext

        with force_locale("cs"):
            assert gettext("Dashboard") != "Dashboard"
            assert gettext("Dashboard") in home.text


def test_money_and_dates_in_the_readers_language(app):
    """Figures and month names follow the language; the wall-clock time stays the zone's."""
    from datetime import UTC, datetime

    from innocore.clock import date_text, moment_text
    from innocore.template_helpers import money

    instant = datetime(2026, 11, 1, 8, 30, tzinfo=UTC)  # 09:30 CET in Rome
    with app.test_request_context(headers={"Accept-Language": "it"}):
        assert money(Decimal("1234.5")) == "1234,50\xa0€".replace("1234", "1.234")
        assert date_text(instant, "Europe/Rome") == "01 nov 2026"
        assert moment_text(instant, "Europe/Rome") == "01 nov 2026 09:30 CET"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert money(Decimal("1234.5")) == "€1,234.50"
        assert moment_text(instant, "Europe/Rome") == "01 Nov 2026 09:30 CET"


class _Visible(HTMLParser):
    """The text a person reads on a page (no scripts, styles or attributes)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)

    def text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.parts))

    def nodes(self) -> set[str]:
        """Each piece of text between tags, spaces collapsed."""
        return {re.sub(r"\s+", " ", part).strip() for part in self.parts} - {""}


def _english_left(sentence: str, text: str, nodes: set[str]) -> bool:
    """Whether an English catalog entry shows untranslated: a whole sentence anywhere in the
    text, or a label or title as a whole piece of text. A name or title that people typed
    (a module called "Flow cytometry analysis, basics") contains a label but is not one."""
    if sentence[-1] in ".?!:":
        return sentence in text
    return sentence in nodes


# Pages per demo role, each shown in every language.
PAGES = {
    "phd@demo.innocore.test": [
        "/",
        "/dashboard",
        "/instruments/",
        "/instruments/bookings/mine",
        "/instruments/waitlist/mine",
        "/instruments/finder",
        "/training/",
        "/training/my",
        "/certificates/",
        "/paths/",
        "/challenges/",
        "/placements/",
        "/notifications/preferences",
        "/reports/me",
        "/profile",
    ],
    "manager.imaging@demo.innocore.test": [
        "/dashboard",
        "/facilities/",
        "/instruments/approvals",
        "/billing-accounts/approvals",
        "/requests/inbox",
        "/reports/",
        "/groups/",
        "/training/teaching",
    ],
    "admin@helixa.demo.innocore.test": [
        "/requests/services",
        "/requests/company",
        "/company/",
        "/charges/company",
        "/training/company/enrolments",
    ],
    "admin@demo.innocore.test": ["/reports/network", "/sso/organisations", "/audit/"],
}


def test_pages_show_no_english_text_that_has_a_translation(app, client, login_as, db_session):
    """Demo pages in each language: no whole English sentence of the catalog that has a
    translation is left on the page (a string shown without ``_()``, or a catalog not loaded).
    Meaningful once the catalogs are translated; until then it only renders every page."""
    import sqlalchemy as sa

    from innocore.accounts.models import User
    from innocore.demo import seed_demo
    from innocore.vocab import Locale

    seed_demo()
    db_session.flush()
    english = {}
    for lang in TRANSLATED:
        catalog = _catalog(lang)
        english[lang] = sorted(
            (
                m.id
                for m in catalog
                if isinstance(m.id, str)
                and m.string
                and m.string != m.id
                and len(m.id) >= 12
                and " " in m.id
                and "%" not in m.id
                and "<" not in m.id
            ),
            key=len,
            reverse=True,
        )
    leftovers = []
    for email, paths in PAGES.items():
        user = db_session.scalar(sa.select(User).where(User.email == email))
        for lang in TRANSLATED:
            user.locale = Locale(lang)
            db_session.flush()
            login_as(user)
            for path in paths:
                page = client.get(path, follow_redirects=True)
                assert page.status_code == 200, (email, lang, path)
                assert _lang_attr(page.text) == lang
                parser = _Visible()
                parser.feed(page.text)
                text, nodes = parser.text(), parser.nodes()
                leftovers += [
                    (lang, path, s) for s in english[lang] if _english_left(s, text, nodes)
                ]
    assert leftovers == [], "\n".join(map(str, leftovers))


def test_refusal_reasons_are_translated_with_their_values_and_codes_stay_english(monkeypatch):
    """A reason written with T_ reads as the English sentence (logs, tests) and is looked up by
    its catalog entry, then filled in, where it is shown; N_ reasons are looked up as they are."""
    import flask_babel

    from innocore.errors import Problem, error_payload, problem_text
    from innocore.marks import N_, T_

    def italian(msgid, **params):
        words = {"Give a title of up to %(n)s characters.": "Al massimo %(n)s caratteri."}
        text = words.get(msgid, msgid)
        return text % params if params else text

    monkeypatch.setattr(flask_babel, "gettext", italian)
    problem = Problem("title", T_("Give a title of up to %(n)s characters.", n=200), "title")
    assert problem.message == "Give a title of up to 200 characters."
    assert problem_text(problem) == "Al massimo 200 caratteri."
    assert problem_text(Problem("gone", N_("Not found."))) == "Not found."
    assert error_payload([problem]) == {
        "errors": [{"code": "title", "message": "Al massimo 200 caratteri.", "field": "title"}]
    }


def test_translated_option_labels_and_email_paragraphs_stay_escaped(app):
    """Labels and paragraphs looked up late are still escaped as text: a name with markup in it
    shows as written, never as HTML."""
    from flask_babel import lazy_gettext
    from wtforms import Form, SelectField

    from innocore.forms import choices
    from innocore.notifications.services import _written

    class Pick(Form):
        org = SelectField(
            "Organisation", choices=choices([("1", "<b>Acme</b>"), ("2", "Internal")])
        )

    with app.test_request_context(headers={"Accept-Language": "it"}):
        html = str(Pick().org())
        assert "&lt;b&gt;Acme&lt;/b&gt;" in html and "<b>" not in html
        assert _written([lazy_gettext("Reason: %(r)s", r="<i>x</i>")]) == ["Reason: <i>x</i>"]
        assert isinstance(_written([lazy_gettext("Internal")])[0], str)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_entries_have_every_form_of_the_language(lang):
    """A counted sentence (ngettext, ``{% pluralize %}``) has as many forms as the language
    needs: two in English, three in Czech (1, 2-4, 5+)."""
    catalog = _catalog(lang)
    plurals = [m for m in catalog if m.id and not isinstance(m.id, str)]
    assert plurals, "no plural entry extracted: check the ngettext keywords"
    assert {len(m.string) for m in plurals} == {catalog.num_plurals}
    assert catalog.num_plurals == {"en": 2, "cs": 3}.get(lang, catalog.num_plurals)


# Where a marker is given a value, not a literal: the value was marked where it was written
# (N_/T_ tables, status words, refusal reasons, option labels) and is looked up here.
LOOKUPS_OF_MARKED_VALUES = {
    "innocore/__init__.py",  # the login message, marked N_ in the same module
    "innocore/api/core.py",  # the 401 reason, marked N_ by its callers
    "innocore/errors.py",  # an HTTP error's title, marked N_ in its table
    "innocore/forms.py",  # _LazyLabel: option labels marked where the options are made
    "innocore/marks.py",  # message_text: the one lookup of N_/T_/TN_ messages
    "innocore/notifications/services.py",  # an e-mail subject written with _l
    "innocore/status.py",  # status words registered with N_ labels
    "innocore/vocab.py",  # enumeration labels from N_ tables in the same module
    "instruments/forms.py",  # _opt_int: labels marked N_ in instruments.rules.Limits
    "instruments/rules.py",  # OPEN_ON: one N_ sentence per weekday
    "instruments/series/views.py",  # DAY_NAMES, marked N_ in instruments.series.rules
}
MARKERS = {"_", "gettext", "_l", "lazy_gettext", "ngettext", "lazy_ngettext", "N_", "T_", "TN_"}


def _is_marked(node) -> bool:
    """A literal, or a pick from a table whose every value is ``N_("literal")``
    (``_({"a": N_("A"), "b": N_("B")}[value])``)."""
    import ast

    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Dict):
        return all(
            isinstance(v, ast.Call)
            and isinstance(v.func, ast.Name)
            and v.func.id == "N_"
            and _is_marked(v.args[0])
            for v in node.value.values
        )
    return False


def test_every_marker_is_given_a_literal_the_extraction_can_read():
    """``_(word)`` with a variable puts nothing in the catalogs (``pybabel extract`` reads only
    literals), so the word stays English in every language; mark the words where they are
    written (``N_``) and list the lookup here, or write each sentence as its own literal."""
    import ast

    found = []
    for package in ("innocore", "instruments", "training"):
        for path in sorted((ROOT / package).rglob("*.py")):
            where = str(path.relative_to(ROOT))
            if where in LOOKUPS_OF_MARKED_VALUES:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in MARKERS
                    and node.args
                    and not _is_marked(node.args[0])
                ):
                    found.append(f"{where}:{node.lineno}")
        for path in sorted((ROOT / package).rglob("templates/**/*.*")):
            text = path.read_text()
            for match in re.finditer(r"(?<![\w.])_\(\s*[^'\"\s)]", text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}")
    assert found == []


def test_no_function_hides_gettext_behind_a_throwaway_underscore():
    """``ok, _ = attempt(...)`` in a view that also calls ``_("...")`` makes ``_`` a local: the
    flash after it then calls the throwaway (a 500 on the success path). Name throwaways
    otherwise where ``_`` means gettext."""
    import ast

    found = []
    for package in ("innocore", "instruments", "training"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text())
            for fn in ast.walk(tree):
                if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                names = list(ast.walk(fn))
                stores = [
                    n.lineno
                    for n in names
                    if isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store)
                ]
                calls = any(
                    isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_"
                    for n in names
                )
                if stores and calls:
                    found.append(f"{path.relative_to(ROOT)}:{stores[0]} {fn.name}")
    assert found == []


def test_scripts_hold_no_english_sentence():
    """Words a script shows come from the page (``<script id="js-words">`` in base.html, in the
    page's language), never from an English literal in the script."""
    sentence = re.compile(r"""["'`][A-Z][a-z]+,? [a-z]+[^"'`]*["'`]""")
    found = []
    for path in sorted(ROOT.glob("*/static/**/*.js")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("//", 1)[0]
            if sentence.search(code):
                found.append(f"{path.relative_to(ROOT)}:{number}")
    assert found == []


# Text a template may show outside ``_()`` / ``{% trans %}``: names and formats, not sentences.
UNMARKED_WORDS = {"InnoCore", "CSV", "PDF", "XLSX", "lt", "gt"}
_TRANS_BLOCK = re.compile(r"\{%-?\+?\s*trans\b.*?\{%-?\+?\s*endtrans\s*[-+]?%\}", re.S)


def _unmarked_text(text: str) -> list[tuple[int, str]]:
    """(line, words) of the text a template shows outside markers: trans blocks, comments,
    scripts, styles, Jinja expressions and statements, and HTML tags are taken out."""

    def blank(match):  # keep the line numbers
        return " " + "\n" * match.group(0).count("\n")

    for pattern in (
        _TRANS_BLOCK,
        re.compile(r"\{#.*?#\}", re.S),
        re.compile(r"<(script|style)\b.*?</\1>", re.S),
        re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S),
        re.compile(r"<[^>]*>", re.S),
    ):
        text = pattern.sub(blank, text)
    found = []
    for number, line in enumerate(text.split("\n"), 1):
        for words in re.findall(r"[A-Za-z][A-Za-z'’-]+(?: [A-Za-z][A-Za-z'’-]+)*", line):
            if words not in UNMARKED_WORDS:
                found.append((number, words))
    return found


def test_templates_show_no_text_outside_the_markers():
    """Every word a page or e-mail template shows is inside ``_()`` or ``{% trans %}`` (a
    sentence glued from a marked piece and a bare word reads half in English)."""
    found = []
    for package in ("innocore", "instruments", "training"):
        for path in sorted((ROOT / package).rglob("templates/**/*.*")):
            found += [
                f"{path.relative_to(ROOT)}:{n} {w}" for n, w in _unmarked_text(path.read_text())
            ]
    assert found == []


def test_the_unmarked_text_scan_finds_glued_words():
    """The scan above sees a word glued to a marked sentence, and ignores marked text."""
    assert _unmarked_text("{{ _('Due') }} on <b>{{ x }}</b>") == [(1, "on")]
    assert _unmarked_text("{% trans n=1 %}Position {{ n }} in line{% endtrans +%}") == []


# The CLDR variant of each catalog (docs/translations.md): European Portuguese, not Brazilian.
CLDR_VARIANT = {"en": "en", "it": "it", "es": "es", "cs": "cs", "pt": "pt_PT"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_forms_follow_cldr_for_the_catalogs_variant(lang):
    """The Plural-Forms header is CLDR's rule for the variant the catalog is written in: in
    European Portuguese 0 takes the plural ("0 reservas"; CLDR's plain "pt", Brazil, puts 0 in
    the singular); Czech has one, few (2-4) and other."""
    from babel.messages.plurals import get_plural

    catalog = _catalog(lang)
    want = get_plural(CLDR_VARIANT[lang])
    assert (catalog.num_plurals, catalog.plural_expr) == (want.num_plurals, want.plural_expr)


def test_portuguese_pages_count_and_format_as_in_portugal(app):
    """Zero is plural, amounts are "12 345,50 €" (not Brazil's "€ 12.345,50")."""
    from flask_babel import ngettext

    from innocore.template_helpers import money

    with app.test_request_context(headers={"Accept-Language": "pt"}):
        assert money(Decimal("12345.5")) == "12\xa0345,50\xa0€"
        zero = ngettext("%(num)d booking", "%(num)d bookings", 0)
        assert zero == ngettext("%(num)d booking", "%(num)d bookings", 5).replace("5", "0")


def _enumerations():
    """Every enumeration of the three packages that has a ``label`` (a word people read)."""
    import enum
    import importlib
    import inspect

    seen = {}
    for package in ("innocore", "instruments", "training"):
        for path in sorted((ROOT / package).rglob("*.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            if module.endswith("__init__"):
                module = module.rsplit(".", 1)[0]
            mod = importlib.import_module(module)
            for _name, cls in inspect.getmembers(mod, inspect.isclass):
                if issubclass(cls, enum.Enum) and isinstance(
                    inspect.getattr_static(cls, "label", None), property
                ):
                    seen[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return seen


def test_every_status_and_kind_label_is_in_the_catalogs(app):
    """An enumeration's ``label`` (certificate, placement, challenge, waiting-list, booking,
    request... states and kinds) is a catalog entry, so it reads in the reader's language;
    a label made from the code (``value.capitalize()``) would stay English."""
    from flask_babel import force_locale, gettext

    ids = _ids(_catalog("it"))
    english = []
    with app.test_request_context():
        for where, cls in _enumerations().items():
            if where == "innocore.vocab.Locale":
                continue  # each language's own name ("Italiano"), the same on every page
            pure = where == "instruments.series.rules.Frequency"  # N_ in a pure rule: tr() shows it
            for member in cls:
                with force_locale("en"):
                    label = str(member.label)
                with force_locale("it"):
                    shown, wanted = str(member.label), gettext(label)
                if label not in ids or (shown != wanted and not pure):
                    english.append(f"{where}.{member.name}: {label}")
    assert english == []


def test_history_and_audit_actions_read_as_words(app):
    """``action_label``: a registered action in the reader's language; an action named by a
    status reads as that status; an unknown code stays a code (never half-English words)."""
    from flask_babel import gettext

    from innocore.status import action_label

    with app.test_request_context(headers={"Accept-Language": "it"}):
        assert action_label("checked_in", "booking") == gettext("Checked in") != "Checked in"
        assert action_label("certificate.revoke") == gettext("Revoked") != "Revoked"
        assert action_label("training.cancelled") == gettext("Cancelled")
        assert action_label("something.unheard_of") == "something.unheard_of"


def test_status_words_inside_refusals_are_translated_where_shown(app):
    """A rule's refusal names the state in the reader's language, not in English."""
    from flask_babel import gettext

    from innocore.marks import message_text
    from instruments.requests.models import RequestStatus
    from instruments.requests.rules import transition_problems

    (problem,) = transition_problems(RequestStatus.CLOSED, RequestStatus.SUBMITTED, "staff")
    assert "“Closed”" in problem.message
    with app.test_request_context(headers={"Accept-Language": "it"}):
        shown = message_text(problem.message)
        assert gettext("Closed") in shown and "Closed" not in shown


def test_quantities_are_counted_in_the_readers_language(app):
    """A charge's "2.00 hour" or "1 no-show" reads as counted words of the language (never the
    unit's code after a figure); a unit someone typed stays as typed."""
    from innocore.template_helpers import quantity_text

    with app.test_request_context(headers={"Accept-Language": "it"}):
        assert quantity_text(Decimal("2.00"), "hour") == "2 ore"
        assert quantity_text(Decimal("1.50"), "hour") == "1,5 ore"
        assert quantity_text(Decimal("3"), "sample") == "3 campioni"
        assert quantity_text(Decimal("1"), "no-show") == "1 mancata presentazione"
        assert quantity_text(Decimal("4"), "vials") == "4 vials"
    with app.test_request_context(headers={"Accept-Language": "cs"}):
        assert quantity_text(Decimal("3"), "sample") == "3 vzorky"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert quantity_text(Decimal("1.00"), "hour") == "1 hour"


def test_a_stored_code_reads_as_its_label(app):
    """``status_label`` (a Jinja global and filter) turns a code kept in a record (a
    placement's user categories, a status value) into the label the reader's language uses."""
    from flask_babel import gettext

    from innocore.status import status_label

    with app.test_request_context(headers={"Accept-Language": "it"}):
        assert status_label("external_academic") == gettext("External academic")
        assert gettext("External academic") != "External academic"
        assert status_label("no_show") == gettext("No show")
