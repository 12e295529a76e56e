"""What every rule of the pack shares: rule metadata, property access, pack config, waivers and unknowns.

A rule is a plain function from a resource (or the whole stack) and its settings to outcomes: a
`Violation` (what is wrong and what to change) or an `Unverifiable` (a value the engine does not know
yet). `build_policy` turns a rule into a `pulumi_policy` policy that:

- validates the policy's pack config against the same JSON schema the Pulumi CLI validates, and reports a
  broken config (for example a waiver without a reason) as a violation instead of ignoring it;
- suppresses a violation only for a resource named by a waiver that has a reason and has not expired, and
  hands the suppressed finding to the advisory `waived-findings` / `waived-stack-findings` policies so it
  still shows in the evidence;
- turns an unknown value into an advisory during preview (the check runs again at update time) and into a
  violation at update time, when every input should be known;
- never raises: a malformed property shape is a violation that says what was expected.
"""

from __future__ import annotations

import functools
import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import jsonschema
from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

from . import catalogue

FRAMEWORK_NAME = "DPA Annex II (technical and organisational measures)"
WAIVED_FINDINGS = "waived-findings"
WAIVED_STACK_FINDINGS = "waived-stack-findings"

_UNKNOWN_SENTINELS = frozenset(
    {
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_STRING_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_OBJECT_VALUE,
    }
)


class _Marker:
    def __init__(self, label: str) -> None:
        self._label = label

    def __repr__(self) -> str:
        return self._label

    def __bool__(self) -> bool:
        return False


UNKNOWN: Any = _Marker("UNKNOWN")
"""A value the engine does not know yet (preview: it depends on another resource's output)."""
MISSING: Any = _Marker("MISSING")
"""A property that is not set at all."""


def is_unknown(value: object) -> bool:
    return value is UNKNOWN


def plain(value: Any) -> Any:
    """A copy of the policy SDK's property proxies as dicts and lists, with `UNKNOWN` for unknown values."""
    if isinstance(value, str):
        return UNKNOWN if value in _UNKNOWN_SENTINELS else value
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key in value:
            try:
                result[str(key)] = plain(value[key])
            except UnknownValueError:
                result[str(key)] = UNKNOWN
        return result
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        items: list[Any] = []
        for index in range(len(value)):
            try:
                items.append(plain(value[index]))
            except UnknownValueError:
                items.append(UNKNOWN)
        return items
    return value


def lookup(value: Any, *path: str | int) -> Any:
    """The value at `path`: `UNKNOWN` if a step is unknown, `MISSING` if absent or not a container."""
    for step in path:
        if value is UNKNOWN:
            return UNKNOWN
        if isinstance(step, str) and isinstance(value, Mapping):
            value = value.get(step, MISSING)
        elif isinstance(step, int) and isinstance(value, list) and -len(value) <= step < len(value):
            value = value[step]
        else:
            return MISSING
        if value is None:
            return MISSING
    return value


