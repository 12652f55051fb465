"""Command line: ``hicsim run | validate | schema | export | ...``.

Each subcommand lives in its own module under ``hicsim.cli`` and exposes ``register(subparsers)``,
which adds its parser and sets ``func``. Bad input anywhere becomes one message on stderr and exit
status 2, never a traceback. A reader that goes away (``hicsim run ... | head -1``) stops what is
printed, not the work: tables and files are still written.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import sys

from hicsim.cli.flags import worded
from hicsim.spec.errors import InputError

# Subcommand modules, in the order ``hicsim --help`` lists them.
COMMANDS = ("run", "validate", "schema", "export", "sweep", "plot", "train", "generation")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or, given ``command``, that command's parser in full and the
    others by name only: a command module imports what its command needs (``train`` numba,
    ``plot`` matplotlib), so ``hicsim validate`` must not import the other modules."""
    parser = argparse.ArgumentParser(
        prog="hicsim", description="Simulate PCM in-memory-computing accelerators running DNNs.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        if command is None or name == command:
            importlib.import_module(f"hicsim.cli.{name}").register(sub)
        else:
            sub.add_parser(name)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # Only a command named first is parsed alone (``hicsim -h`` lists every command's help).
    parser = build_parser(argv[0] if argv and argv[0] in COMMANDS else None)
    args = parser.parse_args(argv)
    stdout = sys.stdout
    sys.stdout = _ReaderMayLeave(stdout)
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # here, where a closed pipe is caught, not at interpreter exit
        return code
    except InputError as exc:
        print(f"hicsim {args.command}: error: {worded(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"hicsim {args.command}: interrupted", file=sys.stderr)
        return 130
    finally:
        sys.stdout = stdout


class _ReaderMayLeave(io.TextIOBase):
    """Standard output that, once its reader has closed the pipe, drops what is printed instead of
    raising BrokenPipeError into the middle of the work (which skipped writing the tables)."""

    def __init__(self, stream):
        self._stream = stream
        self.gone = False

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._reader_left()
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._reader_left()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    def _reader_left(self) -> None:
        self.gone = True
        try:  # the interpreter flushes stdout at exit: let that go nowhere, quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, io.UnsupportedOperation):
            pass
