"""Command line: ``hicsim run | validate | schema | export | ...``.

Each subcommand lives in its own module under ``hicsim.cli`` and exposes ``register(subparsers)``,
which adds its parser and sets ``func``. Bad input anywhere becomes one message on stderr and exit
status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from hicsim.spec.errors import InputError

# Subcommand modules, in the order ``hicsim --help`` lists them.
COMMANDS = ("run", "validate", "schema", "export", "sweep", "plot", "train", "generation")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hicsim", description="Simulate PCM in-memory-computing accelerators running DNNs.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"hicsim.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        print(f"hicsim {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"hicsim {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
