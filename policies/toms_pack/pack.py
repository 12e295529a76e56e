"""The pack: every rule the `rules` package defines, then the policies that report waived and advisory
findings (`FindingsHandoff.arrange` states why they come last), served with the version
PulumiPolicy.yaml declares."""

from __future__ import annotations

import re
from pathlib import Path

from pulumi_policy import Policy

from . import rules
from .kit import FindingsHandoff, Rule, discover

PACK_NAME = "toms"
PACK_DESCRIPTION = (
    "Enforces the data-processing agreement's technical and organisational measures (Annex II) on AWS: "
    "encryption, private networking, self-healing services, predetermined retention and audit logging."
)
PACK_PROJECT_FILE = Path(__file__).resolve().parents[1] / "PulumiPolicy.yaml"


def pack_version() -> str:
    """The `version:` of PulumiPolicy.yaml, the one place the pack's version is written."""
    text = PACK_PROJECT_FILE.read_text(encoding="utf-8")
    found = re.search(r"^version:\s*['\"]?([^'\"\s#]+)", text, re.MULTILINE)
    if found is None:
        raise ValueError(f"{PACK_PROJECT_FILE}: no `version:` line")
    return found.group(1)


def all_rules() -> tuple[Rule, ...]:
    """Every rule of the pack, in the order the engine runs them."""
    return discover(rules)


def policies() -> list[Policy]:
    return FindingsHandoff().arrange(all_rules())


def serve() -> None:
    from .kit.server import serve as serve_pack

    serve_pack(PACK_NAME, pack_version(), PACK_DESCRIPTION, all_rules())
