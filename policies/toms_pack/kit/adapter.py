"""The adapter to `pulumi_policy`: each rule becomes a policy that

- validates the policy's pack config against the same JSON schema the Pulumi CLI validates, and reports a
  broken config (for example a waiver without a reason) as a violation instead of ignoring it;
- reports a `Violation` as mandatory, unless a waiver with a reason and an unexpired date names the
  resource: then the finding is handed over (`FindingsHandoff`) to the advisory reporting policies, so it
  still shows in the evidence; an `Advisory` takes the same path;
- turns an unknown value into an advisory during preview (the check runs again at update time) and into a
  violation at update time, when every input should be known;
- tells the engine the policy does not apply (`not_applicable()`) to a resource it does not check, and a
  stack policy that it does not apply to a stack holding none of the types it judges (when it found nothing);
- never raises otherwise: a malformed property shape is a violation that says what was expected.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from .. import catalogue
from .outcomes import Advisory, Outcome, Unverifiable, Violation
from .packconfig import RelaxedLevel
from .registry import Rule
from .settings import EXEMPTION_MAX_DAYS, Settings, Waiver, today
from .values import Resource, Stack, plain

FRAMEWORK_NAME = "DPA Annex II (technical and organisational measures)"
WAIVED_FINDINGS = "waived-findings"
WAIVED_STACK_FINDINGS = "waived-stack-findings"

Scope = Literal["resource", "stack"]


@dataclass(frozen=True)
class HandedFinding:
    """A finding a rule policy does not block with: waived (with its waiver) or advisory (waiver None)."""

    policy: str
    urn: str
    message: str
    waiver: Waiver | None = None

    @property
    def report(self) -> str:
        if self.waiver is None:
            return f"{self.policy}: {self.message}"
        return f"{self.policy}: waived {self.waiver.exemption.terms}\n{self.message}"


class FindingsHandoff:
    """Carries findings from the rule policies that found them to the advisory policies that report them.

    Ordering, stated here and nowhere else: `arrange` lists every rule policy first and the two reporting
    policies last. The policy SDK runs one request's policies in list order, on the thread serving that
    request, so when a reporting policy runs, every rule of the same request has handed its findings over.
    Queues are per thread, so requests served at the same time stay apart; a reporting policy takes
    everything queued on its thread for its scope (resource or stack).
    """

    def __init__(self) -> None:
        self._local = threading.local()
        # Policies run below their own enforcement level by an exemption (set by `Configure`); the stack
        # reporter lists them on every run.
        self.relaxed: tuple[RelaxedLevel, ...] = ()
        # Every policy's waivers (set by `Configure`): the stack reporter names those matching no resource.
        self.waivers: dict[str, tuple[Waiver, ...]] = {}

    def _queue(self, scope: Scope) -> list[HandedFinding]:
        queue: list[HandedFinding] | None = getattr(self._local, scope, None)
        if queue is None:
            queue = []
            setattr(self._local, scope, queue)
        return queue

    def hand_over(self, scope: Scope, finding: HandedFinding) -> None:
        queue = self._queue(scope)
        # Findings for another resource were left by an earlier request whose reporter did not run
        # (a config disabled it): drop them, so the queue cannot grow and nothing is reported twice.
        if scope == "resource":
            queue[:] = [queued for queued in queue if queued.urn == finding.urn]
        queue.append(finding)

    def take(self, scope: Scope) -> list[HandedFinding]:
        queue = self._queue(scope)
        taken = list(queue)
        queue.clear()
        return taken

    def reporting_policies(self) -> list[Policy]:
        def report_resource(args: ResourceValidationArgs, report: ReportViolation) -> None:
            for finding in self.take("resource"):
                report(finding.report, None)

        def report_stack(args: StackValidationArgs, report: ReportViolation) -> None:
            for relaxed in self.relaxed:
                report(relaxed.report, None)
            urns = [resource.urn for resource in args.resources]
            for policy, waivers in sorted(self.waivers.items()):
                for waiver in waivers:
                    for reference in waiver.resources:
                        if not any(waiver.names(reference, urn) for urn in urns):
                            report(
                                f"{policy}: the waiver for {reference} matches no resource of this stack; "
                                "remove it, or name the resource by its URN (or `<type chain>::<name>`)",
                                None,
                            )
            for finding in self.take("stack"):
                report(finding.report, finding.urn or None)

        common: dict[str, Any] = {"enforcement_level": EnforcementLevel.ADVISORY, "severity": Severity.LOW}
        return [
            ResourceValidationPolicy(
                WAIVED_FINDINGS,
                "Reports each resource finding that is waived (with reason and expiry) or advisory.",
                validate=report_resource,
                framework=_framework(WAIVED_FINDINGS),
                tags=_tags(WAIVED_FINDINGS),
                **common,
            ),
            StackValidationPolicy(
                WAIVED_STACK_FINDINGS,
                "Reports each stack finding that is waived (with reason and expiry) or advisory.",
                validate=report_stack,
                framework=_framework(WAIVED_STACK_FINDINGS),
                tags=_tags(WAIVED_STACK_FINDINGS),
                **common,
            ),
        ]

    def arrange(self, rules: Sequence[Rule]) -> list[Policy]:
        """The pack's policies in the order the hand-off needs: every rule's policy, then the reporters."""
        return [build_policy(rule, self) for rule in rules] + self.reporting_policies()


class _Phase:
    """Whether the engine previews, as its last `ConfigureStack` said (`dry_run`); None before one."""

    dry_run: bool | None = None


PHASE = _Phase()


def is_preview() -> bool:
    """True while the engine previews: as `ConfigureStack` said, else `PULUMI_DRY_RUN=true` (the engine
    sets both; an unset variable counts as an update, the stricter phase)."""
    if PHASE.dry_run is not None:
        return PHASE.dry_run
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
    handoff: FindingsHandoff,
) -> bool:
    """Report what the rule found, honouring waivers, and deal with unknowns by the engine's phase; whether
    there was anything to report (a finding, an unknown or a config error)."""
    for error in settings.errors:
        report(
            f"pack config error for policy {rule.name}: {error}. Fix stacks/policy-config (a waiver needs "
            f"resources, a reason and an expiry date YYYY-MM-DD at most {EXEMPTION_MAX_DAYS} days ahead).",
            None,
        )
    blocked = bool(settings.errors)
    unknowns: list[tuple[str, str]] = []
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
        urn = resource.urn if resource is not None else ""
        if isinstance(outcome, Unverifiable):
            where = (
                f"{outcome.resource.name}.{outcome.path}" if outcome.resource is not None else outcome.path
            )
            unknowns.append((where, urn))
            continue
        message = outcome.message + _tom_suffix(rule)
        if isinstance(outcome, Advisory):
            handoff.hand_over(rule.kind, HandedFinding(rule.name, urn, message))
            continue
        waiver = next((w for w in settings.waivers if resource is not None and w.covers(resource.urn)), None)
        if waiver is not None and waiver.exemption.active(on_date):
            handoff.hand_over(rule.kind, HandedFinding(rule.name, urn, message, waiver))
            continue
        if waiver is not None:
            message += f" (the waiver for this resource expired on {waiver.exemption.expires.isoformat()})"
        blocked = True
        report(message, (urn or None) if rule.kind == "stack" else None)
    if rule.kind == "stack":
        _settle_stack_unknowns(rule, unknowns, report)
    elif unknowns and not blocked:
        paths = [where for where, _ in unknowns]
        if is_preview():
            raise _StillUnknown(paths)
        report(_still_unknown_at_update(rule, paths), None)
    return bool(settings.errors or collected)


def _still_unknown_at_update(rule: Rule, paths: Sequence[str]) -> str:
    return (
        f"{', '.join(sorted(set(paths)))} is still unknown at update time, so the policy cannot show the "
        "resource complies; make the value known (a literal or a resolved output)." + _tom_suffix(rule)
    )


def _settle_stack_unknowns(rule: Rule, unknowns: Sequence[tuple[str, str]], report: ReportViolation) -> None:
    """A stack policy fails closed on what it cannot establish, in preview too.

    `pulumi up` runs stack policies after the resources exist, so only the preview can stop a
    non-compliant stack before it is built: what a stack policy cannot decide in preview blocks it.
    """
    for where, urn in sorted(set(unknowns)):
        if is_preview():
            message = (
                f"{where} could not be established in preview, so the stack cannot be shown to comply; "
                "a stack policy runs at update time only after the resources exist, so the preview is the "
                "only gate. Make the value known in preview: a literal, or another resource's own output "
                "passed as it is rather than computed from outputs."
            )
        else:
            message = _still_unknown_at_update(rule, [where]).removesuffix(_tom_suffix(rule))
        report(message + _tom_suffix(rule), urn or None)


_last_read = threading.local()


def _resource_from_args(args: ResourceValidationArgs) -> Resource:
    """The resource as rules see it; read once per request, as every policy gets the same properties."""
    last = getattr(_last_read, "value", None)
    if last is not None and last[0] is args.props and last[1] == args.urn:
        return last[2]
    provider_props: Mapping[str, Any] = {}
    if args.provider is not None:
        provider_props = plain(args.provider.props)
    resource = Resource(
        args.resource_type,
        args.name,
        args.urn,
        plain(args.props),
        provider_props,
        custom=args.provider is not None,
    )
    _last_read.value = (args.props, args.urn, resource)
    return resource


def _validate_resource(
    rule: Rule, handoff: FindingsHandoff, args: ResourceValidationArgs, report: ReportViolation
) -> None:
    if rule.applies_when is None and args.resource_type not in rule.resource_types:
        args.not_applicable(f"does not judge {args.resource_type}")
    resource = _resource_from_args(args)
    if not rule.applies_to(resource):
        args.not_applicable(f"does not apply to this {args.resource_type}")
    settings = rule.settings(args.get_config())
    _settle(rule, settings, rule.check(resource, settings), resource, report, handoff)


_last_stack = threading.local()


def _stack_from_args(args: StackValidationArgs) -> Stack:
    """The stack as rules see it; read once per request, as every stack policy gets the same resources."""
    last = getattr(_last_stack, "value", None)
    if last is not None and last[0] is args.resources:
        return last[1]
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
                custom=resource.provider is not None,
            )
        )
    stack = Stack(tuple(resources))
    _last_stack.value = (args.resources, stack)
    return stack


def _validate_stack(
    rule: Rule, handoff: FindingsHandoff, args: StackValidationArgs, report: ReportViolation
) -> None:
    stack = _stack_from_args(args)
    settings = rule.settings(args.get_config())
    reported = _settle(rule, settings, rule.check(stack, settings), None, report, handoff)
    if not reported and rule.resource_types and not stack.of_type(*rule.resource_types):
        # As a resource policy does for a type it does not judge: the engine lists the policy as not
        # applicable, and the offline preview learns from it which types the stack policies judge.
        args.not_applicable("none of the types it judges is in this stack")


def _framework(rule_name: str) -> PolicyComplianceFramework:
    measures = catalogue.measures_for_policy(rule_name)
    return PolicyComplianceFramework(
        name=FRAMEWORK_NAME,
        reference=", ".join(measure.id for measure in measures),
        specification="; ".join(measure.line for measure in measures),
    )


def _tags(rule_name: str) -> list[str]:
    return [measure.id for measure in catalogue.measures_for_policy(rule_name)]


def build_policy(rule: Rule, handoff: FindingsHandoff) -> ResourceValidationPolicy | StackValidationPolicy:
    """The pulumi_policy policy for a rule: mandatory, with its config schema, severity and TOM lines."""
    schema_properties = {
        key: value for key, value in rule.config_schema["properties"].items() if key != "enforcementLevel"
    }
    common: dict[str, Any] = {
        "enforcement_level": EnforcementLevel.MANDATORY,
        "config_schema": PolicyConfigSchema(properties=schema_properties),
        "severity": rule.severity,
        "framework": _framework(rule.name),
        "tags": _tags(rule.name),
        "remediation_steps": rule.remediation,
    }
    if rule.kind == "resource":
        return ResourceValidationPolicy(
            rule.name,
            rule.description,
            validate=functools.partial(_validate_resource, rule, handoff),
            **common,
        )
    return StackValidationPolicy(
        rule.name, rule.description, validate=functools.partial(_validate_stack, rule, handoff), **common
    )
