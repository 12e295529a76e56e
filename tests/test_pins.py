"""Dependencies are pinned in requirements.txt; the policy pack's own list may only repeat those pins."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

from toms import __version__

REPO = Path(__file__).resolve().parent.parent


def pins(path: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", f"{path.name}: {line} is not pinned with =="
            found[requirement.name.lower()] = specifier.version
    return found


def test_every_dependency_is_pinned_exactly() -> None:
    assert pins(REPO / "requirements.txt")


def test_the_pack_requires_exactly_the_repository_pins() -> None:
    repository = pins(REPO / "requirements.txt")
    pack = pins(REPO / "policies" / "requirements.txt")
    assert {name: repository.get(name) for name in pack} == pack


def test_the_pack_needs_no_more_than_it_imports() -> None:
    pack = set(pins(REPO / "policies" / "requirements.txt"))
    sources = "\n".join(
        path.read_text() for path in (REPO / "policies").rglob("*.py") if "venv" not in path.parts
    )
    imported = {
        name
        for name in pack
        if f"import {name.replace('-', '_')}" in sources or f"from {name.replace('-', '_')}" in sources
    }
    assert imported == pack


def test_one_version_for_the_product_its_tags_and_its_pack() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    pack = yaml.safe_load((REPO / "policies" / "PulumiPolicy.yaml").read_text())["version"]
    assert project == __version__ == str(pack)