def as_int(value: Any) -> int | None:
    """An integral number as an int (the protocol sends every number as a double); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


def as_list(value: Any) -> list[Any] | None:
    """A list property (absent counts as empty); None when the value has another shape."""
    if value is MISSING:
        return []
    if isinstance(value, list):
        return value
    return None


def describe(value: Any) -> str:
    if value is MISSING:
        return "not set"
    if value is UNKNOWN:
        return "unknown"
    return json.dumps(value) if isinstance(value, str | int | float | bool | list | dict) else repr(value)


def is_set_reference(value: Any) -> bool:
    """True when a reference (an ARN, a key id, a name) is present.

    An unknown reference counts as present: in preview a key ARN or bucket name that comes from another
    resource's output is unknown, but it exists; only its value is not known yet.
    """
    return value is UNKNOWN or (isinstance(value, str) and value.strip() != "")


# `alias/aws/<service>` names an AWS-managed key, on its own or at the end of an alias ARN. Those keys'
# policies cannot be changed, so the client cannot control or revoke access to what they encrypt.
_AWS_MANAGED_KEY_ALIAS = re.compile(r"^(arn:aws[a-z-]*:kms:[^:]*:[^:]*:)?alias/aws/", re.IGNORECASE)


def is_aws_managed_key_reference(value: Any) -> bool:
    return isinstance(value, str) and _AWS_MANAGED_KEY_ALIAS.match(value.strip()) is not None


def is_customer_key_reference(value: Any) -> bool:
    """True when a KMS key reference is set and does not name an AWS-managed key by its alias.

    A key id or key ARN of an AWS-managed key cannot be told apart from a customer key's without asking
    AWS (DescribeKey's KeyManager), which a policy cannot do; only the alias gives it away.
    """
    return is_set_reference(value) and not is_aws_managed_key_reference(value)


# --- outcomes -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """One resource as a rule sees it: plain properties, and for stack rules its place in the graph."""

    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    provider_props: Mapping[str, Any] = field(default_factory=dict)
    parent: str | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def get(self, *path: str | int) -> Any:
        return lookup(self.props, *path)


@dataclass(frozen=True)
class Violation:
    """A finding: `message` says what is wrong and what to change. `resource` is set by stack rules."""

    message: str
    resource: Resource | None = None


@dataclass(frozen=True)
class Unverifiable:
    """A property whose value the engine does not know yet, so the rule cannot decide."""

    path: str
    resource: Resource | None = None


Outcome = Violation | Unverifiable


def require_true(resource: Resource, key: str, message: str) -> Iterator[Outcome]:
    """A boolean flag that must be `true`."""
    value = resource.get(key)
    if value is UNKNOWN:
        yield Unverifiable(key)
    elif value is not True:
        yield Violation(f"{key} is {describe(value)}: {message}")


def forbid_true(resource: Resource, key: str, message: str) -> Iterator[Outcome]:
    """A boolean flag that must not be `true` (absent means false)."""
    value = resource.get(key)
    if value is UNKNOWN:
        yield Unverifiable(key)
    elif value is MISSING or value is False:
        return
    elif value is True:
        yield Violation(f"{key} is true: {message}")
    else:
        yield Violation(f"{key} is {describe(value)}, expected a boolean: {message}")


def require_reference(resource: Resource, key: str, message: str) -> Iterator[Outcome]:
    if not is_set_reference(resource.get(key)):
        yield Violation(f"{key} is {describe(resource.get(key))}: {message}")


def require_customer_key(resource: Resource, key: str, message: str) -> Iterator[Outcome]:
    """A KMS key reference that must name a customer-managed key, not an AWS-managed `alias/aws/...` key."""
    value = resource.get(key)
    if is_aws_managed_key_reference(value):
        yield Violation(f"{key} is {describe(value)}, an AWS-managed key: {message}")
    elif not is_customer_key_reference(value):
        yield Violation(f"{key} is {describe(value)}: {message}")


def require_int_between(
    resource: Resource, key: str, low: int | None, high: int | None, message: str
) -> Iterator[Outcome]:
    value = resource.get(key)
    if value is UNKNOWN:
        yield Unverifiable(key)
        return
    number = as_int(value)
    if number is None:
        yield Violation(f"{key} is {describe(value)}, expected a whole number: {message}")
    elif (low is not None and number < low) or (high is not None and number > high):
        bounds = (
            f"between {low} and {high}"
            if low is not None and high is not None
            else (f"at least {low}" if low is not None else f"at most {high}")
        )
        yield Violation(f"{key} is {number}, expected {bounds}: {message}")


# --- settings and waivers -------------------------------------------------------------------------------

# The longest a waiver may run, from today (UTC): a year and a day, so it comes up at least once a year.
# Without a cap an expiry such as 9999-12-31 would make an exemption permanent.
WAIVER_MAX_DAYS = 366

WAIVERS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "description": "Exemptions: the policy is waived for the named resources (logical names or URNs) until "
    f"`expires` (YYYY-MM-DD, at most {WAIVER_MAX_DAYS} days from today). The waived finding is still "
    "reported as advisory.",
    "default": [],
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["resources", "reason", "expires"],
        "properties": {
            "resources": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
            "reason": {"type": "string", "minLength": 1, "pattern": r"\S"},
            "expires": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        },
    },
}


@dataclass(frozen=True)
class Waiver:
    resources: tuple[str, ...]
    reason: str
    expires: date

    def covers(self, resource: Resource) -> bool:
        return resource.name in self.resources or resource.urn in self.resources


@dataclass(frozen=True)
class Settings:
    """A policy's effective config: tunables with defaults filled in, valid waivers, and config errors."""

    values: Mapping[str, Any]
    waivers: tuple[Waiver, ...] = ()
    errors: tuple[str, ...] = ()

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def int(self, key: str) -> int:
        number = as_int(self.values[key])
        assert number is not None, f"{key} passed schema validation as an integer"
        return number

    def strings(self, key: str) -> tuple[str, ...]:
        return tuple(str(item) for item in self.values[key])


def today() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True, eq=False)
class Rule:
    """One policy: cdk-nag style metadata and the function that checks it."""

    name: str
    description: str
    severity: Severity
    remediation: str
    kind: Literal["resource", "stack"]
    check: Callable[..., Iterable[Outcome]]
    resource_types: frozenset[str] = frozenset()
    properties: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    # Cross-field checks of the settings (for example min <= max); each returns an error message or None.
    config_checks: tuple[Callable[[Settings], str | None], ...] = ()
    # For rules that apply by shape rather than by type (required tags); None means "by resource_types".
    applies_when: Callable[[Resource], bool] | None = None

    def applies_to(self, resource: Resource) -> bool:
        if self.applies_when is not None:
            return self.applies_when(resource)
        return resource.type in self.resource_types

    @property
    def config_schema(self) -> dict[str, Any]:
        """The JSON schema of this policy's config, as the Pulumi CLI validates it."""
        return {
            "type": "object",
            "properties": {
                **self.properties,
                "waivers": WAIVERS_SCHEMA,
                "enforcementLevel": {"type": "string"},
            },
        }


