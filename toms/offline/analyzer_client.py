"""A client for Pulumi's Analyzer gRPC protocol that runs a policy pack the way the Pulumi engine does.

The engine starts a Python policy pack with the `pulumi-analyzer-policy-python` shim, which runs
`python -u -m pulumi.policy <engine-address> .` in the pack's folder, with `PULUMI_CONFIG`,
`PULUMI_PROJECT`, `PULUMI_STACK`, `PULUMI_ORGANIZATION` and `PULUMI_DRY_RUN` in the environment. The pack
prints the port of its gRPC server on the first line of stdout. The engine then calls `Handshake`
(optional), `ConfigureStack`, `GetAnalyzerInfo` and `Configure` (the reconciled `--policy-pack-config`),
then `Analyze` for each resource's inputs and `AnalyzeStack` with every resource's outputs.

`PolicyPackProcess` does exactly that, offline:

    with PolicyPackProcess(Path("policies"), dry_run=True) as pack:
        pack.configure(json.loads(Path("stacks/policy-config/acme.json").read_text()))
        diagnostics = pack.analyze(ResourceInput("aws:kms/key:Key", "key", {"enableKeyRotation": False}))
        stack_diagnostics = pack.analyze_stack([...])

Property values are plain Python values; `UNKNOWN` stands for a value the engine does not know yet (it is
sent as the engine's unknown sentinel) and `Secret(value)` for a secret (sent in the engine's secret
envelope). The process is always killed when the `with` block ends.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal

import grpc
import jsonschema
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from toms import interruption

# The engine's marshalled form of an unknown value (`resource.UnknownStringValue` in the Go SDK).
UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
# The engine's envelope for secrets: {SIG_KEY: SECRET_SIG, "value": ...}.
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"  # noqa: S105 - a type signature, not a password

PolicyType = Literal["resource", "stack", "unknown"]
_POLICY_TYPES: dict[int, PolicyType] = {
    analyzer_pb2.PolicyType.POLICY_TYPE_RESOURCE: "resource",
    analyzer_pb2.PolicyType.POLICY_TYPE_STACK: "stack",
}

ENFORCEMENT_LEVELS = ("advisory", "mandatory", "remediate", "disabled")
EnforcementLevel = Literal["advisory", "mandatory", "remediate", "disabled"]

# The pack never calls back into the engine (it does not log through it), so any address will do.
_NO_ENGINE_ADDRESS = "127.0.0.1:0"
# The pulumi-policy server answers on four threads; a few more calls queued keep it busy.
_ANALYZE_IN_FLIGHT = 8
_MAX_MESSAGE = 400 * 1024 * 1024


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()
"""Stands for a property value that is not known yet (as in a preview)."""


@dataclass(frozen=True)
class Secret:
    """A secret property value."""

    value: Any


class PolicyPackError(RuntimeError):
    """The pack could not be started or answered with an error."""


class PolicyConfigError(ValueError):
    """A policy pack config the Pulumi CLI would refuse, or the pack's `Configure` refused; `problems` lists
    each error as the CLI or the pack words it."""

    def __init__(self, problems: Sequence[str], heading: str = "invalid policy pack config") -> None:
        self.problems = list(problems)
        super().__init__(f"{heading}:\n" + "\n".join(f"  - {p}" for p in self.problems))

    @classmethod
    def refused_by_pack(cls, details: str) -> PolicyConfigError:
        """The error for a `Configure` the pack refused (INVALID_ARGUMENT): a heading, then `  - ` items."""
        heading, _, listed = details.partition("\n")
        problems = [line.removeprefix("  - ") for line in listed.splitlines() if line.strip()]
        return cls(
            problems or [details], heading.rstrip(":") if problems else "the policy pack refused its config"
        )


@dataclass(frozen=True)
class PolicyInfo:
    name: str
    description: str
    enforcement_level: str
    severity: str
    policy_type: PolicyType
    config_schema: Mapping[str, Any]
    required: tuple[str, ...]
    tags: tuple[str, ...]
    framework_reference: str
    remediation_steps: str


@dataclass(frozen=True)
class AnalyzerInfo:
    name: str
    version: str
    description: str
    supports_config: bool
    policies: tuple[PolicyInfo, ...]

    def policy(self, name: str) -> PolicyInfo:
        return next(policy for policy in self.policies if policy.name == name)


@dataclass(frozen=True)
class Diagnostic:
    """One finding: the policy, its enforcement level, the message and the resource's URN (may be empty)."""

    policy_name: str
    policy_pack_name: str
    enforcement_level: str
    message: str
    urn: str
    description: str
    severity: str

    @property
    def mandatory(self) -> bool:
        return self.enforcement_level == "mandatory"


