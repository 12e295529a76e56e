"""Every rule of the pack, in the order the engine runs them, and the policies built from them."""

from __future__ import annotations

from pulumi_policy import Policy

from . import (
    rules_ec2,
    rules_ecs,
    rules_edge,
    rules_kms,
    rules_logs,
    rules_network,
    rules_rds,
    rules_s3,
    rules_stack,
    rules_tags,
)
from .rulekit import Rule, build_policy, waiver_reporting_policies

PACK_NAME = "toms"
PACK_DESCRIPTION = (
    "Enforces the data-processing agreement's technical and organisational measures (Annex II) on AWS: "
    "encryption, private networking, self-healing services, predetermined retention and audit logging."
)

RULES: tuple[Rule, ...] = (
    *rules_rds.RULES,
    *rules_edge.RULES,
    *rules_ecs.RULES,
    *rules_logs.RULES,
    *rules_kms.RULES,
    *rules_network.RULES,
    *rules_ec2.RULES,
    *rules_tags.RULES,
    *rules_s3.RULES,
    *rules_stack.RULES,
)


def policies() -> list[Policy]:
    """The pack's policies; the waiver reports come last because they report what the others waived."""
    built: list[Policy] = [build_policy(rule) for rule in RULES]
    return built + list(waiver_reporting_policies())
