"""Check a user's ``.npz`` from its headers, before loading any array: that it is a regular file
of bounded size, a readable zip of ``.npy`` members, has the keys training needs, and that their
shapes and dtypes are usable and fit in memory. Loading a wrong file (a truncated download, a
1e9-element array, an object array) fails here with the file and the key, not minutes later.
"""

from __future__ import annotations

import math
import os
import stat
import zipfile
from pathlib import Path

import numpy as np

from hicsim.budget import MEMORY_SHARE, machine_memory
from hicsim.spec.errors import single

# Arrays become float32 images (4 bytes each) plus int64 labels; a copy is made while converting.
WORKING_COPIES = 3


def check_npz(path: Path, keys: tuple[str, ...]) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """``{key: (shape, dtype)}`` of the members ``keys``, read from the headers only."""
    source = str(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        raise single(source, f"cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise single(source, "is not a regular file: expected a .npz of arrays")
    if st.st_size == 0:
        raise single(source, "is empty: expected a .npz of arrays")
    headers = {}
    try:
        with zipfile.ZipFile(path) as archive:
            members = {Path(n).stem: n for n in archive.namelist() if n.endswith(".npy")}
            missing = [k for k in keys if k not in members]
            if missing:
                raise single(source, f"missing arrays: {', '.join(missing)} (needs {', '.join(keys)})")
            for key in keys:
                with archive.open(members[key]) as f:
                    version = np.lib.format.read_magic(f)
                    shape, _, dtype = _header(f, version)
                headers[key] = (tuple(shape), dtype)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        raise single(source, f"not a readable .npz file (truncated or not a zip of arrays: {exc})") from None
    for key, (shape, dtype) in headers.items():
        if dtype.hasobject or not (np.issubdtype(dtype, np.number) or dtype == np.bool_) \
                or np.issubdtype(dtype, np.complexfloating):
            raise single(source, f"must hold real numbers, got dtype {dtype}", key)
    need = sum(math.prod(shape) for shape, _ in headers.values()) * 8 * WORKING_COPIES
    if need > MEMORY_SHARE * machine_memory():
        raise single(source, f"its arrays would need about {need / 2**30:,.1f} GiB of memory to "
                             f"train on; this machine has {machine_memory() / 2**30:,.1f} GiB: use "
                             "fewer samples", keys[0])
    return headers


def _header(f, version):
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(f)
    return np.lib.format.read_array_header_2_0(f)
