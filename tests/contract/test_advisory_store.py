"""AdvisoryStore contract: advisories are kept per package and by id (an import run again, or a
new version of an advisory, replaces it); a batch read names only packages that have any."""

from __future__ import annotations

from chalicelib.storage.ports.advisories import AdvisoryStore
from chalicelib.storage.records import Advisory
from tests.contract.support import run_threads


def advisory(id: str, package: str, versions: str = "<1.0.1", **fields: object) -> Advisory:
    return Advisory(
        id=id,
        package=package,
        title=f"{id} in {package}",
        url=f"https://github.com/advisories/{id}",
        severity=str(fields.get("severity", "high")),
        vulnerable_versions=versions,
        cwe=("CWE-79",),
        cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    )


def test_advisories_are_read_back_by_package(advisory_store: AdvisoryStore) -> None:
    first, second = advisory("GHSA-1", "left-pad"), advisory("GHSA-2", "left-pad", ">=2.0.0")
    other = advisory("GHSA-3", "@scope/lib")
    advisory_store.put_advisories([first, other])
    advisory_store.put_advisories([second])

    found = advisory_store.advisories_for(["left-pad", "@scope/lib", "clean", "left-pad"])

    assert found == {"left-pad": [first, second], "@scope/lib": [other]}
    assert advisory_store.advisories_for([]) == {}


def test_an_advisory_put_again_replaces_the_one_with_its_id(advisory_store: AdvisoryStore) -> None:
    advisory_store.put_advisories([advisory("GHSA-1", "left-pad")])
    revised = advisory("GHSA-1", "left-pad", "<1.0.2", severity="critical")
    advisory_store.put_advisories([revised])

    assert advisory_store.advisories_for(["left-pad"]) == {"left-pad": [revised]}


def test_many_packages_in_one_read(advisory_store: AdvisoryStore) -> None:
    names = [f"pkg-{i:03d}" for i in range(130)]  # more than one batch of either backend
    advisory_store.put_advisories([advisory(f"GHSA-{i}", name) for i, name in enumerate(names)])

    assert len(advisory_store.advisories_for(names)) == 130


def test_imports_at_once_lose_no_advisory(advisory_store: AdvisoryStore) -> None:
    def put(i: int) -> None:
        advisory_store.put_advisories([advisory(f"GHSA-{i}", "popular")])

    assert run_threads(4, put) == []
    assert len(advisory_store.advisories_for(["popular"])["popular"]) == 4
