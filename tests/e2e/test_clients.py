"""The same everyday scenarios with npm 11, pnpm 12 and yarn berry 4, against both backends.

Fixtures are published with npm from the logged-in `workspace` machine; each client then adds
them, installs from its own lockfile on a fresh machine (empty cache and store), and runs a bin.
Every machine has its own HOME and caches; each client is configured the way a user would:
npm and pnpm through the machine's .npmrc (pnpm's own settings in `pnpm-workspace.yaml`), yarn
through the project's `.yarnrc.yml`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.e2e.harness import (
    Result,
    Workspace,
    a_library,
    add_user,
    subscribe,
    unique,
    write_package,
)


class Client:
    """How one package manager is configured and driven in a project."""

    name = ""
    lockfile = ""
    unauthorized = "401"  # how the client reports a 401

    def setup(self, machine: Workspace, name: str) -> Path:
        project = machine.project(name)
        self.configure(machine, project)
        return project

    def configure(self, machine: Workspace, project: Path) -> None:
        """npm (and pnpm, for the registry and token) read the machine's userconfig."""

    def add(self, machine: Workspace, project: Path, *specs: str) -> Result:
        raise NotImplementedError

    def install_frozen(self, machine: Workspace, project: Path) -> Result:
        raise NotImplementedError

    def run_bin(self, machine: Workspace, project: Path, *args: str) -> Result:
        raise NotImplementedError

    def whoami(self, machine: Workspace, project: Path) -> Result:
        return machine.run(self.name, "whoami", cwd=project)

    def copy_project(self, source: Path, machine: Workspace, name: str) -> Path:
        """package.json and the lockfile only, into a project configured on `machine`."""
        project = self.setup(machine, name)
        for file in ("package.json", self.lockfile):
            shutil.copyfile(source / file, project / file)
        return project

    def __repr__(self) -> str:
        return self.name


class Npm(Client):
    name, lockfile = "npm", "package-lock.json"

    def add(self, machine: Workspace, project: Path, *specs: str) -> Result:
        return machine.run("npm", "install", *specs, cwd=project)

    def install_frozen(self, machine: Workspace, project: Path) -> Result:
        return machine.run("npm", "ci", cwd=project)

    def run_bin(self, machine: Workspace, project: Path, *args: str) -> Result:
        return machine.run("npm", "exec", "--", *args, cwd=project)


class Pnpm(Client):
    name, lockfile = "pnpm", "pnpm-lock.yaml"

    def configure(self, machine: Workspace, project: Path) -> None:
        # Without it pnpm holds back versions younger than a day and silently picks older ones.
        # And no daily `GET /pnpm` update check against the registry under test.
        (project / "pnpm-workspace.yaml").write_text(
            "minimumReleaseAge: 0\nupdateNotifier: false\n"
        )

    def add(self, machine: Workspace, project: Path, *specs: str) -> Result:
        return machine.run("pnpm", "add", *specs, cwd=project)

    def install_frozen(self, machine: Workspace, project: Path) -> Result:
        return machine.run("pnpm", "install", "--frozen-lockfile", cwd=project)

    def run_bin(self, machine: Workspace, project: Path, *args: str) -> Result:
        return machine.run("pnpm", "exec", *args, cwd=project)


class Yarn(Client):
    name, lockfile = "yarn", "yarn.lock"
    unauthorized = "YN0041: Invalid authentication"

    def configure(self, machine: Workspace, project: Path) -> None:
        settings: dict[str, object] = {
            "npmRegistryServer": machine.registry.url.rstrip("/"),
            "unsafeHttpWhitelist": ["127.0.0.1"],
            "nodeLinker": "node-modules",
            "enableImmutableInstalls": False,
            "npmMinimalAgeGate": 0,  # yarn also holds back fresh versions
            "enableTelemetry": False,
        }
        if machine.token:
            settings["npmAuthToken"] = machine.token
            # yarn sends the token on reads only when told to: what a private registry needs
            settings["npmAlwaysAuth"] = True
        # JSON is YAML.
        (project / ".yarnrc.yml").write_text(json.dumps(settings, indent=2) + "\n")
        (project / "yarn.lock").touch()  # marks the project root

    def add(self, machine: Workspace, project: Path, *specs: str) -> Result:
        return machine.run("yarn", "add", *specs, cwd=project)

    def install_frozen(self, machine: Workspace, project: Path) -> Result:
        return machine.run("yarn", "install", "--immutable", cwd=project)

    def run_bin(self, machine: Workspace, project: Path, *args: str) -> Result:
        return machine.run("yarn", "run", *args, cwd=project)

    def whoami(self, machine: Workspace, project: Path) -> Result:
        # yarn sends npmAuthToken on publish and `yarn npm …`, not on reads of public packages.
        return machine.run("yarn", "npm", "whoami", cwd=project)


