"""The sweep results file, byte by byte: what the writer appends, and what the reader does with
each kind of damage (a damaged middle line, a torn last line, an object without point_id)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from hicsim.spec.errors import InputError
from hicsim.sweep.results import ResultsWriter, read_results, read_rows, rows_frame

A = b'{"point": 1, "point_id": "a", "x": 1}\n'
B = b'{"point": 0, "point_id": "b", "x": 2}\n'
C = b'{"point": 2, "point_id": "c", "x": 3}\n'


def rows_of(*lines: bytes) -> list[dict]:
    import json
    return [json.loads(line) for line in lines]


def write(tmp_path, data: bytes):
    path = tmp_path / "r.jsonl"
    path.write_bytes(data)
    return path


def test_writer_appends_one_json_line_per_row_with_numpy_scalars_as_plain_values(tmp_path):
    path = tmp_path / "new" / "dir" / "r.jsonl"  # missing parents are made
    with ResultsWriter(path) as writer:
        writer.append({"point": np.int64(3), "point_id": "p", "ok": np.bool_(True), "e": 0.5})
    with ResultsWriter(path) as writer:  # a second writer appends, it does not start over
        writer.append({"point": 4, "point_id": "q"})
    assert path.read_bytes() == (b'{"point": 3, "point_id": "p", "ok": true, "e": 0.5}\n'
                                 b'{"point": 4, "point_id": "q"}\n')
    with ResultsWriter(tmp_path / "new" / "other.jsonl"):  # an existing directory is fine
        pass


def test_writer_refuses_a_value_it_cannot_write(tmp_path):
    with ResultsWriter(tmp_path / "r.jsonl") as writer:
        with pytest.raises(TypeError) as exc:
            writer.append({"point": 0, "point_id": "p", "v": object()})
    assert str(exc.value) == "cannot write object to a results file"


def test_missing_file_has_no_rows(tmp_path):
    assert read_rows(tmp_path / "none.jsonl") == []
    assert read_results(tmp_path / "none.jsonl").empty


def test_whole_file_reads_every_row_in_file_order_and_is_not_rewritten(tmp_path):
    path = write(tmp_path, A + B + b"\n" + C)  # a blank line is not damage
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    assert read_rows(path, repair=True) == rows_of(A, B, C)
    assert path.read_bytes() == A + B + b"\n" + C
    assert path.stat().st_mtime_ns == 1_000_000_000  # nothing to repair: not written


@pytest.mark.parametrize("torn", [C[:10], C[:-1], b"garbage\n", b"[1, 2]\n", b'{"point": 2}\n'])
def test_torn_last_line_is_skipped_and_left_in_place_unless_repairing(tmp_path, torn):
    path = write(tmp_path, A + B + torn)
    assert read_rows(path) == rows_of(A, B)
    assert path.read_bytes() == A + B + torn  # reading never changes the file
    assert read_rows(path, repair=True) == rows_of(A, B)
    assert path.read_bytes() == A + B  # cut exactly after the last whole row


def test_torn_only_line_repairs_to_an_empty_file(tmp_path):
    path = write(tmp_path, A[:7])
    assert read_rows(path, repair=True) == []
    assert path.read_bytes() == b""


@pytest.mark.parametrize("bad", [b"garbage\n", b'{"point": 5, "x": 1}\n', b'["point_id"]\n',
                                 b"\xff\xfe\n", A[:10] + b"\n"])
@pytest.mark.parametrize("where", [0, 1])
def test_damaged_line_before_the_last_is_an_error_naming_it(tmp_path, bad, where):
    lines = [A, B]
    lines.insert(where, bad)
    data = b"".join(lines)
    path = write(tmp_path, data)
    for repair in (False, True):
        with pytest.raises(InputError) as exc:
            read_rows(path, repair=repair)
        assert exc.value.source == str(path)
        assert exc.value.problems == [("", f"line {where + 1} is not a JSON row: the file is damaged "
                                           "(only the last line may be torn by a kill)")]
        assert path.read_bytes() == data


def test_damaged_second_to_last_line_does_not_drop_the_good_last_row(tmp_path):
    path = write(tmp_path, A + B + b"oops\n" + C)
    with pytest.raises(InputError, match="line 3 is not a JSON row"):
        read_rows(path)


def test_rows_frame_sorts_by_point_and_keeps_first_rows_columns_first(tmp_path):
    path = write(tmp_path, C + A + b'{"point": 0, "point_id": "b", "x": 2, "late": 7}\n')
    df = read_results(path)
    assert list(df["point"]) == [0, 1, 2] and list(df["point_id"]) == ["b", "a", "c"]
    assert list(df.columns) == ["point", "point_id", "x", "late"]
    assert list(rows_frame(rows_of(C, A, B))["x"]) == [2, 1, 3]
