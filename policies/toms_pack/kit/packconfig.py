"""The pack config as a whole: config narrows, never loosens.

The Pulumi CLI hands each policy its enforcement level and properties (`Configure`); an `all` entry only
sets every policy's level. `review` checks what the pack was given, the same way for every caller:

- each policy's properties against its schema (no unknown keys: a typo such as `minDay` is an error, not
  silently ignored), cross-field bounds (min <= max) and its waivers;
- an enforcement level below the policy's own (mandatory for every rule) only with `reason` and
  `expires` in that policy's entry: an exemption, reported as advisory on every run. An `all` entry
  cannot carry them (the CLI passes only its level on), so lowering `all` is always refused;
- the policies that report waived and advisory findings can never be disabled;
- a setting several policies share (`SharedSetting`, such as the replica floor) has one value in all of
  them: the CLI fills in each policy's default, so a client who changes it changes it in every policy
  that reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from .registry import Rule
from .settings import EXEMPTION_PROPERTIES, Exemption, ExemptionError, SharedSetting, parse_exemption
from .values import describe

# How strongly each level enforces; remediate blocks like mandatory where a policy cannot remediate.
_STRENGTH = {"disabled": 0, "advisory": 1, "mandatory": 2, "remediate": 2}

# The keys of a policy's entry that belong to a lowered enforcement level, not to the rule.
LEVEL_EXEMPTION_KEYS = tuple(EXEMPTION_PROPERTIES)


@dataclass(frozen=True)
class RelaxedLevel:
    """A policy run below its own enforcement level, with the exemption that allows it."""

    policy: str
    level: str
    exemption: Exemption

    @property
    def report(self) -> str:
        return f"{self.policy}: enforcement lowered to {self.level} {self.exemption.terms}"


@dataclass(frozen=True)
class ConfigReview:
    problems: tuple[str, ...]
    relaxed: tuple[RelaxedLevel, ...]

    @property
    def message(self) -> str:
        """The one message every tool shows for a refused config."""
        listed = "\n".join(f"  - {problem}" for problem in self.problems)
        return (
            f"policy pack config refused (config may narrow the pack's checks, never loosen them):\n{listed}"
        )


def review(
    entries: Mapping[str, tuple[str, Mapping[str, Any]]],
    rules: Mapping[str, Rule],
    default_levels: Mapping[str, str],
    on_date: date,
) -> ConfigReview:
    """Check each policy's `(enforcement level, properties)` as `Configure` receives them."""
    problems: list[str] = []
    relaxed: list[RelaxedLevel] = []
    unexempted: list[str] = []
    for name in sorted(entries):
        if name not in default_levels:
            continue  # not a policy of this pack (such as an `all` entry): the CLI applies none of it
        level, properties = entries[name]
        rule = rules.get(name)
        if rule is not None:
            problems += [f"{name}: {error}" for error in rule.settings(properties).errors]
        default = default_levels[name]
        if _STRENGTH.get(level, 0) >= _STRENGTH[default]:
            continue
        if rule is None:
            problems.append(
                f"{name}: enforcementLevel {level}: this policy reports waived and advisory findings to the "
                f"evidence and cannot run below {default}"
            )
            continue
        if not all(key in properties for key in LEVEL_EXEMPTION_KEYS):
            unexempted.append(name)
            continue
        try:
            exemption = parse_exemption(properties, name, f"the lowered enforcement of {name}", on_date)
        except ExemptionError as error:
            problems.append(str(error))
            continue
        relaxed.append(RelaxedLevel(name, level, exemption))
    if unexempted:
        levels = sorted({entries[name][0] for name in unexempted})
        if set(unexempted) >= set(rules):
            who = f"every policy (an `all` entry of {'/'.join(levels)}: `all` cannot carry a reason)"
        else:
            who = ", ".join(unexempted)
        problems.append(
            f"enforcementLevel {'/'.join(levels)} below mandatory without `reason` and `expires` for {who}; "
            "lower a single policy with an entry such as "
            '{"enforcementLevel": "advisory", "reason": "...", "expires": "YYYY-MM-DD"}'
        )
    problems += _differing_shared_settings(entries, rules)
    return ConfigReview(tuple(problems), tuple(relaxed))


def _differing_shared_settings(
    entries: Mapping[str, tuple[str, Mapping[str, Any]]], rules: Mapping[str, Rule]
) -> list[str]:
    """One problem per shared setting whose policies would read different values (defaults filled in).

    A policy whose own config is broken is left out: its errors are reported already, and it runs on its
    secure defaults.
    """
    readers: dict[SharedSetting, list[Rule]] = {}
    for rule in rules.values():
        for setting in rule.shared:
            readers.setdefault(setting, []).append(rule)
    problems = []
    for setting, sharing in readers.items():
        # As messages show them: the protocol sends every number as a double, so 3.0 and 3 are one value.
        values: dict[str, str] = {}
        for rule in sharing:
            settings = rule.settings(entries.get(rule.name, ("", {}))[1])
            if not settings.errors:
                values[rule.name] = describe(settings.values[setting.key])
        if len(set(values.values())) > 1:
            listed = ", ".join(f"{name}.{setting.key} is {value}" for name, value in sorted(values.items()))
            problems.append(
                f"{listed}: {setting.key} is one setting, {setting.meaning}, read by each of these policies; "
                "set it to the same value in every one of them (a policy not listed in the config has the "
                "default)"
            )
    return problems
