"""Keeps numba's on-disk kernel cache consistent with the kernel sources.

numba's ``cache=True`` checks a cached function against its own source file only. A kernel that
calls a function from another file keeps that function's old code, compiled in, after the other
file changes: edited kernels then silently run stale code (it happened twice while developing the
update kernel). So where the kernels load (``hicsim.kernels`` and ``hicsim.generation.kernel``
call ``ensure_fresh_once`` before importing a kernel), hicsim hashes the sources of every module
with numba kernels, and of the modules whose constants they compile in, and, if the hash differs
from the one stamped beside the cache, deletes the cached kernels of those modules; numba
recompiles them on first use. ``import hicsim`` alone touches no file.

Covers numba's default cache location (``__pycache__`` beside the sources, where an editable or a
writable install puts it). With ``NUMBA_CACHE_DIR`` set, or an install numba cannot write to,
numba caches elsewhere and only its own per-file check applies.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
KERNEL_DIRS = ("kernels", "generation")  # the subpackages whose modules hold numba kernels
# Modules outside KERNEL_DIRS whose constants kernels compile in (the representation kinds).
CONSTANT_SOURCES = ("devices/layout.py",)
STAMP = "hicsim-kernel-sources.sha256"


def sources_digest(package: Path = PACKAGE) -> str:
    """A hash of the modules in KERNEL_DIRS that use numba (the others cannot make a kernel
    stale) and of CONSTANT_SOURCES."""
    digest = hashlib.sha256()
    for sub in KERNEL_DIRS:
        for path in sorted((package / sub).glob("*.py")):
            text = path.read_bytes()
            if b"numba" in text:
                digest.update(path.name.encode())
                digest.update(text)
    for rel in CONSTANT_SOURCES:
        path = package / rel
        if path.exists():
            digest.update(rel.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.cache
def ensure_fresh_once() -> bool:
    """``ensure_fresh`` for the installed package, once per process (kernels load once)."""
    return ensure_fresh()


def ensure_fresh(package: Path = PACKAGE) -> bool:
    """Delete the cached kernels if the kernel sources changed since the stamp; returns whether it
    did. Never raises for file-system reasons: a cache it cannot clean is left to numba."""
    stamp = package / KERNEL_DIRS[0] / "__pycache__" / STAMP
    digest = sources_digest(package)
    try:
        if stamp.read_text() == digest:
            return False
    except OSError:
        pass
    for sub in KERNEL_DIRS:
        for cached in (package / sub / "__pycache__").glob("*.nb[ic]"):
            try:
                cached.unlink()
            except OSError:
                pass
    try:
        stamp.parent.mkdir(exist_ok=True)
        partial = stamp.with_name(f"{STAMP}.{os.getpid()}")
        partial.write_text(digest)
        os.replace(partial, stamp)  # atomic: a concurrent import reads the old or the new stamp
    except OSError:
        pass
    return True