CLIENTS = [Npm(), Pnpm(), Yarn()]


@pytest.fixture(params=CLIENTS, ids=repr)
def client(request: pytest.FixtureRequest) -> Client:
    return request.param  # type: ignore[no-any-return]


def node(machine: Workspace, project: Path, script: str) -> str:
    """Run `script` with node in `project`; its stdout, stripped."""
    return machine.run("node", "-e", script, cwd=project).ok().out.strip()


def require_through(machine: Workspace, project: Path, parent: str, child: str) -> str:
    """`child` as `parent` sees it: pnpm does not hoist transitive dependencies to the root."""
    return node(
        machine,
        project,
        f"const p = require.resolve({json.dumps(parent)});"
        f"console.log(require('module').createRequire(p)({json.dumps(child)}))",
    )


def publish(machine: Workspace, source: Path, *args: str) -> None:
    machine.run("npm", "publish", *args, cwd=source).ok()


def a_library_with_a_dependency(machine: Workspace, name: str, dependency: str) -> Path:
    """`NAME@1.0.0` depending on `DEPENDENCY@^1.0.0`, exporting `NAME uses <the dependency>`."""
    manifest = {
        "name": name,
        "version": "1.0.0",
        "main": "index.js",
        "dependencies": {dependency: "^1.0.0"},
    }
    code = f"module.exports = {json.dumps(name + ' uses ')} + require({json.dumps(dependency)});\n"
    return write_package(machine.root / name, manifest, {"index.js": code})


def test_the_token_in_the_client_config_is_accepted(
    client: Client, workspace: Workspace, user: tuple[str, str], tmp_path: Path
) -> None:
    app = client.setup(workspace, "app")
    assert user[0] in client.whoami(workspace, app).ok().out.split()

    forged = Workspace(tmp_path / "forged", workspace.registry, token="tbx_not-a-token")
    result = client.whoami(forged, client.setup(forged, "app"))
    assert result.code != 0 and client.unauthorized in result.out


def test_add_a_package_with_a_dependency(
    client: Client, workspace: Workspace, anonymous: Workspace
) -> None:
    # given: a dependency with two 1.x versions, the newest published seconds ago
    dep, lib = unique("e2e-dep"), unique("e2e-lib")
    publish(workspace, a_library(workspace.root, dep, "1.0.0"))
    publish(workspace, a_library(workspace.root, dep, "1.1.0"))
    publish(workspace, a_library_with_a_dependency(workspace, lib, dep))

    # when: someone adds the library
    app = client.setup(anonymous, "app")
    client.add(anonymous, app, lib).ok()

    # then: both load, with the newest matching dependency (not held back, not an older one)
    assert node(anonymous, app, f"console.log(require('{lib}'))") == f"{lib} uses {dep}@1.1.0"
    assert require_through(anonymous, app, lib, dep) == f"{dep}@1.1.0"
    manifest = json.loads((app / "package.json").read_text())
    assert set(manifest["dependencies"]) == {lib}
    assert (app / client.lockfile).stat().st_size > 0


def test_add_a_scoped_package(
    client: Client, workspace: Workspace, user: tuple[str, str], anonymous: Workspace
) -> None:
    name = f"@{user[0]}/{unique('x')}"
    publish(workspace, a_library(workspace.root, name), "--access", "public")

    app = client.setup(anonymous, "app")
    client.add(anonymous, app, name).ok()

    assert node(anonymous, app, f"console.log(require('{name}'))") == f"{name}@1.0.0"
    assert (app / "node_modules" / name / "package.json").exists()
    assert name in json.loads((app / "package.json").read_text())["dependencies"]


