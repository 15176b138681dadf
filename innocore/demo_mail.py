"""The demo's mailbox: a local SMTP server (aiosmtpd) that `flask innocore demo --serve` starts
when no mail server is configured, so that what the demo sends (the confirmation of a new
account, password resets, reminders, quotes) can be read. Each message is kept as an ``.eml``
file (RFC 5322; any mail client opens it) in ``<instance>/demo-mail/``, and one log line names
its recipient, subject, file and the links in it (a new account's confirmation link among them).
Not for production: it accepts anything from this machine and delivers nothing onwards."""

from __future__ import annotations

import email
import email.policy
import logging
import re
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)
LINK = re.compile(r"https?://[^\s<>\"']+")


class _Keeper:
    def __init__(self, folder: Path):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        self.count += 1
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = self.folder / f"{stamp}-{self.count:04d}.eml"
        path.write_bytes(raw)
        body = msg.get_body(preferencelist=("plain",))
        links = LINK.findall(body.get_content() if body is not None else "")
        log.info(
            "demo e-mail to %s: %s (%s)%s",
            msg["To"],
            msg["Subject"],
            path,
            "".join(f"\n    link: {u}" for u in dict.fromkeys(links)),
        )
        return "250 kept"


def start_mailbox(instance_path: str, host: str = "127.0.0.1") -> tuple[object, int, Path]:
    """Start the demo mailbox on a free port of ``host``; returns ``(controller, port, folder)``
    (``controller.stop()`` ends it). The folder is created if missing."""
    import socket

    from aiosmtpd.controller import Controller

    folder = Path(instance_path) / "demo-mail"
    folder.mkdir(parents=True, exist_ok=True)
    with socket.socket() as s:
        s.bind((host, 0))
        port = s.getsockname()[1]
    controller = Controller(_Keeper(folder), hostname=host, port=port)
    controller.start()
    return controller, port, folder
