"""The pack's Analyzer server: the policy SDK's own servicer, given the pack's real version (the SDK's
`PolicyPack` hard-codes 0.0.1, which its messages then print), a `Configure` that refuses a config
loosening the pack (`kit.packconfig.review`) instead of running with it, and an `Analyze` and an
`AnalyzeStack` that read each request once rather than once per policy (the SDK's loops spend most of
their time re-reading it: `AnalyzeStack` read every resource of the stack again for each stack policy)."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from concurrent import futures
from types import MappingProxyType
from typing import Any

import grpc
from google.protobuf import json_format
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import _NotApplicableError, _PolicyAnalyzerServicer
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from .adapter import PHASE, FindingsHandoff
from .packconfig import review
from .registry import Rule
from .settings import today

_MAX_MESSAGE = 400 * 1024 * 1024


class PackConfigRefused(ValueError):
    """`Configure` refused the pack config; the message lists every problem."""


class PackServicer(_PolicyAnalyzerServicer):
    def __init__(
        self, name: str, version: str, description: str, rules: Sequence[Rule], handoff: FindingsHandoff
    ) -> None:
        self._policies: list[Policy] = handoff.arrange(rules)
        super().__init__(name, version, self._policies, EnforcementLevel.MANDATORY, None, description)
        self._name, self._version = name, version
        self._stack_tags: Mapping[str, str] = MappingProxyType({})
        self._rules = {rule.name: rule for rule in rules}
        self._default_levels = {
            policy.name: (policy.enforcement_level or EnforcementLevel.MANDATORY).value
            for policy in self._policies
        }
        self._handoff = handoff

    def Configure(self, request: Any, context: Any) -> Any:
        entries = {
            name: (
                self._convert_enforcement_level(config.enforcementLevel).value,
                json_format.MessageToDict(config.properties),
            )
            for name, config in request.policyConfig.items()
        }
        result = review(entries, self._rules, self._default_levels, today())
        if result.problems:
            if context is None:  # called in-process (tests): no gRPC context to abort
                raise PackConfigRefused(result.message)
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, result.message)
        self._handoff.relaxed = result.relaxed
        self._handoff.waivers = {
            name: self._rules[name].settings(properties).waivers
            for name, (_, properties) in entries.items()
            if name in self._rules
        }
        return super().Configure(request, context)

    def ConfigureStack(self, request: Any, context: Any) -> Any:
        self._stack_tags = MappingProxyType(dict(request.tags))
        PHASE.dry_run = request.dry_run
        return super().ConfigureStack(request, context)

    def Analyze(self, request: Any, context: Any) -> Any:
        """The SDK's `Analyze`, with the request's properties, options and provider read once."""
        self._configure_runtime_settings()
        response = proto.AnalyzeResponse()
        props = unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(request.properties)))
        options = self._get_resource_options(request)
        provider = self._get_provider_resource(request)
        stack_tags = self._stack_tags
        for policy in self._policies:
            level = self._get_enforcement_level(policy)
            if level == EnforcementLevel.DISABLED or not isinstance(policy, ResourceValidationPolicy):
                continue
            rule = self._rules.get(policy.name)
            if rule is not None and rule.applies_when is None and request.type not in rule.resource_types:
                # What `not_applicable()` in the policy would answer, without a call and an exception.
                response.not_applicable.append(
                    proto.PolicyNotApplicable(
                        policy_name=policy.name, reason=f"does not judge {request.type}"
                    )
                )
                continue
            if level == EnforcementLevel.REMEDIATE:
                level = EnforcementLevel.MANDATORY
            report = self._create_report_violation(
                response, policy.name, policy.description, level, policy.severity
            )
            config = self._get_policy_config(policy.name)
            args = ResourceValidationArgs(
                request.type, props, request.urn, request.name, options, provider, config, stack_tags
            )
            self._validate(policy, args, report, response)
        return response

    def AnalyzeStack(self, request: Any, context: Any) -> Any:
        """The SDK's `AnalyzeStack`, with the stack read once for every stack policy."""
        self._configure_runtime_settings()
        response = proto.AnalyzeResponse()
        resources = self._stack_resources(request)
        for policy in self._policies:
            level = self._get_enforcement_level(policy)
            if level == EnforcementLevel.DISABLED or not isinstance(policy, StackValidationPolicy):
                continue
            # A stack cannot be remediated: a remediate level counts as mandatory, as in the SDK.
            if level == EnforcementLevel.REMEDIATE:
                level = EnforcementLevel.MANDATORY
            report = self._create_report_violation(
                response, policy.name, policy.description, level, policy.severity
            )
            args = StackValidationArgs(resources, self._get_policy_config(policy.name), self._stack_tags)
            self._validate(policy, args, report, response)
        return response

    def _stack_resources(self, request: Any) -> list[PolicyResource]:
        """Every resource of an `AnalyzeStack` request as the SDK hands it to stack policies: properties
        that raise on unknown values, options, provider, and parent and dependencies that refer to the
        other resources of the stack (references to resources outside it are left out)."""
        read: list[tuple[PolicyResource, Any]] = []
        for entry in request.resources:
            props = unknown_checking_proxy(
                deserialize_properties(json_format.MessageToDict(entry.properties))
            )
            resource = PolicyResource(
                entry.type,
                props,
                entry.urn,
                entry.name,
                self._get_resource_options(entry),
                self._get_provider_resource(entry),
                None,
                [],
                {},
            )
            read.append((resource, entry))
        by_urn = {resource.urn: resource for resource, _ in read}
        for resource, entry in read:
            resource.parent = by_urn.get(entry.parent) if entry.parent else None
            resource.dependencies.extend(by_urn[urn] for urn in entry.dependencies if urn in by_urn)
            for key, dependencies in entry.propertyDependencies.items():
                resource.property_dependencies[key] = [
                    by_urn[urn] for urn in dependencies.urns if urn in by_urn
                ]
        return [resource for resource, _ in read]

    def _validate(self, policy: Policy, args: Any, report: Any, response: Any) -> None:
        """Run one policy; a value unknown in preview or a policy that does not apply is answered as the
        SDK answers it."""
        try:
            policy.validate(args, report)  # type: ignore[attr-defined]
        except UnknownValueError as error:
            response.diagnostics.append(
                proto.AnalyzeDiagnostic(
                    policyName=policy.name,
                    policyPackName=self._name,
                    policyPackVersion=self._version,
                    message=f"can't run policy '{policy.name}' from policy pack "
                    f"'{self._name}@v{self._version}' during preview: {error.message}",
                    urn="",
                    description=policy.description,
                    enforcementLevel=self._map_enforcement_level(EnforcementLevel.ADVISORY),
                )
            )
        except _NotApplicableError as error:
            response.not_applicable.append(
                proto.PolicyNotApplicable(policy_name=policy.name, reason=error.reason or "")
            )


def serve(name: str, version: str, description: str, rules: Sequence[Rule]) -> None:
    """Serve the pack as the engine expects: print the port, then answer until killed."""
    servicer = PackServicer(name, version, description, rules, FindingsHandoff())
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=4),
        options=[("grpc.max_receive_message_length", _MAX_MESSAGE)],
    )
    analyzer_pb2_grpc.add_AnalyzerServicer_to_server(servicer, server)
    port = server.add_insecure_port(address="127.0.0.1:0")
    server.start()
    sys.stdout.buffer.write(f"{port}\n".encode())
    sys.stdout.buffer.flush()
    try:
        while True:
            time.sleep(86400)
    except KeyboardInterrupt:
        server.stop(0)
