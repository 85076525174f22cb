"""StageStore contract: staged versions are read back by id and by package (oldest first), a
version is staged at most once, and of two stagings of one version at once exactly one lands."""

from __future__ import annotations

import uuid

import pytest

from chalicelib.errors import VersionExistsError
from chalicelib.storage.ports.stage import StageStore
from chalicelib.storage.records import StagedVersion
from tests.contract.support import run_threads


def staged(
    version: str, package: str = "lib", created: str = "2026-12-06T00:00:00.000Z"
) -> StagedVersion:
    return StagedVersion(
        id=str(uuid.uuid4()),
        package=package,
        version=version,
        tag="latest",
        access=None,
        created=created,
        actor="alice",
        actor_type="user",
        integrity="sha512-abc",
        shasum="0" * 40,
    )


def test_staged_versions_are_read_back_by_id_and_by_package(stage_store: StageStore) -> None:
    first = staged("1.0.0", created="2026-12-06T00:00:00.000Z")
    second = staged("1.1.0", created="2026-12-06T00:00:01.000Z")
    other = staged("1.0.0", "@acme/tool")
    for each in (first, second, other):
        stage_store.stage(each)

    assert stage_store.staged(first.id) == first
    assert stage_store.staged(str(uuid.uuid4())) is None
    assert stage_store.staged_versions("lib") == [first, second]
    assert stage_store.staged_versions("@acme/tool") == [other]
    assert stage_store.staged_versions("none") == []


def test_a_version_is_staged_once(stage_store: StageStore) -> None:
    stage_store.stage(staged("1.0.0"))
    with pytest.raises(VersionExistsError):
        stage_store.stage(staged("1.0.0"))
    assert len(stage_store.staged_versions("lib")) == 1


def test_unstaging_removes_it_everywhere(stage_store: StageStore) -> None:
    kept, gone = staged("1.0.0"), staged("1.1.0")
    stage_store.stage(kept)
    stage_store.stage(gone)

    assert stage_store.unstage(gone.id) is True
    assert stage_store.unstage(gone.id) is False
    assert stage_store.staged(gone.id) is None
    assert stage_store.staged_versions("lib") == [kept]
    stage_store.stage(staged("1.1.0"))  # the version may be staged again


def test_of_two_stagings_of_one_version_at_once_one_lands(stage_store: StageStore) -> None:
    landed: list[str] = []

    def stage(i: int) -> None:
        try:
            stage_store.stage(staged("2.0.0"))
            landed.append(str(i))
        except VersionExistsError:
            pass

    assert run_threads(4, stage) == []
    assert len(landed) == 1
    assert len(stage_store.staged_versions("lib")) == 1
