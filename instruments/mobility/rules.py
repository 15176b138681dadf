"""Pure mobility rules: who is mobile within the network, and the rate they pay."""

from __future__ import annotations

from collections.abc import Collection
from decimal import ROUND_HALF_UP, Decimal

from innocore.errors import Problem
from innocore.marks import N_


def is_network_mobile(
    user_org_id: int, facility_institution_id: int, network_institution_ids: Collection[int]
) -> bool:
    """A person is mobile at a facility when their organisation is another institution of the
    network (one that hosts a facility of its own), not the facility's."""
    return user_org_id != facility_institution_id and user_org_id in network_institution_ids


def mobility_rate(
    internal: Decimal | None, external: Decimal | None, share_percent: int
) -> Decimal | None:
    """The hourly mobility rate in EUR: ``share_percent`` of the way from the internal to the
    external academic rate, to the cent; the external rate when the internal one is missing."""
    if internal is None or external is None:
        return external
    rate = internal + (external - internal) * Decimal(share_percent) / Decimal(100)
    return rate.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def share_problems(share_percent) -> list[Problem]:
    """The share is a whole percentage from 0 (the internal rate) to 100 (the external rate)."""
    if not isinstance(share_percent, int) or isinstance(share_percent, bool):
        return [Problem("invalid_share", N_("Give a whole percentage."), "share_percent")]
    if not 0 <= share_percent <= 100:
        return [Problem("invalid_share", N_("Give a percentage from 0 to 100."), "share_percent")]
    return []
