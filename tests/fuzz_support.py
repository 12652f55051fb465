"""Helpers of the fuzz suite (tests/test_fuzz_edge.py): in-process CLI calls, the contract every
call must keep, and a count of cases tried per category."""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections import Counter
from pathlib import Path

from hicsim.cli import main

COUNTS: Counter = Counter()
REPORT_ENV = "HICSIM_FUZZ_REPORT"  # a JSON file to receive the counts (read by the report)


def invoke(argv: list[str]) -> tuple[int, str, str]:
    """``hicsim ARGV`` in this process: (exit status, stdout, stderr). An exception other than
    argparse's exit escapes: that is a traceback, and fails the test."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: usage error
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def check_contract(category: str, code: int, err: str, names: list[str]) -> None:
    """Exit 0, or exit 2 with one clear message that names one of ``names`` (the file or the
    option given); never a traceback."""
    COUNTS[category] += 1
    assert "Traceback" not in err, err
    assert code in (0, 2), (code, err)
    if code == 2:
        assert "error:" in err, err
        assert any(n in err for n in names), (names, err)


def no_temporaries(directory: Path) -> bool:
    """No half-written file (``.NAME.XXXX.tmp``) left in ``directory``."""
    return not directory.is_dir() or not any(
        p.name.startswith(".") and p.name.endswith(".tmp") for p in directory.iterdir())


def write_report() -> None:
    path = os.environ.get(REPORT_ENV)
    if path:
        old = json.loads(Path(path).read_text()) if Path(path).is_file() else {}
        for key, value in COUNTS.items():
            old[key] = old.get(key, 0) + value
        Path(path).write_text(json.dumps(dict(sorted(old.items())), indent=2) + "\n")
    COUNTS.clear()
