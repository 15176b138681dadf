"""``N_``: marks a message for the catalogs where it is written, translated where it is shown.

Pure (no Flask): rules and services write their refusals' reasons with ``N_("...")``; the
boundaries (``innocore.errors``, ``innocore.forms``, the page layout) translate
``Problem.message`` into the reader's language with ``problem_text``. Codes stay English.
"""


def N_(message: str) -> str:  # noqa: N802 (the gettext convention: mark now, translate later)
    """``message`` unchanged; ``pybabel extract -k N_`` (``make messages``) collects it."""
    return message


class Message(str):
    """English text that keeps its catalog entry and values: a ``str`` (so it reads, compares
    and serialises as the English sentence) that the boundaries translate with ``msgid`` and
    ``params`` (``innocore.errors.problem_text``)."""

    msgid: str
    params: dict
    plural: str | None = None  # the English plural of a counted sentence (``TN_``)
    num: int | None = None

    def __new__(cls, msgid: str, **params):
        obj = super().__new__(cls, msgid % params if params else msgid)
        obj.msgid = msgid
        obj.params = params
        return obj


def T_(msgid: str, **params) -> Message:  # noqa: N802 (a gettext-style marker)
    """``msgid`` with its ``%(name)s`` values filled in, in English, marked for the catalogs
    (``pybabel extract -k T_``) and translated where it is shown."""
    return Message(msgid, **params)


def TN_(singular: str, plural: str, num: int, **params) -> Message:  # noqa: N802 (gettext-style)
    """A counted sentence (``"%(num)d hour"`` / ``"%(num)d hours"``), in English with ``num``
    and its values filled in, translated where it is shown with the plural form the reader's
    language needs (Czech has three: 1, 2-4, 5+). ``pybabel extract -k TN_:1,2`` collects it."""
    values = {**params, "num": num}
    english = singular if num == 1 else plural
    obj = Message.__new__(Message, english, **values)
    obj.msgid, obj.plural, obj.num, obj.params = singular, plural, num, values
    return obj


def as_message(text: str) -> Message:
    """``text`` as a ``Message`` (itself its msgid when it was a plain marked ``N_`` string), so
    it can be a value inside another ``T_`` sentence and still be translated where shown."""
    return text if isinstance(text, Message) else Message(str(text))


def message_text(message) -> str:
    """A marked sentence in the reader's language: one written with ``innocore.marks.T_`` is
    translated, then filled in with its values (a value that is itself a ``T_`` message, such as
    a date's refusal reason inside "%(when)s: %(reason)s", is translated first); a plain one is
    looked up as it is."""
    from flask_babel import gettext, ngettext

    msgid = getattr(message, "msgid", None)
    if msgid is None:
        return gettext(message)
    if getattr(message, "plural", None) is not None:  # innocore.marks.TN_: a counted sentence
        values = {k: v for k, v in message.params.items() if k != "num"}
        return ngettext(msgid, message.plural, message.num, **values)
    if not message.params:
        return gettext(msgid)
    params = {
        k: message_text(v) if getattr(v, "msgid", None) is not None else v
        for k, v in message.params.items()
    }
    return gettext(msgid, **params)
