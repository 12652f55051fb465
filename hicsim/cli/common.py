"""Argument helpers shared by subcommands."""

from __future__ import annotations

import argparse

from hicsim.budget import DEFAULT_MAX_HOURS
from hicsim.spec.load import parse_override


def add_overrides(parser: argparse.ArgumentParser, what: str = "the arch spec") -> None:
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                        help=f"override a value of {what} by dotted path, e.g. tile.adc.bits=6 "
                             "(repeatable)")


def overrides_of(items: list[str]) -> dict:
    return dict(parse_override(item) for item in items)


MAX_HOURS_CEILING = 24 * 365  # a year: beyond it the bound means nothing


def _hours(text: str) -> float:
    h = float(text)
    if not 0 < h <= MAX_HOURS_CEILING:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be in (0, {MAX_HOURS_CEILING:g}], got {text}")
    return h


def add_max_hours(p, what: str, plan: str) -> None:
    """``--max-hours H``: refuse ``what`` if its planned wall time (printed first) is longer."""
    p.add_argument("--max-hours", type=_hours, default=DEFAULT_MAX_HOURS, metavar="H",
                   help=f"refuse {what} planned to take longer (default %(default)g; the plan is "
                        f"{plan})")
