"""Settings from the environment: a wrong value stops the start with its name, not a 500 later."""

from __future__ import annotations

import pytest

from innocore.config import build_config


def test_network_time_zone_is_an_iana_zone(tmp_path):
    assert build_config(str(tmp_path), {"NETWORK_TIMEZONE": "Europe/Rome"})["NETWORK_TIMEZONE"] == (
        "Europe/Rome"
    )
    assert build_config(str(tmp_path))["NETWORK_TIMEZONE"] == "UTC"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../etc/passwd", "CEST+2"])
def test_an_unknown_network_time_zone_is_refused_at_start(tmp_path, zone):
    with pytest.raises(ValueError, match="INNOCORE_NETWORK_TIMEZONE"):
        build_config(str(tmp_path), {"NETWORK_TIMEZONE": zone})
