"""Languages: Flask-Babel wiring, the locale of a request, and the compiled catalogs.

The language a page is shown in is, in order: the signed-in person's profile language
(``User.locale``); the ``?lang=`` a visitor chose with the language switcher (kept in the
``innocore_lang`` cookie); the best match of the browser's ``Accept-Language`` (RFC 9110 §12.5.4);
else English. ``<html lang>`` shows the locale actually used (``current_locale()``).

Catalogs live in ``innocore/translations/<lang>/LC_MESSAGES/messages.po`` (sources, in git). The
app compiles them into ``<instance>/translations`` at start when the compiled file is missing or
was made from another version of the ``.po`` file (a SHA-256 stamp beside it), so ``make demo``,
the README's command without make and the test suite all read current catalogs on a fresh
machine, without a build step; a catalog that cannot be compiled stops the app (never a silent
fall back to English).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from flask import Flask, request
from flask_babel import get_locale
from flask_login import current_user

# The languages the platform is translated into (the partners' languages), English first.
LANGUAGES = ("en", "it", "pt", "es", "cs")
LANGUAGE_NAMES = {
    "en": "English",
    "it": "Italiano",
    "pt": "Português",
    "es": "Español",
    "cs": "Čeština",
}
# The CLDR variant each catalog is written in, for dates, numbers, currency and plural rules:
# the Portuguese catalog is European Portuguese (the partners are in Portugal), so "pt" formats
# as pt_PT ("12 345,50 €", one = exactly 1), not as CLDR's plain "pt" (Brazil: "€ 12.345,50",
# one = 0 and 1). The catalog's Plural-Forms header matches (tests/kernel/test_i18n.py).
FORMAT_LOCALES = {"pt": "pt_PT"}
COOKIE = "innocore_lang"
SOURCE_DIR = Path(__file__).resolve().parent / "translations"


def select_locale() -> str:
    """The language code of the current request (one of ``LANGUAGES``); see the module doc."""
    if not request:
        return "en"
    if getattr(current_user, "is_authenticated", False):
        value = getattr(getattr(current_user, "locale", None), "value", None)
        if value in LANGUAGES:
            return value
    chosen = request.args.get("lang") or request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "en"


def current_locale() -> str:
    """The language code the current page is rendered in (for ``<html lang>``)."""
    loc = get_locale()
    return str(loc.language) if loc is not None else "en"


def translate(text):
    """``text`` in the reader's language when the catalogs hold it (a string marked with ``N_``
    or ``T_`` where it was written: report titles, e-mail kinds), else unchanged. For templates
    (``{{ tr(section.title) }}``): unlike ``_()`` it never %-formats the text."""
    if not text:
        return text
    from innocore.marks import message_text

    return message_text(text if getattr(text, "msgid", None) is not None else str(text))


def compile_catalogs(source: Path, target: Path) -> list[str]:
    """Compile every ``<lang>/LC_MESSAGES/messages.po`` under ``source`` into ``target`` (same
    layout, ``.mo`` files, GNU gettext format), skipping a catalog whose stamp matches its
    ``.po`` SHA-256. Safe with several processes starting at once (written under a temporary
    name, then renamed). Returns the languages (re)compiled. Raises ``ValueError`` on a ``.po``
    file that does not parse."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    done = []
    for po in sorted(source.glob("*/LC_MESSAGES/messages.po")):
        lang = po.parent.parent.name
        digest = hashlib.sha256(po.read_bytes()).hexdigest()
        out_dir = target / lang / "LC_MESSAGES"
        mo = out_dir / "messages.mo"
        stamp = out_dir / "messages.sha256"
        if mo.exists() and stamp.exists() and stamp.read_text().strip() == digest:
            continue
        out_dir.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        tmp = out_dir / f".messages.{os.getpid()}.{secrets.token_hex(4)}"
        with tmp.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        os.replace(tmp, mo)
        tmp_stamp = out_dir / f".stamp.{os.getpid()}.{secrets.token_hex(4)}"
        tmp_stamp.write_text(digest)
        os.replace(tmp_stamp, stamp)
        done.append(lang)
    missing = [
        lang
        for lang in LANGUAGES[1:]
        if not (target / lang / "LC_MESSAGES" / "messages.mo").exists()
    ]
    if missing:
        raise RuntimeError(f"no catalog for {', '.join(missing)} in {source}")
    return done


def init_app(app: Flask) -> None:
    """Compile the catalogs into the instance folder, install Flask-Babel (``_``, ``{% trans %}``
    in templates), the language switcher's cookie and the template globals ``current_locale``,
    ``LANGUAGE_NAMES`` and ``language_switch_url``."""
    compiled = Path(app.instance_path) / "translations"
    compile_catalogs(SOURCE_DIR, compiled)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    from innocore.extensions import babel

    babel.init_app(app, locale_selector=select_locale)

    @app.after_request
    def remember_choice(response):
        chosen = request.args.get("lang")
        if chosen in LANGUAGES and request.cookies.get(COOKIE) != chosen:
            response.set_cookie(
                COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
            )
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
        return response

    def language_switch_url(code: str) -> str:
        """The current page in language ``code`` (``?lang=``, other query arguments kept)."""
        args = request.args.to_dict(flat=False)
        args["lang"] = [code]
        from urllib.parse import urlencode

        return request.path + "?" + urlencode(args, doseq=True)

    app.jinja_env.globals.update(
        tr=translate,
        current_locale=current_locale,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        language_switch_url=language_switch_url,
    )
