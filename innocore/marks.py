"""``N_``: marks a message for the catalogs where it is written, translated where it is shown.

Pure (no Flask): rules and services write their refusals' reasons with ``N_("...")``; the
boundaries (``innocore.errors``, ``innocore.forms``, the page layout) translate
``Problem.message`` into the reader's language with ``problem_text``. Codes stay English.
"""


def N_(message: str) -> str:  # noqa: N802 (the gettext convention: mark now, translate later)
    """``message`` unchanged; ``pybabel extract -k N_`` (``make messages``) collects it."""
    return message