def resource_rule(
    name: str,
    description: str,
    severity: Severity,
    remediation: str,
    types: Iterable[str],
    properties: Mapping[str, dict[str, Any]] | None = None,
    config_checks: tuple[Callable[[Settings], str | None], ...] = (),
    applies_when: Callable[[Resource], bool] | None = None,
) -> Callable[[Callable[[Resource, Settings], Iterable[Outcome]]], Rule]:
    """Decorator: the function checks one resource of one of `types` (or, if given, `applies_when`)."""

    def wrap(check: Callable[[Resource, Settings], Iterable[Outcome]]) -> Rule:
        return Rule(
            name,
            description,
            severity,
            remediation,
            "resource",
            check,
            frozenset(types),
            properties or {},
            config_checks,
            applies_when,
        )

    return wrap


def stack_rule(
    name: str,
    description: str,
    severity: Severity,
    remediation: str,
    properties: Mapping[str, dict[str, Any]] | None = None,
    config_checks: tuple[Callable[[Settings], str | None], ...] = (),
) -> Callable[[Callable[[Stack, Settings], Iterable[Outcome]]], Rule]:
    """Decorator: the function checks the whole stack; its violations name the resource at fault."""

    def wrap(check: Callable[[Stack, Settings], Iterable[Outcome]]) -> Rule:
        return Rule(
            name,
            description,
            severity,
            remediation,
            "stack",
            check,
            frozenset(),
            properties or {},
            config_checks,
        )

    return wrap


