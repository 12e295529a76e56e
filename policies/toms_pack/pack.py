"""The pack's policies: every rule the `rules` package defines, then the policies that report waived and
advisory findings (`FindingsHandoff.arrange` states why they come last)."""

from __future__ import annotations

from pulumi_policy import Policy

from . import rules
from .kit import FindingsHandoff, Rule, discover

PACK_NAME = "toms"
PACK_DESCRIPTION = (
    "Enforces the data-processing agreement's technical and organisational measures (Annex II) on AWS: "
    "encryption, private networking, self-healing services, predetermined retention and audit logging."
)


def all_rules() -> tuple[Rule, ...]:
    """Every rule of the pack, in the order the engine runs them."""
    return discover(rules)


def policies() -> list[Policy]:
    return FindingsHandoff().arrange(all_rules())
