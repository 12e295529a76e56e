"""Rules and their registry: the `resource_rule` / `stack_rule` decorators register a rule where it is
defined, and `discover` imports every module of a rules package, so no list of rules is kept by hand."""

from __future__ import annotations

import functools
import importlib
import json
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import ModuleType
from typing import Any, Literal

from pulumi_policy import Severity

from .outcomes import Outcome
from .settings import (
    EXEMPTION_PROPERTIES,
    WAIVERS_SCHEMA,
    ConfigCheck,
    Settings,
    SharedSetting,
    read_settings,
    today,
)
from .values import Resource, Stack, plain

RuleKind = Literal["resource", "stack"]


@dataclass(frozen=True, eq=False)
class Rule:
    """One policy: cdk-nag style metadata and the function that checks it."""

    name: str
    description: str
    severity: Severity
    remediation: str
    kind: RuleKind
    check: Callable[..., Iterable[Outcome]]
    # The types the rule judges: a resource rule runs on these only; a stack rule names what it reads.
    resource_types: frozenset[str] = frozenset()
    # The JSON schema of each config property the policy takes, with its secure `default`.
    properties: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    # Cross-field checks of the settings (for example min <= max); each returns an error message or None.
    config_checks: tuple[ConfigCheck, ...] = ()
    # For rules that apply by shape rather than by type; None means "by resource_types".
    applies_when: Callable[[Resource], bool] | None = None
    # Whether judging these types reviews them for the closed world (rules/closed_world.py). False for a
    # rule that checks one cross-cutting aspect of every type that has it, such as its tags.
    reviews_types: bool = True
    # Settings this policy shares with others (their keys are among `properties`): `Configure` refuses a
    # pack config that gives one of them different values in different policies.
    shared: tuple[SharedSetting, ...] = ()

    def applies_to(self, resource: Resource) -> bool:
        if self.applies_when is not None:
            return self.applies_when(resource)
        return resource.type in self.resource_types

    @property
    def config_schema(self) -> dict[str, Any]:
        """The JSON schema of this policy's config. No other key is allowed, so a misspelt property is an
        error instead of a silently kept default. `reason` and `expires` belong to a lowered
        `enforcementLevel` (`kit.packconfig`)."""
        return {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                **self.properties,
                "waivers": WAIVERS_SCHEMA,
                **EXEMPTION_PROPERTIES,
                "enforcementLevel": {"type": "string"},
            },
        }

    def settings(self, config: Mapping[str, Any] | None) -> Settings:
        """The rule's settings from its pack config, validated as the CLI's JSON schema check does."""
        return _settings_from_json(
            self, json.dumps(plain(config or {}), sort_keys=True, default=str), today()
        )


@functools.lru_cache(maxsize=256)
def _settings_from_json(rule: Rule, config_json: str, on_date: date) -> Settings:
    return read_settings(
        rule.config_schema, rule.properties, rule.config_checks, json.loads(config_json), on_date
    )


class Registry:
    """Every rule defined so far, by name, in the order their modules defined them."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}

    def add(self, rule: Rule) -> Rule:
        if rule.name in self._rules:
            raise ValueError(f"two rules are named {rule.name!r}; policy names must be unique")
        self._rules[rule.name] = rule
        return rule

    def rules(self) -> tuple[Rule, ...]:
        return tuple(self._rules.values())


REGISTRY = Registry()


def discover(package: ModuleType) -> tuple[Rule, ...]:
    """Import every module of `package` (each registers its rules) and return the rules they define: by
    module name, then in the order each module defines them, whatever order the modules were imported."""
    names = sorted(found.name for found in pkgutil.iter_modules(package.__path__))
    for name in names:
        importlib.import_module(f"{package.__name__}.{name}")
    order = {f"{package.__name__}.{name}": index for index, name in enumerate(names)}
    found = [rule for rule in REGISTRY.rules() if rule.check.__module__ in order]
    return tuple(sorted(found, key=lambda rule: order[rule.check.__module__]))


def _with_shared(
    name: str, properties: Mapping[str, dict[str, Any]] | None, shared: tuple[SharedSetting, ...]
) -> dict[str, dict[str, Any]]:
    merged = dict(properties or {})
    for setting in shared:
        if setting.key in merged:
            raise ValueError(f"{name}: property {setting.key!r} is also the shared setting {setting.meaning}")
        merged.update(setting.property)
    return merged


ResourceCheck = Callable[[Resource, Settings], Iterable[Outcome]]
StackCheck = Callable[[Stack, Settings], Iterable[Outcome]]


def resource_rule(
    name: str,
    description: str,
    severity: Severity,
    remediation: str,
    types: Iterable[str],
    properties: Mapping[str, dict[str, Any]] | None = None,
    config_checks: tuple[ConfigCheck, ...] = (),
    applies_when: Callable[[Resource], bool] | None = None,
    reviews_types: bool = True,
    shared: tuple[SharedSetting, ...] = (),
) -> Callable[[ResourceCheck], Rule]:
    """Decorator: register a rule checking one resource of one of `types` (or, if given, `applies_when`)."""

    def register(check: ResourceCheck) -> Rule:
        return REGISTRY.add(
            Rule(
                name,
                description,
                severity,
                remediation,
                "resource",
                check,
                frozenset(types),
                _with_shared(name, properties, shared),
                config_checks,
                applies_when,
                reviews_types,
                shared,
            )
        )

    return register


def stack_rule(
    name: str,
    description: str,
    severity: Severity,
    remediation: str,
    properties: Mapping[str, dict[str, Any]] | None = None,
    config_checks: tuple[ConfigCheck, ...] = (),
    types: Iterable[str] = (),
    shared: tuple[SharedSetting, ...] = (),
) -> Callable[[StackCheck], Rule]:
    """Decorator: register a rule that checks the whole stack; its outcomes name the resource at fault.

    `types` are the resource types the rule judges, so the closed world counts them as reviewed.
    """

    def register(check: StackCheck) -> Rule:
        return REGISTRY.add(
            Rule(
                name,
                description,
                severity,
                remediation,
                "stack",
                check,
                frozenset(types),
                _with_shared(name, properties, shared),
                config_checks,
                shared=shared,
            )
        )

    return register
