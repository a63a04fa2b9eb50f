"""Folders written whole or not at all, and files placed in them by hard link (a copy where the
file system cannot link)."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_folder(folder: str | Path):
    """Yield an empty temporary folder beside ``folder`` that replaces it when the block ends
    without an error (and is removed when it raises): readers never see half a folder."""
    folder = Path(folder)
    tmp = folder.with_name("." + folder.name + ".tmp")  # no scope starts with a dot
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if folder.exists():
        shutil.rmtree(folder)
    os.replace(tmp, folder)


def link_or_copy(source: Path, target: Path) -> bool:
    """Hard-link ``source`` to ``target`` (no second copy of the bytes, and the link outlives
    the source's folder); copy it where the file system cannot link (another device, no hard
    links). Returns True for a link."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
        return True
    except FileNotFoundError:
        raise
    except OSError:  # EXDEV (another file system), EPERM or ENOTSUP (no hard links there)
        shutil.copyfile(source, target)
        return False
