"""What a preview is made of: the resources the engine would send to the pack, the pack's findings, and
one stack's preview with where its config came from. Every output (console, JSON, SARIF) and the report
read these."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toms.project import program_entry

if TYPE_CHECKING:
    # Only for annotations: a command reads its targets (which use this module) before loading the
    # analyzer client.
    from toms.offline.analyzer_client import AnalyzerInfo, ResourceInput


@dataclass(frozen=True)
class PlannedResource:
    """One resource of the preview: what the engine sends about it, and where the program made it."""

    analyzed: ResourceInput
    custom: bool
    # The properties `AnalyzeStack` gets (the planned state; see the module docstring).
    planned: Mapping[str, Any]
    source_position: tuple[str, int] | None = None
    # A component a provider plugin implements (awsx, eks): its resources cannot be known offline.
    remote: bool = False

    @property
    def urn(self) -> str:
        return self.analyzed.urn

    @property
    def type(self) -> str:
        return self.analyzed.type

    @property
    def name(self) -> str:
        return self.analyzed.name

    @property
    def parent(self) -> str:
        return self.analyzed.parent

    def stack_input(self) -> ResourceInput:
        """The resource as `AnalyzeStack` receives it."""
        a = self.analyzed
        from toms.offline.analyzer_client import ResourceInput

        return ResourceInput(
            type=a.type,
            name=a.name,
            props=self.planned,
            urn=a.urn,
            provider=a.provider,
            parent=a.parent,
            dependencies=a.dependencies,
            property_dependencies=a.property_dependencies,
            protect=a.protect,
            ignore_changes=a.ignore_changes,
            delete_before_replace=a.delete_before_replace,
            additional_secret_outputs=a.additional_secret_outputs,
        )


@dataclass(frozen=True)
class Finding:
    """A policy violation as the engine reports it: against a resource of the stack."""

    policy: str
    enforcement_level: str
    severity: str
    message: str
    urn: str
    resource_type: str
    resource_name: str
    stage: str  # "resource" (from Analyze) or "stack" (from AnalyzeStack)

    @property
    def mandatory(self) -> bool:
        return self.enforcement_level == "mandatory"


class PreviewError(Exception):
    """A usage, config or program error: the message names the file and what is wrong (exit code 2)."""


class PolicyPackCrashed(PreviewError):
    """The pack process died or its connection broke."""


@dataclass(frozen=True)
class PreviewTarget:
    """One stack of one program to preview, with where its config and policy config come from."""

    program_dir: Path
    stack: str
    config: Mapping[str, str]
    stack_file: Path | None
    policy_config_file: Path | None
    # `--invoke-answers`: provider function token -> the result it gives.
    invoke_answers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # `--stack-reference`: stack name -> its outputs.
    stack_references: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # The file the program starts at when Pulumi.yaml's `main:` names one (see toms.project.Project).
    main: Path | None = None

    @property
    def entry(self) -> Path:
        return program_entry(self.program_dir, self.main)


@dataclass(frozen=True)
class PreviewFailure:
    """A stack that could not be previewed: no verdict, the message says why (exit code 2)."""

    stack: str
    program_dir: Path | None
    message: str
    # True when the stack's own files could not be read (no program ran).
    unreadable: bool = False

    verdict = "error"


@dataclass(frozen=True)
class StackPreview:
    target: PreviewTarget
    project: str
    pack: AnalyzerInfo
    # Each policy's enforcement level once the policy config is applied.
    levels: Mapping[str, str]
    resources: tuple[PlannedResource, ...]
    findings: tuple[Finding, ...]
    timings: Mapping[str, float]
    # Which interpreter ran the program, in words (program_process.Interpreter.describe()).
    interpreter: str = ""
    # Each provider function the program called -> where its answer came from (toms/offline/mocks.py).
    invokes: Mapping[str, str] = field(default_factory=dict)
    # (type, name) of each resource the program read rather than declared; the pack never sees these.
    reads: tuple[tuple[str, str], ...] = ()
    # URNs of the custom resources to which no resource policy of the pack applied.
    unjudged: frozenset[str] = frozenset()

    def count(self, level: str) -> int:
        return sum(1 for finding in self.findings if finding.enforcement_level == level)

    # Output (console, JSON, SARIF) lists resources and findings in URN order: the runtime's threads
    # register resources in a different order each run, and two previews of the same stack should print
    # and write the same thing. `resources` and `findings` keep the order the pack judged them in.
    @property
    def resources_by_urn(self) -> list[PlannedResource]:
        return sorted(self.resources, key=lambda resource: resource.urn)

    @property
    def findings_by_urn(self) -> list[Finding]:
        return sorted(self.findings, key=lambda finding: (finding.urn, finding.policy, finding.message))

    @property
    def remote_components(self) -> list[PlannedResource]:
        """Components a provider plugin implements: their resources were never judged."""
        return [resource for resource in self.resources if resource.remote]

    @property
    def placeholder_invokes(self) -> list[str]:
        """Provider functions answered with made-up values of the right shape: the verdict rests on them."""
        return sorted(token for token, source in self.invokes.items() if source == "placeholder")

    def unjudged_by_type(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for resource in self.resources:
            if resource.urn in self.unjudged:
                counts[resource.type] = counts.get(resource.type, 0) + 1
        return dict(sorted(counts.items()))

    @property
    def verdict(self) -> str:
        """ "fail" with a mandatory finding; "incomplete" when a plugin component hides resources (never a
        pass); else "pass"."""
        if self.count("mandatory"):
            return "fail"
        return "incomplete" if self.remote_components else "pass"

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"


PreviewOutcome = StackPreview | PreviewFailure


@dataclass(frozen=True)
class StackTally:
    """What a fleet's summary and the exit code need of one stack, kept when the rest of its outcome is
    gone (toms/preview/outputs.py)."""

    stack: str
    verdict: str  # pass, fail, incomplete or error
    mandatory: int = 0
    advisory: int = 0
    plugin_components: int = 0
    # Why the stack could not be previewed (verdict error).
    message: str = ""

    @classmethod
    def of(cls, outcome: PreviewOutcome) -> StackTally:
        if isinstance(outcome, PreviewFailure):
            return cls(outcome.stack, "error", message=outcome.message)
        return cls(
            outcome.target.stack,
            outcome.verdict,
            mandatory=outcome.count("mandatory"),
            advisory=outcome.count("advisory"),
            plugin_components=len(outcome.remote_components),
        )