def bounds_check(low_key: str, high_key: str) -> Callable[[Settings], str | None]:
    def check(settings: Settings) -> str | None:
        low, high = settings.int(low_key), settings.int(high_key)
        return f"{low_key} ({low}) is greater than {high_key} ({high})" if low > high else None

    return check


@functools.lru_cache(maxsize=256)
def _settings_from_json(rule: Rule, config_json: str, on_date: date) -> Settings:
    config = json.loads(config_json)
    errors: list[str] = []
    validator = jsonschema.Draft7Validator(rule.config_schema)
    for error in sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path)):
        where = ".".join(str(part) for part in error.absolute_path) or "(config)"
        errors.append(f"{where}: {error.message}")
    values = {key: schema.get("default") for key, schema in rule.properties.items()}
    bad_keys = {str(error.split(":", 1)[0]).split(".")[0] for error in errors}
    for key in rule.properties:
        if key in config and key not in bad_keys:
            values[key] = config[key]
    waivers: list[Waiver] = []
    raw_waivers = config.get("waivers", [])
    for index, raw in enumerate(raw_waivers if isinstance(raw_waivers, list) else []):
        if any(error.startswith(f"waivers.{index}") or error.startswith("waivers:") for error in errors):
            continue
        try:
            expires = date.fromisoformat(raw["expires"])
        except ValueError:
            errors.append(f"waivers.{index}.expires: {raw['expires']!r} is not a calendar date (YYYY-MM-DD)")
            continue
        latest = on_date + timedelta(days=WAIVER_MAX_DAYS)
        if expires > latest:
            errors.append(
                f"waivers.{index}.expires: the waiver for {', '.join(raw['resources'])} expires on "
                f"{expires.isoformat()}, more than {WAIVER_MAX_DAYS} days from today "
                f"({on_date.isoformat()}); let it run until {latest.isoformat()} at the latest, then "
                "review and renew it"
            )
            continue
        waivers.append(Waiver(tuple(raw["resources"]), raw["reason"].strip(), expires))
    settings = Settings(values, tuple(waivers), tuple(errors))
    if not errors:
        cross = [message for check in rule.config_checks if (message := check(settings))]
        settings = Settings(values, tuple(waivers), tuple(cross))
    return settings


def settings_for(rule: Rule, config: Mapping[str, Any] | None) -> Settings:
    """The rule's settings from its pack config (validated exactly as the CLI's JSON schema check does)."""
    return _settings_from_json(rule, json.dumps(plain(config or {}), sort_keys=True, default=str), today())


# --- waived findings, handed from the policy that waived them to the reporting policy --------------------


@dataclass(frozen=True)
class WaivedFinding:
    policy: str
    urn: str
    message: str
    waiver: Waiver

    @property
    def report(self) -> str:
        until = self.waiver.expires.isoformat()
        return f"{self.policy}: waived until {until}: {self.waiver.reason}\n{self.message}"


_waived = threading.local()


def _waived_queue(kind: str) -> list[WaivedFinding]:
    queue: list[WaivedFinding] | None = getattr(_waived, kind, None)
    if queue is None:
        queue = []
        setattr(_waived, kind, queue)
    return queue


# --- running a rule -------------------------------------------------------------------------------------


def is_preview() -> bool:
    """True while the engine previews (`PULUMI_DRY_RUN=true`); an unset variable counts as an update."""
    return os.environ.get("PULUMI_DRY_RUN", "").lower() == "true"


class _StillUnknown(UnknownValueError):
    """Raised during preview so that the policy SDK reports an advisory, not a pass or a failure."""

    def __init__(self, paths: Sequence[str]) -> None:
        super().__init__(UNKNOWN_STRING_VALUE, [])
        self.message = (
            f"{', '.join(sorted(set(paths)))} unknown until the resources it depends on exist; "
            "the policy checks it again at update time and blocks the update if it is still unknown then"
        )


def _tom_suffix(rule: Rule) -> str:
    return f" [{catalogue.tom_reference(rule.name)}]"


