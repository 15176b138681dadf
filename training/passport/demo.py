"""Demo data: a share link for the demo learner's passport (its raw token is not kept)."""

from __future__ import annotations

import sqlalchemy as sa

from innocore.accounts.models import User
from innocore.extensions import db
from training.passport import services
from training.passport.models import PassportLink


def seed_passport(ctx=None) -> None:
    """One revocable link for the first person holding a certificate, once."""
    from training.certification.models import Certificate

    holder_id = db.session.scalar(sa.select(Certificate.holder_id).order_by(Certificate.id))
    if holder_id is None or db.session.scalar(sa.select(PassportLink.id).limit(1)):
        return
    services.create_link(db.session.get(User, holder_id), "For my next host facility")