@dataclass(frozen=True)
class Verdict:
    """The pack's answer to `Analyze` for one resource (or to `AnalyzeStack`): its diagnostics, and the
    policies that said they do not apply to it (`not_applicable()`)."""

    diagnostics: list[Diagnostic]
    not_applicable: frozenset[str]


@dataclass(frozen=True)
class ResourceInput:
    """A resource as the engine sends it: `props` are inputs for `analyze`, outputs for `analyze_stack`."""

    type: str
    name: str
    props: Mapping[str, Any]
    urn: str = ""
    provider: ResourceInput | None = None
    parent: str = ""
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Resource options the engine passes along (`AnalyzerResourceOptions`).
    protect: bool = False
    ignore_changes: tuple[str, ...] = ()
    delete_before_replace: bool | None = None
    additional_secret_outputs: tuple[str, ...] = ()

    def resolved_urn(self, project: str = "toms", stack: str = "test") -> str:
        return self.urn or f"urn:pulumi:{stack}::{project}::{self.type}::{self.name}"


def to_wire(value: Any) -> Any:
    """A property value as the engine marshals it: unknowns as the sentinel, secrets in their envelope."""
    if value is UNKNOWN:
        return UNKNOWN_SENTINEL
    if isinstance(value, Secret):
        return {SIG_KEY: SECRET_SIG, "value": to_wire(value.value)}
    if isinstance(value, Mapping):
        return {str(key): to_wire(item) for key, item in value.items() if not str(key).startswith("__")}
    if isinstance(value, list | tuple):
        return [to_wire(item) for item in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    raise TypeError(f"cannot send a {type(value).__name__} as a property value")


def to_struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(to_wire(props))
    return struct


def _level_name(value: int) -> str:
    return str(analyzer_pb2.EnforcementLevel.Name(value)).lower()


def _severity_name(value: int) -> str:
    return str(analyzer_pb2.PolicySeverity.Name(value)).removeprefix("POLICY_SEVERITY_").lower()


def reconcile_config(info: AnalyzerInfo, config: Mapping[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """The per-policy (enforcement level, properties) the Pulumi CLI sends for a `--policy-pack-config` file.

    Like the CLI: start from each policy's level and schema defaults, apply `all`'s enforcement level, then
    each policy's entry; validate every policy's properties against its schema. Raises `PolicyConfigError`.
    """
    problems: list[str] = []
    given: dict[str, tuple[str | None, dict[str, Any]]] = {}
    for key, value in config.items():
        if isinstance(value, str):
            if value not in ENFORCEMENT_LEVELS:
                problems.append(
                    f"parsing enforcement level for {key!r}: {value!r} is not a valid enforcement level"
                )
            given[key] = (value, {})
        elif isinstance(value, Mapping):
            properties = dict(value)
            level = properties.pop("enforcementLevel", None)
            if level is not None and level not in ENFORCEMENT_LEVELS:
                problems.append(
                    f"parsing enforcement level for {key!r}: {level!r} is not a valid enforcement level"
                )
            given[key] = (level, properties)
        else:
            problems.append(f"parsing {key!r}: {value!r} is not a valid value; must be a string or object")
    if problems:
        raise PolicyConfigError(problems)

    result: dict[str, tuple[str, dict[str, Any]]] = {}
    for policy in info.policies:
        defaults = {
            k: s["default"]
            for k, s in policy.config_schema.items()
            if isinstance(s, Mapping) and "default" in s
        }
        result[policy.name] = (policy.enforcement_level, defaults)
    all_level = given.get("all", (None, {}))[0]
    if all_level:
        result = {name: (all_level, properties) for name, (_, properties) in result.items()}
    for name, (level, properties) in given.items():
        current_level, current = result.get(name, ("", {}))
        result[name] = (level or current_level, {**current, **properties})

    for policy in info.policies:
        schema = {
            "type": "object",
            "properties": {
                **policy.config_schema,
                "enforcementLevel": {"type": "string", "enum": list(ENFORCEMENT_LEVELS)},
            },
        }
        if policy.required:
            schema["required"] = list(policy.required)
        for error in jsonschema.Draft7Validator(schema).iter_errors(result[policy.name][1]):
            where = ".".join(str(part) for part in error.absolute_path) or "(root)"
            problems.append(f"{policy.name}: {where}: {error.message}")
    if problems:
        raise PolicyConfigError(problems)
    return result


class PolicyPackProcess:
    """A policy pack run as its own process and spoken to over the Analyzer protocol.

    `dry_run` is what the engine passes as `PULUMI_DRY_RUN`: True for `pulumi preview`, False for the
    update of `pulumi up`. Use it as a context manager; `close()` always kills the process.
    """

    def __init__(
        self,
        pack_dir: Path,
        *,
        dry_run: bool = True,
        project: str = "toms",
        stack: str = "test",
        organization: str = "organization",
        stack_config: Mapping[str, str] | None = None,
        python: str = sys.executable,
        start_timeout: float = 60.0,
    ) -> None:
        self.pack_dir = Path(pack_dir).resolve()
        self.dry_run = dry_run
        self.project = project
        self.stack = stack
        self.organization = organization
        self.stack_config = dict(stack_config or {})
        self.python = python
        self.start_timeout = start_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._channel: grpc.Channel | None = None
        self._stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self._info: AnalyzerInfo | None = None
        self._interruption_token = 0

    # --- lifecycle --------------------------------------------------------------------------------------

    def __enter__(self) -> PolicyPackProcess:
        self.start()
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _value: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.close()

    def start(self) -> None:
        """Start the pack as the engine does, read its port, connect and send `ConfigureStack`."""
        if not (self.pack_dir / "PulumiPolicy.yaml").is_file():
            raise PolicyPackError(f"{self.pack_dir} is not a policy pack: it has no PulumiPolicy.yaml")
        env = {
            **os.environ,
            "PULUMI_PROJECT": self.project,
            "PULUMI_STACK": self.stack,
            "PULUMI_ORGANIZATION": self.organization,
            "PULUMI_DRY_RUN": "true" if self.dry_run else "false",
        }
        env.pop("PULUMI_CONFIG", None)
        if self.stack_config:
            env["PULUMI_CONFIG"] = json.dumps(self.stack_config)
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        with interruption.held():  # no signal between the start and the registration
            self._process = subprocess.Popen(
                [self.python, "-u", "-m", "pulumi.policy", _NO_ENGINE_ADDRESS, "."],
                cwd=self.pack_dir,
                env=env,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
            )
            self._interruption_token = interruption.end_on_interrupt(
                functools.partial(interruption.kill_process, self._process.pid)
            )
        try:
            port = self._read_port()
            self._channel = grpc.insecure_channel(
                f"127.0.0.1:{port}", options=[("grpc.max_receive_message_length", _MAX_MESSAGE)]
            )
            grpc.channel_ready_future(self._channel).result(timeout=self.start_timeout)
            self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
            self._handshake()
            self._configure_stack()
        except BaseException:
            self.close()
            raise

    def _configure_stack(self) -> None:
        self._call(
            "ConfigureStack",
            analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=self.stack, project=self.project, organization=self.organization,
                dry_run=self.dry_run, config=self.stack_config,
            ),
        )  # fmt: skip

    def configure_stack(self, stack: str, stack_config: Mapping[str, str]) -> None:
        """Hand a running pack the next stack to judge with `ConfigureStack`, as the engine does at the start
        of each stack's run, so one pack process can serve several stacks in turn (`preview --all`).

        The process environment keeps the stack the pack started with (`PULUMI_STACK`, `PULUMI_CONFIG`): a
        pack that read them (or `pulumi.runtime`'s settings, which the policy SDK fills from them) would
        see that stack. The toms pack reads none of them (tests/toms/preview/test_fleet.py).
        """
        self.stack = stack
        self.stack_config = dict(stack_config)
        self._configure_stack()

    def _read_port(self) -> int:
        assert self._process is not None and self._process.stdout is not None
        lines: queue.Queue[bytes] = queue.Queue()
        stdout = self._process.stdout

        def pump() -> None:
            for line in iter(stdout.readline, b""):
                lines.put(line)
            lines.put(b"")

        threading.Thread(target=pump, daemon=True, name="policy-pack-stdout").start()
        while True:
            try:
                line = lines.get(timeout=self.start_timeout)
            except queue.Empty:
                raise PolicyPackError(
                    f"the policy pack printed no port within {self.start_timeout}s"
                ) from None
            if not line:
                raise PolicyPackError(
                    f"the policy pack exited before printing its port:\n{self._stderr_text()}"
                )
            text = line.decode(errors="replace").strip()
            if text.isdigit():
                return int(text)

    def _stderr_text(self) -> str:
        if self._process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=5)
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def _handshake(self) -> None:
        request = analyzer_pb2.AnalyzerHandshakeRequest(
            engine_address=_NO_ENGINE_ADDRESS,
            root_directory=str(self.pack_dir),
            program_directory=str(self.pack_dir),
        )
        try:
            self._call("Handshake", request)
        except PolicyPackError as error:
            # Like the engine: a pack that does not implement Handshake is fine.
            if (
                not isinstance(error.__cause__, grpc.RpcError)
                or error.__cause__.code() != grpc.StatusCode.UNIMPLEMENTED
            ):
                raise

    def close(self) -> None:
        """Close the connection and kill the pack process (idempotent)."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait()
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None
            interruption.forget(self._interruption_token)
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        self._stub = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The pack process's id while it runs."""
        return self._process.pid if self.running and self._process is not None else None

    @property
    def exit_code(self) -> int | None:
        """The pack process's exit status once it has ended (None while it runs or before it started)."""
        return self._process.poll() if self._process is not None else None

    def wait_for_exit(self, timeout: float = 5.0) -> int | None:
        """The exit status of a pack that is ending: a broken connection is seen before the process is
        reaped, so this waits up to `timeout` seconds for it (None when it is still running then)."""
        if self._process is None:
            return None
        try:
            return self._process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stderr_text(self) -> str:
        """What the pack wrote to stderr (waits up to 5 s for a process that is ending)."""
        return self._stderr_text()

    def _running_stub(self) -> analyzer_pb2_grpc.AnalyzerStub:
        if self._stub is None:
            raise PolicyPackError("the policy pack is not running; use it in a `with` block or call start()")
        return self._stub

    @staticmethod
    def _rpc_failure(method: str, error: grpc.RpcError) -> PolicyPackError:
        return PolicyPackError(f"{method} failed: {error.code().name}: {error.details()}")

    def _call(self, method: str, request: Any) -> Any:
        stub = self._running_stub()
        try:
            return getattr(stub, method)(request)
        except grpc.RpcError as error:
            raise self._rpc_failure(method, error) from error

    # --- the protocol -----------------------------------------------------------------------------------

    def info(self) -> AnalyzerInfo:
        """`GetAnalyzerInfo`: the pack's name, version and policies (cached)."""
        if self._info is None:
            response = self._call("GetAnalyzerInfo", empty_pb2.Empty())
            policies = tuple(
                PolicyInfo(
                    name=policy.name,
                    description=policy.description,
                    enforcement_level=_level_name(policy.enforcementLevel),
                    severity=_severity_name(policy.severity),
                    policy_type=_POLICY_TYPES.get(int(policy.policy_type), "unknown"),
                    config_schema=json_format.MessageToDict(policy.configSchema.properties),
                    required=tuple(policy.configSchema.required),
                    tags=tuple(policy.tags),
                    framework_reference=policy.framework.reference,
                    remediation_steps=policy.remediation_steps,
                )
                for policy in response.policies
            )
            self._info = AnalyzerInfo(
                name=response.name,
                version=self._declared_version() or response.version,
                description=response.description,
                supports_config=response.supportsConfig,
                policies=policies,
            )
        return self._info

    def _declared_version(self) -> str | None:
        """PulumiPolicy.yaml's version, which the CLI reports instead of the Python SDK's fixed 0.0.1."""
        project = yaml.safe_load((self.pack_dir / "PulumiPolicy.yaml").read_text(encoding="utf-8"))
        version = project.get("version") if isinstance(project, Mapping) else None
        return str(version) if version is not None else None

    def configure(self, config: Mapping[str, Any] | None = None, *, validate: bool = True) -> None:
        """`Configure` with a `--policy-pack-config` document, reconciled and validated as the CLI does.

        With `validate=False` the document's entries are sent as they are, without defaults or schema
        checks, to see how the pack itself copes with a config the CLI would have refused.
        """
        if validate:
            reconciled = reconcile_config(self.info(), config or {})
        else:
            reconciled = {}
            for name, value in (config or {}).items():
                properties = dict(value) if isinstance(value, Mapping) else {}
                level = value if isinstance(value, str) else properties.pop("enforcementLevel", "mandatory")
                reconciled[name] = (str(level), properties)
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, (level, properties) in reconciled.items():
            entry = request.policyConfig[name]
            entry.enforcementLevel = analyzer_pb2.EnforcementLevel.Value(level.upper())
            entry.properties.update(to_wire(properties))
        try:
            self._call("Configure", request)
        except PolicyPackError as error:
            refusal = error.__cause__
            if isinstance(refusal, grpc.RpcError) and refusal.code() == grpc.StatusCode.INVALID_ARGUMENT:
                raise PolicyConfigError.refused_by_pack(refusal.details() or "") from None
            raise

    def analyze(self, resource: ResourceInput) -> list[Diagnostic]:
        """`Analyze` one resource's inputs; returns every diagnostic, advisory ones included."""
        return self._diagnostics(self._call("Analyze", self._analyze_request(resource)))

    def analyze_each(self, resources: Iterable[ResourceInput]) -> list[list[Diagnostic]]:
        """`Analyze` every resource, several calls in flight as the engine makes them; diagnostics in
        order."""
        return [verdict.diagnostics for verdict in self.analyze_verdicts(resources)]

    def analyze_verdicts(self, resources: Iterable[ResourceInput]) -> list[Verdict]:
        """`Analyze` every resource, several calls in flight as the engine makes them; verdicts in order.

        The pack's server answers on a pool of threads, so the next request is encoded and sent while the
        pack judges the previous ones. `resources` may be a generator that waits for the next resource.
        """
        stub = self._running_stub()
        pending: deque[grpc.Future] = deque()
        answers: list[Verdict] = []
        try:
            for resource in resources:
                if len(pending) == _ANALYZE_IN_FLIGHT:
                    answers.append(self._verdict(pending.popleft().result()))
                pending.append(stub.Analyze.future(self._analyze_request(resource)))
            while pending:
                answers.append(self._verdict(pending.popleft().result()))
        except grpc.RpcError as error:
            for call in pending:
                call.cancel()
            raise self._rpc_failure("Analyze", error) from error
        return answers

    def _analyze_request(self, resource: ResourceInput) -> analyzer_pb2.AnalyzeRequest:
        request = analyzer_pb2.AnalyzeRequest(
            type=resource.type,
            properties=to_struct(resource.props),
            urn=resource.resolved_urn(self.project, self.stack),
            name=resource.name,
            options=self._options(resource),
        )
        if resource.provider is not None:
            request.provider.CopyFrom(self._provider(resource.provider))
        return request

    def analyze_stack(self, resources: Iterable[ResourceInput]) -> list[Diagnostic]:
        """`AnalyzeStack` with every resource's outputs and its place in the dependency graph."""
        return self.analyze_stack_verdict(resources).diagnostics

    def analyze_stack_verdict(self, resources: Iterable[ResourceInput]) -> Verdict:
        """`AnalyzeStack`: its diagnostics and the stack policies that do not apply to this stack."""
        request = analyzer_pb2.AnalyzeStackRequest()
        for resource in resources:
            entry = request.resources.add(
                type=resource.type,
                properties=to_struct(resource.props),
                urn=resource.resolved_urn(self.project, self.stack),
                name=resource.name,
                options=self._options(resource),
                parent=resource.parent,
                dependencies=list(resource.dependencies),
            )
            if resource.provider is not None:
                entry.provider.CopyFrom(self._provider(resource.provider))
            for key, urns in resource.property_dependencies.items():
                if urns:
                    entry.propertyDependencies[key].urns.extend(urns)
        return self._verdict(self._call("AnalyzeStack", request))

    @staticmethod
    def _options(resource: ResourceInput) -> analyzer_pb2.AnalyzerResourceOptions:
        return analyzer_pb2.AnalyzerResourceOptions(
            parent=resource.parent,
            protect=resource.protect,
            ignoreChanges=list(resource.ignore_changes),
            deleteBeforeReplace=bool(resource.delete_before_replace),
            deleteBeforeReplaceDefined=resource.delete_before_replace is not None,
            additionalSecretOutputs=list(resource.additional_secret_outputs),
        )

    def _provider(self, provider: ResourceInput) -> analyzer_pb2.AnalyzerProviderResource:
        return analyzer_pb2.AnalyzerProviderResource(
            type=provider.type,
            properties=to_struct(provider.props),
            urn=provider.resolved_urn(self.project, self.stack),
            name=provider.name,
        )

    @classmethod
    def _verdict(cls, response: Any) -> Verdict:
        return Verdict(
            cls._diagnostics(response), frozenset(entry.policy_name for entry in response.not_applicable)
        )

    def analyze_verdict(self, resource: ResourceInput) -> Verdict:
        """`Analyze` one resource; its diagnostics and the policies that do not apply to it."""
        return self._verdict(self._call("Analyze", self._analyze_request(resource)))

    @staticmethod
    def _diagnostics(response: Any) -> list[Diagnostic]:
        return [
            Diagnostic(
                policy_name=diagnostic.policyName,
                policy_pack_name=diagnostic.policyPackName,
                enforcement_level=_level_name(diagnostic.enforcementLevel),
                message=diagnostic.message,
                urn=diagnostic.urn,
                description=diagnostic.description,
                severity=_severity_name(diagnostic.severity),
            )
            for diagnostic in response.diagnostics
        ]
