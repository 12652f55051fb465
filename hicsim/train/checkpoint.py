"""Checkpoints: one ``.npz`` per run with every array a bit-identical resume needs, plus a JSON
record (configuration, epoch, history, RNG state). Written to a temporary file and renamed over
the old one, so a kill at any moment leaves the last complete checkpoint."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

META = "__meta__"


def save_checkpoint(path: Path, arrays: dict[str, np.ndarray], meta: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        np.savez(f, **arrays, **{META: np.array(json.dumps(meta))})
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_checkpoint(path: Path) -> tuple[dict[str, np.ndarray], dict]:
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files if k != META}
        meta = json.loads(str(f[META][()]))
    return arrays, meta
