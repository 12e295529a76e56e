"""The policy reference, docs/policies.md, rendered from the registry itself: every policy, the resource
types it judges, the TOM lines it enforces, its severity, its config and defaults; then every judged type
with its policies, and the reviewed harmless types with their reasons. A test keeps the file
current; rewrite it with `python -m policies.toms_pack.reference` from the repository root."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import catalogue
from .harmless_types import ESCAPE_HATCHES, HARMLESS_TYPES
from .kit import EXEMPTION_MAX_DAYS, WAIVED_FINDINGS, WAIVED_STACK_FINDINGS, Rule
from .pack import all_rules, pack_version
from .rules.closed_world import POLICY as CLOSED_WORLD_POLICY
from .rules.tags import TAGGABLE_TYPES

DOCS_FILE = Path(__file__).resolve().parents[2] / "docs" / "policies.md"

# Schema keywords that say what a config value may be, in the order they are shown.
_CONSTRAINTS = (
    "type",
    "enum",
    "minimum",
    "maximum",
    "minItems",
    "uniqueItems",
    "items",
    "contains",
    "allOf",
    "not",
)


def _types(rule: Rule) -> str:
    if rule.kind == "stack":
        judged = ", ".join(f"`{token}`" for token in sorted(rule.resource_types))
        return (
            f"the whole stack (joins resources): {judged}" if judged else "the whole stack (joins resources)"
        )
    if rule.resource_types == TAGGABLE_TYPES:
        count = len(TAGGABLE_TYPES)
        return f"every AWS type whose schema has `tags` ({count} types, `rules/taggable-types.txt`)"
    return ", ".join(f"`{token}`" for token in sorted(rule.resource_types))


def _constraints(schema: Mapping[str, Any]) -> str:
    shown = {key: schema[key] for key in _CONSTRAINTS if key in schema}
    return json.dumps(shown, sort_keys=False).replace("|", "\\|")


def _config(rule: Rule) -> list[str]:
    if not rule.properties:
        return ["Config: `waivers` only."]
    lines = ["| Config | Default | Allowed |", "|---|---|---|"]
    for key, schema in rule.properties.items():
        default = json.dumps(schema.get("default")).replace("|", "\\|")
        lines.append(f"| `{key}` | `{default}` | `{_constraints(schema)}` |")
    return lines


def render() -> str:
    rules = all_rules()
    lines = [
        "# Policy reference",
        "",
        f"Generated from the toms pack {pack_version()}'s registry by",
        "`python -m policies.toms_pack.reference`; `tests/policies/test_reference.py` fails when it is out",
        "of date. How the pack decides (unknown values, joins, waivers, config) is in",
        "[policies/README.md](../policies/README.md).",
        "",
        f"{len(rules)} rule policies, all **mandatory**, and two advisory policies (`{WAIVED_FINDINGS}`,",
        f"`{WAIVED_STACK_FINDINGS}`) that report waived findings, lowered enforcement levels and waivers",
        "that match nothing. Every policy's config also takes `waivers` (resources by URN or",
        "`<type chain>::<name>`, a `reason`, an `expires` date) and, to run below mandatory, an",
        f"`enforcementLevel` with `reason` and `expires`, at most {EXEMPTION_MAX_DAYS} days ahead.",
        "",
        "| Policy | Kind | Severity | TOM lines |",
        "|---|---|---|---|",
    ]
    for rule in rules:
        toms = ", ".join(measure.id for measure in catalogue.measures_for_policy(rule.name))
        lines.append(f"| [`{rule.name}`](#{rule.name}) | {rule.kind} | {rule.severity.value} | {toms} |")
    for rule in rules:
        lines += [
            "",
            f"## {rule.name}",
            "",
            rule.description,
            "",
            f"- Severity: {rule.severity.value}; kind: {rule.kind} policy",
            f"- Judges: {_types(rule)}",
        ]
        lines += [
            f"- TOM {measure.id}: {measure.line}" for measure in catalogue.measures_for_policy(rule.name)
        ]
        lines += [f"- Remediation: {rule.remediation}", "", *_config(rule)]
    return "\n".join([*lines, *_closed_world()]) + "\n"


def _closed_world() -> list[str]:
    """Every type some policy judges, with its policies; the reviewed harmless types; the escape hatches."""
    judged: dict[str, list[str]] = {}
    for rule in all_rules():
        if not rule.reviews_types:
            continue
        for token in rule.resource_types:
            judged.setdefault(token, []).append(rule.name)
    lines = [
        "",
        "## Resource types",
        "",
        "The pack is a closed world: a custom resource whose type is neither judged below nor reviewed as",
        f"harmless is blocked by `{CLOSED_WORLD_POLICY}` (see",
        "[policies/README.md](../policies/README.md#closed-world-every-resource-type-is-judged-reviewed-as-harmless-or-blocked)).",
        "`required-tags` runs on every taggable type but checks only tags, so it reviews none.",
        "",
        f"### Judged ({len(judged)} types)",
        "",
        "| Type | Policies |",
        "|---|---|",
    ]
    lines += [
        f"| `{token}` | {', '.join(f'[`{name}`](#{name})' for name in names)} |"
        for token, names in sorted(judged.items())
    ]
    lines += [
        "",
        f"### Reviewed as harmless ({len(HARMLESS_TYPES)} types)",
        "",
        "Listed in `policies/toms_pack/harmless_types.py`, each with why no input can weaken a measure.",
        "",
        "| Type | Why it is harmless |",
        "|---|---|",
    ]
    lines += [f"| `{token}` | {reason} |" for token, reason in sorted(HARMLESS_TYPES.items())]
    lines += [
        "",
        "### Never harmless",
        "",
        "These create whatever a template or a command says; only a pack-config `allowedTypes` entry with a",
        "reason and an expiry lets one through:",
        "",
        *(f"- `{token}`" for token in sorted(ESCAPE_HATCHES)),
    ]
    return lines


if __name__ == "__main__":
    DOCS_FILE.write_text(render(), encoding="utf-8")
    print(f"wrote {DOCS_FILE}")
