"""Training data: scikit-learn's bundled 8x8 digits (a fixed stratified split) or user arrays.

Images are float32 (N, C, H, W) scaled to [0, 1]; labels are int64 in [0, classes). A user's
``.npz`` holds ``x_train, y_train, x_test, y_test``; images may be (N, H, W), (N, H, W, C) with
C in {1, 3, 4} (channels last, as CIFAR-10 ships) or (N, C, H, W).
"""

from __future__ import annotations

import itertools
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hicsim.spec.errors import single
from hicsim.train.npz_check import check_npz

BUILTIN = ("digits",)
DIGITS_TEST_FRACTION = 0.2
DIGITS_SPLIT_SEED = 0  # the split is part of the dataset's definition, not of a run's seed
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")


@dataclass(frozen=True)
class Dataset:
    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: int

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return tuple(self.x_train.shape[1:])


def load_dataset(name: str) -> Dataset:
    """``digits`` or a path to an ``.npz``; bad input raises ``InputError``."""
    if name == "digits":
        return _digits()
    path = Path(name)
    if path.suffix != ".npz":
        raise single(name, f"unknown dataset: use one of {', '.join(BUILTIN)} or a .npz file "
                           f"with {', '.join(NPZ_KEYS)}")
    if not path.is_file():
        raise single(name, "no such file")
    return _npz(path)


def _digits() -> Dataset:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    x = (bunch.images / 16.0).astype(np.float32)[:, None, :, :]
    y = bunch.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=DIGITS_TEST_FRACTION, stratify=y,
                                              random_state=DIGITS_SPLIT_SEED)
    return Dataset("digits", x_tr, y_tr, x_te, y_te, 10)


def _npz(path: Path) -> Dataset:
    source = str(path)
    check_npz(path, NPZ_KEYS)  # keys, dtypes and memory from the headers, before loading
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in NPZ_KEYS if k not in f.files]
            if missing:
                raise single(source, f"missing arrays: {', '.join(missing)} (needs {', '.join(NPZ_KEYS)})")
            arrays = {k: f[k] for k in NPZ_KEYS}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise single(source, f"not a readable .npz file ({exc})") from None
    x_train, x_test = (_images(source, k, arrays[k]) for k in ("x_train", "x_test"))
    if x_train.shape[1:] != x_test.shape[1:]:
        raise single(source, f"image shapes differ: {x_train.shape[1:]} vs {x_test.shape[1:]}",
                     "x_test")
    y_train, y_test = (_labels(source, k, arrays[k], len(x)) for k, x in
                       (("y_train", x_train), ("y_test", x_test)))
    classes = int(max(y_train.max(), y_test.max())) + 1
    if classes < 2:
        raise single(source, "labels need at least two classes", "y_train")
    present = set(np.unique(y_train).tolist())
    if classes > len(present):  # the first few missing classes; never a set of all `classes`
        unseen = list(itertools.islice((c for c in range(classes) if c not in present), 5))
        raise single(source, f"labels go up to {classes - 1}, but classes {unseen}"
                             f"{' ...' if classes - len(present) > 5 else ''} never occur in "
                             "training labels (labels must be 0 .. classes-1, each present)",
                     "y_train")
    return Dataset(path.stem, x_train, y_train, x_test, y_test, classes)


def _images(source: str, key: str, x: np.ndarray) -> np.ndarray:
    if not np.issubdtype(x.dtype, np.number) or np.iscomplexobj(x):
        raise single(source, f"must be real numbers, got dtype {x.dtype}", key)
    if x.ndim == 3:
        x = x[:, None]
    elif x.ndim == 4 and x.shape[-1] in (1, 3, 4) and x.shape[1] not in (1, 3, 4):
        x = x.transpose(0, 3, 1, 2)
    elif x.ndim != 4:
        raise single(source, f"images must be (N, H, W), (N, H, W, C) or (N, C, H, W), got shape "
                             f"{x.shape}", key)
    if x.shape[0] == 0:
        raise single(source, "no images", key)
    x = x.astype(np.float32)
    if not np.all(np.isfinite(x)):
        raise single(source, "contains NaN or infinite values", key)
    if x.max() > 1.0:  # 8-bit images: scale to [0, 1] so the DAC range matches the digits set
        x = x / 255.0 if x.max() <= 255.0 else x / x.max()
    return np.ascontiguousarray(x)


def _labels(source: str, key: str, y: np.ndarray, n: int) -> np.ndarray:
    if y.ndim != 1 or len(y) != n:
        raise single(source, f"must be a 1-D array of {n} labels (one per image), got shape {y.shape}",
                     key)
    if not np.issubdtype(y.dtype, np.integer):
        if not (np.issubdtype(y.dtype, np.floating) and np.all(y == np.round(y))):
            raise single(source, f"labels must be integers, got dtype {y.dtype}", key)
    if y.min() < 0:
        raise single(source, f"labels out of range: {int(y.min())} < 0", key)
    return y.astype(np.int64)
