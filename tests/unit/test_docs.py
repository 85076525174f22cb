"""The docs against the tree: a map that no longer matches the code fails here, not a newcomer.

Pure file reads. Each test says what to fix when it fails; fix the docs (or the code), not this.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
CONTRIBUTING = ROOT / "CONTRIBUTING.md"
ARCHITECTURE = DOCS / "architecture.md"
CONFIGURATION = DOCS / "configuration.md"
SETTINGS = ROOT / "chalicelib" / "settings.py"
CONFIGURATION_TABLES = (README, CONFIGURATION)
# Where code and scripts name a page of docs/ (in comments, docstrings, messages).
SOURCES = ("app.py", "chalicelib", "infra", "bench", "tests")

PAGES = sorted(DOCS.glob("*.md"))
MARKDOWN = [README, CONTRIBUTING, *PAGES]

FENCE = re.compile(r"^```.*?^```[ \t]*$", re.M | re.S)
LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
DOCS_MENTION = re.compile(r"(?<![\w/.-])docs/([\w-]+(?:\.md)?)")
REPO_PATH = re.compile(r"(?:chalicelib|tests|infra|bench)/\S*")
PLACEHOLDER = re.compile(r"[<>…*{}|]")
VARIABLE = re.compile(r"^TARBOX_[A-Z0-9_]+$")


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _section(path: Path, title: str) -> str:
    """The text under `## title`, up to the next heading of that level (code blocks included)."""
    lines = path.read_text().splitlines()
    out: list[str] = []
    inside = fenced = False
    for line in lines:
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            inside = line[3:].strip() == title
            continue
        if inside:
            out.append(line)
    assert out, f"{_relative(path)} has no `## {title}` section"
    return "\n".join(out)


def _packages() -> list[str]:
    return sorted(p.name for p in (ROOT / "chalicelib").iterdir() if (p / "__init__.py").is_file())


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    found: set[str] = set()
    for line in FENCE.sub("", path.read_text()).splitlines():
        if line.startswith("#"):
            slug = _slug(line.lstrip("#"))
            n, candidate = 0, slug
            while candidate in found:
                n += 1
                candidate = f"{slug}-{n}"
            found.add(candidate)
    return found


def _sources() -> Iterator[Path]:
    yield ROOT / "Makefile"
    yield ROOT / "pyproject.toml"
    for name in SOURCES:
        path = ROOT / name
        yield from [path] if path.is_file() else sorted(path.rglob("*.py"))


def _string_constants(path: Path) -> set[str]:
    return {
        node.value
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


# (a) every package of chalicelib/ is on both maps, and the maps name no package that is gone.


@pytest.mark.parametrize(
    ("page", "section"), [(README, "Layout"), (ARCHITECTURE, "Layers")], ids=["readme", "arch"]
)
def test_every_chalicelib_package_is_on_the_map(page: Path, section: str) -> None:
    text = _section(page, section)
    packages = _packages()
    missing = [p for p in packages if f"chalicelib/{p}/" not in text]
    assert not missing, f"add to the {section} section of {_relative(page)}: {missing}"
    named = set(re.findall(r"chalicelib/(\w+)/", text))
    gone = sorted(named - set(packages))
    assert not gone, f"{_relative(page)}'s {section} names packages that do not exist: {gone}"


# (b) links and mentions point at files that exist.


@pytest.mark.parametrize("page", MARKDOWN, ids=_relative)
def test_relative_links_point_at_files_that_exist(page: Path) -> None:
    broken = []
    for target in LINK.findall(FENCE.sub("", page.read_text())):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and file.suffix == ".md" and anchor not in _anchors(file):
            broken.append(f"{target} (no such heading in {_relative(file)})")
    assert not broken, f"{_relative(page)}: broken links: {broken}"


@pytest.mark.parametrize("page", MARKDOWN, ids=_relative)
def test_backticked_repository_paths_exist(page: Path) -> None:
    """`chalicelib/acl/policy.py`, `tests/e2e/harness.py` and the like; not patterns (`<name>`)."""
    missing = []
    for span in CODE_SPAN.findall(FENCE.sub("", page.read_text())):
        path = span.split("::")[0]
        placeholder = PLACEHOLDER.search(path)
        if REPO_PATH.fullmatch(path) and not placeholder and not (ROOT / path).exists():
            missing.append(span)
    assert not missing, f"{_relative(page)} names paths that do not exist: {missing}"


def _docs_mentions() -> Iterator[tuple[Path, str]]:
    for path in [*MARKDOWN, *_sources()]:
        for name in DOCS_MENTION.findall(path.read_text()):
            yield path, name


def test_every_mention_of_a_docs_page_names_one_that_exists() -> None:
    """`docs/deploy.md` in the README, `See docs/configuration.md.` in a comment, and so on."""
    missing = sorted(
        f"{_relative(path)}: docs/{name}"
        for path, name in _docs_mentions()
        if not (DOCS / name).exists() and not (DOCS / f"{name}.md").is_file()
    )
    assert not missing, f"no such page in docs/: {missing}"


# (c) the configuration tables list exactly the variables chalicelib/settings.py reads.


def _table_variables() -> set[str]:
    found: set[str] = set()
    for page in CONFIGURATION_TABLES:
        for line in FENCE.sub("", page.read_text()).splitlines():
            if line.startswith("|"):
                first = line.split("|")[1]
                found.update(re.findall(r"`(TARBOX_[A-Z0-9_]+)`", first))
    return found


def test_the_configuration_tables_match_the_settings() -> None:
    read = {s for s in _string_constants(SETTINGS) if VARIABLE.match(s)}
    listed = _table_variables()
    assert read, "no TARBOX_* variables found in chalicelib/settings.py"
    assert not read - listed, f"add to docs/configuration.md's tables: {sorted(read - listed)}"
    assert not listed - read, (
        f"the configuration tables list variables settings.py never reads: {sorted(listed - read)}"
    )


def test_every_variable_the_code_names_is_documented() -> None:
    """The few read or set outside settings.py (the `tarbox` command's defaults, `tarbox serve`)."""
    text = CONFIGURATION.read_text()
    named = {
        (_relative(path), s)
        for path in sorted((ROOT / "chalicelib").rglob("*.py"))
        for s in _string_constants(path)
        if VARIABLE.match(s)
    }
    missing = sorted(f"{where}: {name}" for where, name in named if f"`{name}`" not in text)
    assert not missing, f"not in docs/configuration.md: {missing}"


# (d) the README's Docs section lists every page.


def test_the_readme_docs_index_lists_every_page() -> None:
    index = _section(README, "Docs")
    missing = [_relative(p) for p in PAGES if f"({_relative(p)})" not in index]
    assert not missing, f"add a line to the README's Docs section for: {missing}"
    assert "(CONTRIBUTING.md)" in index


# The blob layout architecture.md describes is the one publishes write and exports carry.


def test_the_tarball_key_is_the_one_architecture_describes() -> None:
    from chalicelib.packuments.dist import tarball_key

    assert "`tarballs/<name>/<sha1>.tgz`" in _section(ARCHITECTURE, "Data layout")
    assert tarball_key("@scope/name", "ab12") == "tarballs/@scope/name/ab12.tgz"
    # Made in one place: every writer (publish, mirror, import) calls tarball_key.
    elsewhere = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "chalicelib").rglob("*.py")
        if '"tarballs/' in path.read_text() and path.name != "dist.py"
    ]
    assert not elsewhere, elsewhere
    tarballs = ROOT / "tests" / "fixtures" / "real_tree" / "export" / "blobs" / "tarballs"
    files = sorted(tarballs.rglob("*.tgz"))
    assert files
    for file in files:
        assert file.stem == hashlib.sha1(file.read_bytes()).hexdigest(), file