def _settle(
    rule: Rule,
    settings: Settings,
    outcomes: Iterable[Outcome],
    subject: Resource | None,
    report: ReportViolation,
    queue: list[WaivedFinding],
) -> None:
    """Report what the rule found, honouring waivers, and deal with unknowns by the engine's phase."""
    for error in settings.errors:
        report(
            f"pack config error for policy {rule.name}: {error}. Fix stacks/policy-config (a waiver needs "
            f"resources, a reason and an expiry date YYYY-MM-DD at most {WAIVER_MAX_DAYS} days ahead).",
            None,
        )
    blocked = bool(settings.errors)
    unknown_paths: list[str] = []
    try:
        collected = list(outcomes)
    except Exception as error:
        collected = [
            Violation(
                f"the policy could not evaluate this resource's properties "
                f"({type(error).__name__}: {error}); the resource is treated as non-compliant"
            )
        ]
    on_date = today()
    for outcome in collected:
        resource = outcome.resource or subject
        urn = resource.urn if resource is not None else None
        if isinstance(outcome, Unverifiable):
            where = (
                f"{outcome.resource.name}.{outcome.path}" if outcome.resource is not None else outcome.path
            )
            unknown_paths.append(where)
            continue
        message = outcome.message + _tom_suffix(rule)
        waiver = next((w for w in settings.waivers if resource is not None and w.covers(resource)), None)
        if waiver is not None and waiver.expires >= on_date:
            queue.append(WaivedFinding(rule.name, urn or "", message, waiver))
            continue
        if waiver is not None:
            message += f" (the waiver for this resource expired on {waiver.expires.isoformat()})"
        blocked = True
        report(message, urn if rule.kind == "stack" else None)
    if unknown_paths and not blocked:
        if is_preview():
            raise _StillUnknown(unknown_paths)
        report(
            f"{', '.join(sorted(set(unknown_paths)))} is still unknown at update time, so the policy cannot "
            "show the resource complies; make the value known (a literal or a resolved output)."
            + _tom_suffix(rule),
            None,
        )


def _resource_from_args(args: ResourceValidationArgs) -> Resource:
    provider_props: Mapping[str, Any] = {}
    if args.provider is not None:
        provider_props = plain(args.provider.props)
    return Resource(args.resource_type, args.name, args.urn, plain(args.props), provider_props)


def _validate_resource(rule: Rule, args: ResourceValidationArgs, report: ReportViolation) -> None:
    if rule.applies_when is None and args.resource_type not in rule.resource_types:
        return
    resource = _resource_from_args(args)
    if not rule.applies_to(resource):
        return
    settings = settings_for(rule, args.get_config())
    _settle(rule, settings, rule.check(resource, settings), resource, report, _waived_queue("resource"))


@dataclass(frozen=True)
class Stack:
    """Every resource of the stack, with lookups by type and by reference."""

    resources: tuple[Resource, ...]

    def of_type(self, *types: str) -> list[Resource]:
        wanted = set(types)
        return [resource for resource in self.resources if resource.type in wanted]

    def by_urn(self, urn: str) -> Resource | None:
        return next((resource for resource in self.resources if resource.urn == urn), None)

    def referenced(
        self, source: Resource, key: str, candidates: Sequence[Resource], match_on: Sequence[str]
    ) -> list[Resource] | None:
        """The candidates that `source.<key>` points at, or None when that cannot be known yet.

        A reference is resolved through the engine's property dependencies (known even in preview) and
        through the value itself, compared with each candidate's `match_on` outputs (name, id, ARN).
        """
        urns = set(source.property_dependencies.get(key, ()))
        found = [candidate for candidate in candidates if candidate.urn in urns]
        value = source.get(key)
        if isinstance(value, str) and value:
            found += [
                candidate
                for candidate in candidates
                if candidate not in found and any(candidate.get(attr) == value for attr in match_on)
            ]
        if not found and value is UNKNOWN:
            return None
        return found