def test_install_from_the_lockfile_in_a_fresh_project(
    client: Client,
    workspace: Workspace,
    user: tuple[str, str],
    anonymous: Workspace,
    tmp_path: Path,
) -> None:
    # given: a project whose lockfile pins a library, its dependency and a scoped package
    dep, lib = unique("e2e-dep"), unique("e2e-lib")
    scoped = f"@{user[0]}/{unique('pinned')}"
    publish(workspace, a_library(workspace.root, dep, "1.0.0"))
    publish(workspace, a_library_with_a_dependency(workspace, lib, dep))
    publish(workspace, a_library(workspace.root, scoped), "--access", "public")
    app = client.setup(anonymous, "app")
    client.add(anonymous, app, lib, scoped).ok()
    lock = (app / client.lockfile).read_text()
    assert dep in lock and lib in lock and scoped in lock

    # and: a newer dependency the lockfile must not pick up
    publish(workspace, a_library(workspace.root, dep, "1.2.0"))

    # when: another machine, with empty caches and store, installs from that lockfile only
    fresh = Workspace(tmp_path / "fresh", workspace.registry)
    clone = client.copy_project(app, fresh, "clone")
    client.install_frozen(fresh, clone).ok()

    # then: the very same tree is there, and the lockfile is untouched
    assert (clone / "node_modules" / lib / "index.js").exists()
    assert (clone / "node_modules" / scoped / "index.js").exists()
    assert node(fresh, clone, f"console.log(require('{lib}'))") == f"{lib} uses {dep}@1.0.0"
    assert node(fresh, clone, f"console.log(require('{scoped}'))") == f"{scoped}@1.0.0"
    assert (clone / client.lockfile).read_text() == lock


def test_run_a_bin_through_the_client(client: Client, workspace: Workspace) -> None:
    dep, tool = unique("e2e-dep"), unique("e2e-tool")
    publish(workspace, a_library(workspace.root, dep))
    source = write_package(
        workspace.root / tool,
        {"name": tool, "version": "1.0.0", "bin": {tool: "cli.js"}, "dependencies": {dep: "1"}},
        {
            "cli.js": "#!/usr/bin/env node\n"
            f"console.log('{tool} says', process.argv.slice(2).join(' '), 'with', "
            f"require('{dep}'))\n"
        },
    )
    publish(workspace, source)

    # (installed on the publisher's machine: npm and pnpm send its token on reads too)
    app = client.setup(workspace, "app")
    client.add(workspace, app, tool).ok()
    assert (app / "node_modules" / ".bin" / tool).exists()

    result = client.run_bin(workspace, app, tool, "hello", "world").ok()
    assert f"{tool} says hello world with {dep}@1.0.0" in result.out


def test_pnpm_publish_then_npm_install(
    workspace: Workspace, user: tuple[str, str], anonymous: Workspace
) -> None:
    # given: an unscoped and a scoped package published with pnpm (its PUT, its encoding)
    plain, scoped = unique("e2e-pnpm"), f"@{user[0]}/{unique('pnpm')}"
    for name, extra in ((plain, ()), (scoped, ("--access", "public"))):
        source = a_library(workspace.root, name, description="published by pnpm")
        out = workspace.run("pnpm", "publish", "--no-git-checks", *extra, cwd=source).ok().out
        assert f"Published package {name}@1.0.0" in out

    # when: npm installs them
    app = anonymous.project("app")
    anonymous.run("npm", "install", plain, scoped, cwd=app).ok()

    # then: the code is pnpm's upload, and the registry recorded who published it
    for name in (plain, scoped):
        assert node(anonymous, app, f"console.log(require('{name}'))") == f"{name}@1.0.0"
        view = json.loads(anonymous.run("npm", "view", name, "--json").ok().out)
        assert view["description"] == "published by pnpm"
        assert view["_npmUser"].startswith(user[0])
        assert view["dist"]["integrity"].startswith("sha512-")


def test_a_member_installs_a_private_package(
    client: Client, workspace: Workspace, user: tuple[str, str], tmp_path: Path
) -> None:
    # given: a private package of the user's own scope, paid for, and a collaborator on it
    subscribe(workspace.registry, user[0])
    name = f"@{user[0]}/{unique('private')}"
    publish(workspace, a_library(workspace.root, name))  # scoped: private by default
    colleague = unique("colleague")
    helper = Workspace(
        tmp_path / "colleague", workspace.registry, token=add_user(workspace.registry, colleague)
    )
    workspace.run("npm", "owner", "add", colleague, name).ok()

    # when: the colleague adds it with this client, and installs again from the lockfile
    app = client.setup(helper, "app")
    client.add(helper, app, name).ok()
    assert node(helper, app, f"console.log(require('{name}'))") == f"{name}@1.0.0"
    fresh = Workspace(tmp_path / "fresh", workspace.registry, token=helper.token)
    clone = client.copy_project(app, fresh, "clone")
    client.install_frozen(fresh, clone).ok()
    assert node(fresh, clone, f"console.log(require('{name}'))") == f"{name}@1.0.0"

    # then: without credentials the same lockfile installs nothing
    stranger = Workspace(tmp_path / "stranger", workspace.registry)
    refused = client.install_frozen(stranger, client.copy_project(app, stranger, "clone"))
    assert refused.code != 0
