"""meshaws' local state under MESHAWS_VAR_DIR (the SQLite file, the embedded Redis, the sandbox
keys) is its owner's only: folders 0700, files 0600, set when they are created.

Plain os calls, no Django: settings.py uses them before Django is set up.
"""

from __future__ import annotations

import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600
# For processes that write their own files there (redis-server): no bit for group or others.
UMASK = 0o077


def _ours(status: os.stat_result) -> bool:
    # Only the owner may change a mode: a folder another user provides stays as it is.
    return status.st_uid == os.geteuid()


def private_folder(path: Path) -> Path:
    """Create the folder `path` as 0700, or make an existing one 0700 (older installations)."""
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    if _ours(path.stat()):
        os.chmod(path, FOLDER_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create an empty file `path` as 0600, or make an existing one 0600; keep its content."""
    descriptor = os.open(path, os.O_RDONLY | os.O_CREAT, FILE_MODE)
    try:
        if _ours(os.fstat(descriptor)):
            os.fchmod(descriptor, FILE_MODE)
    finally:
        os.close(descriptor)
    return path


def write_private_file(path: Path, text: str) -> None:
    """Replace the file `path` by `text` at once, as 0600 in a 0700 folder."""
    private_folder(path.parent)
    temporary = path.with_suffix(".tmp")
    temporary.unlink(missing_ok=True)  # a leftover would keep its own mode
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    temporary.replace(path)