def _stack_from_args(args: StackValidationArgs) -> Stack:
    resources = []
    for resource in args.resources:
        provider_props: Mapping[str, Any] = {}
        if resource.provider is not None:
            provider_props = plain(resource.provider.props)
        resources.append(
            Resource(
                resource.resource_type,
                resource.name,
                resource.urn,
                plain(resource.props),
                provider_props,
                resource.parent.urn if resource.parent is not None else None,
                tuple(dependency.urn for dependency in resource.dependencies),
                {key: tuple(dep.urn for dep in deps) for key, deps in resource.property_dependencies.items()},
            )
        )
    return Stack(tuple(resources))


def _validate_stack(rule: Rule, args: StackValidationArgs, report: ReportViolation) -> None:
    stack = _stack_from_args(args)
    settings = settings_for(rule, args.get_config())
    _settle(rule, settings, rule.check(stack, settings), None, report, _waived_queue("stack"))


def _report_waived(kind: str, urn: str | None, report: ReportViolation) -> None:
    queue = _waived_queue(kind)
    findings = [finding for finding in queue if urn is None or finding.urn == urn]
    queue[:] = [finding for finding in queue if finding not in findings]
    for finding in findings:
        report(finding.report, finding.urn or None)


def _framework(rule_name: str) -> PolicyComplianceFramework:
    measures = catalogue.measures_for_policy(rule_name)
    return PolicyComplianceFramework(
        name=FRAMEWORK_NAME,
        reference=", ".join(measure.id for measure in measures),
        specification="; ".join(measure.line for measure in measures),
    )


def build_policy(rule: Rule) -> ResourceValidationPolicy | StackValidationPolicy:
    """The pulumi_policy policy for a rule: mandatory, with its config schema, severity and TOM lines."""
    schema_properties = {
        key: value for key, value in rule.config_schema["properties"].items() if key != "enforcementLevel"
    }
    common: dict[str, Any] = {
        "enforcement_level": EnforcementLevel.MANDATORY,
        "config_schema": PolicyConfigSchema(properties=schema_properties),
        "severity": rule.severity,
        "framework": _framework(rule.name),
        "tags": [measure.id for measure in catalogue.measures_for_policy(rule.name)],
        "remediation_steps": rule.remediation,
    }
    if rule.kind == "resource":
        return ResourceValidationPolicy(
            rule.name, rule.description, validate=functools.partial(_validate_resource, rule), **common
        )
    return StackValidationPolicy(
        rule.name, rule.description, validate=functools.partial(_validate_stack, rule), **common
    )


def waiver_reporting_policies() -> list[ResourceValidationPolicy | StackValidationPolicy]:
    """The two advisory policies that report waived findings; they must come last in the pack."""

    def report_resource(args: ResourceValidationArgs, report: ReportViolation) -> None:
        _report_waived("resource", args.urn, report)

    def report_stack(args: StackValidationArgs, report: ReportViolation) -> None:
        _report_waived("stack", None, report)

    common: dict[str, Any] = {"enforcement_level": EnforcementLevel.ADVISORY, "severity": Severity.LOW}
    return [
        ResourceValidationPolicy(
            WAIVED_FINDINGS,
            "Reports every resource finding a waiver in the pack config suppresses, with reason and expiry.",
            validate=report_resource,
            framework=_framework(WAIVED_FINDINGS),
            tags=[measure.id for measure in catalogue.measures_for_policy(WAIVED_FINDINGS)],
            **common,
        ),
        StackValidationPolicy(
            WAIVED_STACK_FINDINGS,
            "Reports every stack finding a waiver in the pack config suppresses, with its reason and expiry.",
            validate=report_stack,
            framework=_framework(WAIVED_STACK_FINDINGS),
            tags=[measure.id for measure in catalogue.measures_for_policy(WAIVED_STACK_FINDINGS)],
            **common,
        ),
    ]
