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

    def __new__(cls, msgid: str, **params):
        obj = super().__new__(cls, msgid % params if params else msgid)
        obj.msgid = msgid
        obj.params = params
        return obj


def T_(msgid: str, **params) -> Message:  # noqa: N802 (a gettext-style marker)
    """``msgid`` with its ``%(name)s`` values filled in, in English, marked for the catalogs
    (``pybabel extract -k T_``) and translated where it is shown."""
    return Message(msgid, **params)
