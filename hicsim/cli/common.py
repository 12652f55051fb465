"""Argument helpers shared by subcommands."""

from __future__ import annotations

import argparse

from hicsim.spec.load import parse_override


def add_overrides(parser: argparse.ArgumentParser, what: str = "the arch spec") -> None:
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                        help=f"override a value of {what} by dotted path, e.g. tile.adc.bits=6 "
                             "(repeatable)")


def overrides_of(items: list[str]) -> dict:
    return dict(parse_override(item) for item in items)
