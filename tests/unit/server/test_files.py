"""Small files kept in memory by each worker: within the budget, least recently used out first,
big files left to granian."""

from __future__ import annotations

from pathlib import Path

from chalicelib.server.files import FILE_RESPONSE_BYTES, SmallFiles


def _file(tmp_path: Path, name: str, size: int) -> str:
    path = tmp_path / name
    path.write_bytes(bytes([len(name)]) * size)
    return str(path)


def test_a_small_file_is_read_once_then_answered_from_memory(tmp_path: Path) -> None:
    files = SmallFiles(budget_bytes=10_000)
    path = _file(tmp_path, "a", 1000)
    assert files.read(path) == b"\x01" * 1000
    Path(path).unlink()  # immutable at its path: a kept file needs no disk any more
    assert files.read(path) == b"\x01" * 1000


def test_a_big_file_is_not_read(tmp_path: Path) -> None:
    files = SmallFiles(budget_bytes=10 * FILE_RESPONSE_BYTES)
    assert files.read(_file(tmp_path, "big", FILE_RESPONSE_BYTES)) is None


def test_the_least_recently_used_go_first_and_the_budget_holds(tmp_path: Path) -> None:
    files = SmallFiles(budget_bytes=2500)
    a, b, c = (_file(tmp_path, n, 1000) for n in ("a", "bb", "ccc"))
    files.read(a)
    files.read(b)
    files.read(a)  # a is now the most recently used
    files.read(c)  # over budget: b goes
    assert files.get(b) is None
    assert files.get(a) is not None and files.get(c) is not None
    files.keep(_file(tmp_path, "huge", 3000), b"x" * 3000)  # larger than the whole budget
    assert files.get(a) is not None and files.get(c) is not None
