"""What `pulumi preview --policy-pack` does with a program's registrations, done offline.

The Pulumi engine (pkg/resource/deploy, step_generator.go) calls the policy pack in two places:

- `Analyze`, once per registered resource as its step is generated (before any provider operation), with
  the resource's type, URN, name, its *inputs* (after the provider's `Check`), its options (protect,
  ignoreChanges, deleteBeforeReplace, additionalSecretOutputs, aliases, customTimeouts, parent) and its
  provider (the provider resource's type, URN, name and inputs). Every registration is analysed: the
  root stack resource, providers (explicit and the engine's default ones), components and custom
  resources. Diagnostics are reported against that resource's URN, whatever URN the pack names, and a
  `remediate` diagnostic that is still reported counts as mandatory.
- `AnalyzeStack`, once after every resource was processed (`AnalyzeResources`), with every resource of
  the new state: its *outputs* as properties, its options, parent, dependencies and property
  dependencies, and its provider. During a preview a created resource's outputs are the provider's
  planned state: the inputs, with every value the cloud decides unknown. A diagnostic's URN is kept
  when it names a resource of the stack; otherwise the finding goes to the root stack resource.

`ResourcePlanner` does the same with the registrations Pulumi's mock runtime records, as they arrive. What
differs offline, and why it does not change a verdict of this pack:

- there is no provider `Check`, so the pack sees the inputs as the program wrote them: no provider
  defaults and no auto-names filled in (the pack's rules treat an absent value as the provider's
  default, which is what `Check` would have filled in);
- `AnalyzeStack` gets each custom resource's inputs (the planned state minus the computed
  attributes, which would be unknown anyway) and no outputs for components or the root stack (their
  registered outputs are not recorded);
- aliases and custom timeouts are not forwarded (no rule reads them);
- the pack runs as `python -m pulumi.policy` from its folder with the engine's environment, like the
  engine's `pulumi-analyzer-policy-python` shim does, but with this repository's interpreter instead of
  the one `PulumiPolicy.yaml` names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from google.protobuf import json_format, struct_pb2

from toms.offline.analyzer_client import Diagnostic, ResourceInput
from toms.offline.records import RegisteredResource
from toms.preview.model import Finding, PlannedResource

ROOT_STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_TYPE_PREFIX = "pulumi:providers:"


def root_stack_urn(project: str, stack: str) -> str:
    return f"urn:pulumi:{stack}::{project}::{ROOT_STACK_TYPE}::{project}-{stack}"


def struct_to_wire(struct: struct_pb2.Struct) -> dict[str, Any]:
    """A serialized property struct as plain values, unknown sentinels and secret envelopes kept as sent."""
    return json_format.MessageToDict(struct)


def _provider_urn(reference: str) -> str:
    """The URN part of a provider reference `<urn>::<id>`."""
    return reference.rsplit("::", 1)[0] if reference else ""


def _package(type_token: str) -> str:
    return type_token.split(":", 1)[0]


def default_provider(
    package: str, version: str, project: str, stack: str, config: Mapping[str, str]
) -> ResourceInput:
    """The provider the engine creates for resources that name none: `default_<version>`, configured
    from the stack's `<package>:` config keys."""
    name = f"default_{version.replace('.', '_').replace('-', '_')}" if version else "default"
    props: dict[str, Any] = {
        key.split(":", 1)[1]: value for key, value in config.items() if key.startswith(f"{package}:")
    }
    if version:
        props["version"] = version
    return ResourceInput(
        type=f"{PROVIDER_TYPE_PREFIX}{package}",
        name=name,
        props=props,
        urn=f"urn:pulumi:{stack}::{project}::{PROVIDER_TYPE_PREFIX}{package}::{name}",
    )


class ResourcePlanner:
    """Turns registrations, in the order the program makes them, into what the engine would analyse: the
    root stack first, each default provider just before its first resource, then every resource."""

    def __init__(self, project: str, stack: str, config: Mapping[str, str]) -> None:
        self.project = project
        self.stack = stack
        self.config = config
        root = ResourceInput(
            type=ROOT_STACK_TYPE,
            name=f"{project}-{stack}",
            props={},
            urn=root_stack_urn(project, stack),
        )
        self.planned: list[PlannedResource] = [PlannedResource(root, custom=False, planned={})]
        self._providers: dict[str, ResourceInput] = {}

    def _provider_for(self, registration: RegisteredResource) -> ResourceInput | None:
        if registration.type.startswith(PROVIDER_TYPE_PREFIX) or not registration.custom:
            return None
        if registration.provider:
            return self._providers.get(_provider_urn(registration.provider))
        package = _package(registration.type)
        key = f"default:{package}:{registration.version}"
        if key not in self._providers:
            provider = default_provider(package, registration.version, self.project, self.stack, self.config)
            self._providers[key] = provider
            self.planned.append(PlannedResource(provider, custom=True, planned=provider.props))
        return self._providers[key]

    def add(self, registration: RegisteredResource) -> None:
        props = struct_to_wire(registration.properties)
        resource = ResourceInput(
            type=registration.type,
            name=registration.name,
            props=props,
            urn=registration.urn,
            provider=self._provider_for(registration),
            parent=registration.parent,
            dependencies=registration.dependencies,
            property_dependencies={
                key: urns for key, urns in registration.property_dependencies.items() if urns
            },
            protect=registration.protect,
            ignore_changes=registration.ignore_changes,
            delete_before_replace=registration.delete_before_replace,
            additional_secret_outputs=registration.additional_secret_outputs,
        )
        if registration.type.startswith(PROVIDER_TYPE_PREFIX):
            self._providers[registration.urn] = resource
        self.planned.append(
            PlannedResource(
                resource,
                custom=registration.custom,
                planned=props if registration.custom else {},
                source_position=registration.source_position,
                remote=registration.remote,
            )
        )


def _engine_level(level: str) -> str:
    # A violation still reported at `remediate` (no remediation ran) counts as mandatory.
    return "mandatory" if level == "remediate" else level


def resource_findings(resource: PlannedResource, diagnostics: Iterable[Diagnostic]) -> list[Finding]:
    """`Analyze` diagnostics: always reported against the analysed resource."""
    return [
        Finding(
            d.policy_name,
            _engine_level(d.enforcement_level),
            d.severity,
            d.message,
            resource.urn,
            resource.type,
            resource.name,
            "resource",
        )
        for d in diagnostics
    ]


def stack_findings(resources: Sequence[PlannedResource], diagnostics: Iterable[Diagnostic]) -> list[Finding]:
    """`AnalyzeStack` diagnostics: against the named resource when it is in the stack, else the root."""
    by_urn = {resource.urn: resource for resource in resources}
    root = resources[0]
    findings = []
    for d in diagnostics:
        target = by_urn.get(d.urn, root)
        findings.append(
            Finding(
                d.policy_name,
                _engine_level(d.enforcement_level),
                d.severity,
                d.message,
                target.urn,
                target.type,
                target.name,
                "stack",
            )
        )
    return findings
