"""The kernel's check of an uploaded file, shared by service-request attachments, facility
documents and training uploads: a pure rule, no Flask, no session."""

from __future__ import annotations

from innocore.errors import Problem
from innocore.marks import N_, T_

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 20

# Accepted content types and the bytes a file of that type starts with (None: text, no magic).
ATTACHMENT_TYPES = {
    "application/pdf": b"%PDF",
    "text/plain": None,
    "text/csv": None,
    "image/png": b"\x89PNG",
    "image/jpeg": b"\xff\xd8\xff",
    "application/zip": b"PK",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": b"PK",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": b"PK",
}


def attachment_problems(
    content_type: str, size: int, head: bytes, *, existing: int = 0, field: str = "attachment"
) -> list[Problem]:
    """What is wrong with one uploaded file: its declared ``content_type`` against ATTACHMENT_TYPES
    and the first bytes ``head`` (magic number; no NUL byte in text), ``size`` in bytes (not empty,
    at most MAX_FILE_BYTES), and ``existing`` files already attached (fewer than MAX_FILES).
    Problems name ``field``; an empty list means the file is acceptable."""
    problems = []
    if content_type not in ATTACHMENT_TYPES:
        problems.append(
            Problem(
                "file_type", N_("Attach PDF, text, CSV, PNG, JPEG, ZIP or Office files."), field
            )
        )
    else:
        magic = ATTACHMENT_TYPES[content_type]
        if magic is not None and not head.startswith(magic):
            problems.append(
                Problem("file_content", N_("The file's content does not match its type."), field)
            )
        if magic is None and b"\x00" in head:
            problems.append(
                Problem("file_content", N_("A text file cannot contain binary data."), field)
            )
    if size == 0:
        problems.append(Problem("file_empty", N_("The file is empty."), field))
    if size > MAX_FILE_BYTES:
        problems.append(
            Problem(
                "file_size",
                T_(
                    "Files are limited to %(max_file_bytes)s MB.",
                    max_file_bytes=MAX_FILE_BYTES // 2**20,
                ),
                field,
            )
        )
    if existing >= MAX_FILES:
        problems.append(
            Problem(
                "too_many_files",
                T_("At most %(max_files)s files per request.", max_files=MAX_FILES),
                field,
            )
        )
    return problems
