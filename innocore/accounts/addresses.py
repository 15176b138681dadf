"""The one e-mail address rule of every form and API body.

An address that already belongs to an account is always accepted: the person signs in with it,
so no form may call it invalid (the demo's accounts live under the reserved ``.test`` domain,
RFC 6761). Any other address must be well formed (RFC 5322 syntax, checked by
``email-validator`` without a DNS look-up); the special-use domain ``.test`` is accepted for
it as well, other special-use names (``.invalid``, ``.localhost``, ``.onion``...) are not.
"""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from pydantic import AfterValidator, StringConstraints, WithJsonSchema
from wtforms.validators import ValidationError

from innocore.extensions import db
from innocore.marks import N_

MESSAGE = N_("Enter a valid e-mail address, such as name@example.org.")
MAX_LENGTH = 254


def belongs_to_an_account(address: str) -> bool:
    """True when some account (active or not) signs in with this address (case-insensitive)."""
    from innocore.accounts.models import User

    found = db.session.scalar(
        sa.select(User.id).where(sa.func.lower(User.email) == address.strip().lower()).limit(1)
    )
    return found is not None


def address_problem(address: str | None) -> str | None:
    """``None`` when the address is accepted, else the sentence to show next to the field."""
    text = (address or "").strip()
    if not text or len(text) > MAX_LENGTH:
        return MESSAGE
    if belongs_to_an_account(text):
        return None
    # Imported on first use: most processes (workers, jobs) never check a new address.
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(text, check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        return MESSAGE
    return None


class AcceptedEmail:
    """WTForms validator applying :func:`address_problem` (use it instead of ``Email()``)."""

    def __call__(self, form, field) -> None:
        if isinstance(field.data, str):  # a field built without EmailAddressField still trims
            field.data = field.data.strip()
        if field.data and (message := address_problem(field.data)):
            raise ValidationError(message)


def _checked(value: str) -> str:
    if message := address_problem(value):
        raise ValueError(message)
    return value.strip()


# Pydantic type for API bodies: the same rule as the forms (use it instead of ``EmailStr``).
AccountEmail = Annotated[
    str,
    AfterValidator(_checked),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": MAX_LENGTH}),
]

# Pydantic type for an address a service checks itself (an invitation, a supervisor): the spaces
# around it are dropped before the length is checked, as ``EmailAddressField`` does in forms.
EmailText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=MAX_LENGTH),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": MAX_LENGTH}),
]
