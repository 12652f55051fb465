"""Outputs written whole: a file is the old content or the new, never half of either; a directory
of tables is all new or all old (or absent), never a mix; and where an output cannot be written,
that is known before any work starts.

Failures to write (a read-only location, a full disk, a name too long) are ``InputError``s naming
the path, so the CLI reports them in one line and exits 2.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Iterator, Mapping

from hicsim.spec.errors import InputError, OptionError, single

# Longest name a temporary file adds to its target's: "." + name + "." + 8 random + ".tmp".
TEMP_OVERHEAD = 14


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, fsync it, then rename it over ``path``:
    an interrupted or failed write leaves the old file (or none) in place."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_replace(target, data)
    except OSError as exc:
        raise write_error(target, exc) from None
    return target


def _write_replace(target: Path, data: str | bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, _new_file_mode(target))  # mkstemp makes it private (0600)
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_files_atomic(out_dir: str | Path, files: Mapping[str, str | bytes]) -> list[Path]:
    """Write every file of ``files`` (name -> content) into ``out_dir`` so that a failure at any
    point leaves ``out_dir`` as it was: all files are first written to a staging directory beside
    it, then renamed in (a new ``out_dir`` is one rename). Other files in ``out_dir`` are kept."""
    out = Path(out_dir)
    stage = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        # inside an existing directory (its parent may not be writable), else beside it
        stage = Path(tempfile.mkdtemp(dir=out if out.is_dir() else out.parent,
                                      prefix=f".{out.name}.", suffix=".tmp"))
        for name, data in files.items():
            _write_replace(stage / name, data)
        if out.is_dir():
            for name in files:
                os.replace(stage / name, out / name)  # same file system: renames, no new space
        else:
            os.chmod(stage, _new_dir_mode())
            os.rename(stage, out)
            stage = None
    except OSError as exc:
        raise write_error(out, exc) from None
    finally:
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)
    return [out / name for name in files]


def check_writable(path: str | Path, option: str, directory: bool = False) -> None:
    """Refuse, before any work, an output ``path`` that could not be written: an existing path of
    the wrong kind, a name too long, or a directory to write in that is not a writable directory
    (read-only file system, no permission)."""
    if not str(path):
        raise OptionError(option, "empty output path")
    p = Path(path)
    where = _existing_parent(p)
    longest = _name_max(where) - TEMP_OVERHEAD
    for part in p.parts:
        if len(os.fsencode(part)) > longest:
            raise OptionError(option, f"the name {part[:32]!r}... is longer than this file "
                                      f"system allows ({longest} bytes with a temporary suffix)",
                              str(p))
    kind = _kind(p, option)
    if kind is not None and directory != (kind == "dir"):
        raise OptionError(option, "exists and is not a directory" if directory
                          else "is a directory, expected a file name", str(p))
    where = p if kind == "dir" else where
    if _kind(where, option) != "dir":
        raise OptionError(option, f"{where} is not a directory", str(p))
    if not os.access(where, os.W_OK | os.X_OK):
        why = "is on a read-only file system" if _read_only(where) else "is not writable"
        raise OptionError(option, f"{where} {why}", str(p))


def _kind(p: Path, option: str) -> str | None:
    """'dir', 'file' (anything else that exists) or None; an unreadable path is an InputError."""
    try:
        return "dir" if stat.S_ISDIR(os.stat(p).st_mode) else "file"
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise single(str(p), f"{option}: {exc.strerror or exc}") from None


def _existing_parent(p: Path) -> Path:
    """The nearest ancestor of ``p`` that exists (the directory its outputs would be made in)."""
    for a in p.absolute().parents:
        try:
            os.stat(a)
            return a
        except OSError:
            continue
    return Path(p.absolute().anchor)


def _name_max(directory: Path) -> int:
    try:
        return os.pathconf(directory, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def _read_only(directory: Path) -> bool:
    try:
        return bool(os.statvfs(directory).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def write_error(path: Path, exc: OSError) -> InputError:
    """A failed write as one line naming the path; what was there before is kept."""
    reason = {errno.ENOSPC: "no space left on the device", errno.EDQUOT: "disk quota exceeded",
              errno.EROFS: "read-only file system", errno.EACCES: "permission denied",
              errno.ENAMETOOLONG: "name too long"}.get(exc.errno, exc.strerror or str(exc))
    return single(str(path), f"cannot write: {reason}; nothing was written (an earlier result "
                             "there is kept)")


def _new_file_mode(target: Path) -> int:
    """The mode the file would get from a plain ``open``: kept if it exists, else by umask."""
    if target.exists():
        return target.stat().st_mode & 0o777
    return 0o666 & ~_umask()


def _new_dir_mode() -> int:
    return 0o777 & ~_umask()


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def temporaries(directory: str | Path) -> Iterator[Path]:
    """Leftover temporary names in ``directory`` (tests: nothing half-written stays behind)."""
    d = Path(directory)
    return (p for p in d.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp")) \
        if d.is_dir() else iter(())
