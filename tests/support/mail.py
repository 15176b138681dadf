"""A real local SMTP server (aiosmtpd) whose received messages tests can read."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class _Handler:
    def __init__(self, box: list[EmailMessage], delay: float = 0.0):
        self.box, self.delay = box, delay

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        if self.delay:
            await asyncio.sleep(self.delay)  # a slow relay; other sessions go on meanwhile
        msg = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=email.policy.default
        )
        self.box.append(msg)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPServer:
    """``SMTPServer(delay=0.5)`` is a slow relay: it answers each message after ``delay`` s."""

    def __init__(self, delay: float = 0.0):
        self.messages: list[EmailMessage] = []
        self.port = free_port()
        handler = _Handler(self.messages, delay)
        self._controller = Controller(handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def clear(self) -> None:
        self.messages.clear()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def text(msg: EmailMessage) -> str:
        return msg.get_body(preferencelist=("plain",)).get_content()
