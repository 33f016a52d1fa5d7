"""The files and folders a review writes to, checked before anything is written, and the system's refusals as errors.

>>> audit_folder("opus-audit")
PosixPath('opus-audit')
>>> file_to_write(".")
Traceback (most recent call last):
...
opus_nb._errors.ReviewError: cannot write to .: it is a folder; give a file name in it
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from opus_nb._errors import ReviewError
from opus_nb.jobs._audit import DEFAULT_AUDIT_FOLDER

__all__ = ["audit_folder", "file_to_write", "writing"]


def audit_folder(audit: str | Path) -> Path:
    """``audit=`` as a folder, or a `ReviewError` saying why it cannot be one."""
    if "\x00" in str(audit):
        raise ReviewError(f"audit= must name a folder, and {str(audit)!r} holds a NUL character")
    folder = Path(audit)
    if folder.exists() and not folder.is_dir():
        raise ReviewError(
            f"audit= names a folder for the audit log, and {folder} is a file: give a folder (default {DEFAULT_AUDIT_FOLDER!r})"
        )
    return folder


def file_to_write(path: str | Path) -> Path:
    """``path`` as a file to write, or a `ReviewError` when it holds a NUL or is a folder."""
    if "\x00" in str(path):
        raise ReviewError(f"cannot write to {str(path)!r}: the path holds a NUL character")
    target = Path(path)
    if target.is_dir() or not target.name:
        raise ReviewError(f"cannot write to {target}: it is a folder; give a file name in it")
    return target


@contextmanager
def writing(target: Path) -> Iterator[None]:
    """The operating system's refusal to write ``target`` as a `ReviewError` naming it."""
    try:
        yield
    except OSError as exc:
        raise ReviewError(f"cannot write to {exc.filename or target}: {exc.strerror or exc}") from None
