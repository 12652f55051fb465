"""pint's unit registry with hicsim's two extra dimensions, built from a cache on disk.

Building a pint registry parses about a thousand definitions (0.12-0.16 s of CPU, a quarter of a
small command's start-up). pint can keep what it parsed and derived in a cache folder
(``UnitRegistry(file, cache_folder=...)``, pickles named by the hash of the definitions, pint's
version and Python's), but only for definitions read from a file. So hicsim writes its definitions
to a file in a folder named by their hash, and pint caches beside it: the next process loads the
pickles (about 0.02 s). The values are the same: the definitions are the same text, parsed by
the same pint.

A folder is filled under a temporary name and renamed when complete, so a process never reads a
half-written cache (pint writes its pickles in place); two processes that race both build, and
the first rename wins. A cache that cannot be written or read (a read-only home, a corrupt
pickle) is not an error: the registry is then built from the text, as without a cache.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

DEFINITIONS = "definitions.txt"


def definitions_text(package: Path) -> str:
    """pint's default definitions (the files in its ``package`` folder, which can be found
    without importing pint) with hicsim's two changes.

    Information: pint defines ``bit = []`` (dimensionless), so ``25.6 GHz`` converts to bytes per
    second (as 3.2 GB/s), ``2 pJ`` to joules per byte and ``4 percent`` to bytes; here the bit has
    a dimension of its own, so a byte-valued field refuses any value without one. A clock cycle
    is its own dimension too: it only becomes seconds once the clock is known.
    """
    files = Path(package)
    text = (files / "default_en.txt").read_text(encoding="utf-8")
    # the definitions are read as one text, which cannot follow an @import
    text = text.replace("@import constants_en.txt", (files / "constants_en.txt").read_text(encoding="utf-8"))
    if "\nbit = []\n" not in text:
        raise RuntimeError("pint's bit definition changed: update hicsim.unit_registry")
    text = text.replace("\nbit = []\n", "\nbit = [information]\n")
    return text + "\ncycle = [clock_cycle] = cycles = cyc\n"


def default_cache_root() -> Path:
    """The user's cache folder for hicsim (``$XDG_CACHE_HOME/hicsim`` or ``~/.cache/hicsim`` on
    Linux), as pint's own ``cache_folder=":auto:"`` chooses it for pint."""
    import platformdirs

    return platformdirs.user_cache_path("hicsim", appauthor=False)


def build_registry(pint, cache_root: Path | None):
    """The registry of ``definitions_text``, from (and into) a cache under ``cache_root`` when
    one is given and usable, else parsed from the text."""
    text = definitions_text(Path(pint.__file__).parent)
    if cache_root is not None:
        try:
            return _cached(pint, text, Path(cache_root))
        except Exception:  # noqa: BLE001 -- any failure of the cache: build without it
            pass
    ureg = pint.UnitRegistry(None)
    ureg.load_definitions(text.splitlines())
    return ureg


def _cached(pint, text: str, root: Path):
    key = hashlib.sha256(f"{pint.__version__}\n{sys.version}\n{text}".encode()).hexdigest()[:24]
    folder = root / f"units-{key}"
    if not folder.is_dir():
        root.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=".units-", dir=root))
        try:
            (partial / DEFINITIONS).write_text(text, encoding="utf-8")
            pint.UnitRegistry(str(partial / DEFINITIONS), cache_folder=partial)  # writes the pickles
            os.rename(partial, folder)  # atomic; fails when another process renamed first
        except OSError:
            if not folder.is_dir():
                raise
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    ureg = pint.UnitRegistry(str(folder / DEFINITIONS), cache_folder=folder)
    # pint applies the definitions' ``@defaults system = mks`` only to a registry built from a
    # file; the one built from the text has no default system (``to_base_units`` gives root
    # units, grams), as hicsim's registry always had
    ureg.default_system = None
    return ureg
