"""Writing files so that a crash never leaves a half-written one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write(path: str | Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and ``os.replace``.

    A reader sees the previous file or the new one, never a mix; a killed writer leaves the
    previous file intact and no temporary file behind.

    Args:
        path: The file to (re)write; its folder is created if missing.
        data: The content; text is written as UTF-8.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; these are ordinary files
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_utf8(path: str | Path) -> tuple[str | None, int, str]:
    """A file's UTF-8 text, or ``None`` with the line of its first byte that is not UTF-8 and what is wrong
    with it (``(text, 0, "")`` when the file decodes)."""
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8"), 0, ""
    except UnicodeDecodeError as err:
        return None, raw.count(b"\n", 0, err.start) + 1, f"not UTF-8 text (byte {err.start}: {err.reason})"


def read_text(path: str | Path, error: type[ValueError] = ValueError) -> str:
    """A UTF-8 text file's contents; a file that is not UTF-8 raises ``error`` naming it and the line."""
    text, line, problem = read_utf8(path)
    if text is None:
        raise error(f"{path}:{line}: {problem}")
    return text
