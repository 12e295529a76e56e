"""Run a Pulumi Python program offline, under Pulumi's own mock runtime, and record what it registers.

The program is the real one (the file its `Pulumi.yaml` starts it at), executed in this process with the
stack's config exactly as the Pulumi CLI would hand it over (flat `namespace:key` values; structured values as
JSON text). Every resource registration is recorded with its type, name, URN, parent, provider and
inputs, including the serialized property struct the engine would pass on to a policy analyzer.

The mocks (`toms/offline/mocks.py`) answer like AWS would. With `preview=True` only the inputs come back,
so every value the cloud decides stays unknown, as in `pulumi preview`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import runpy
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from google.protobuf import struct_pb2
from pulumi import Output, RunError
from pulumi import config as pulumi_config
from pulumi import runtime as pulumi_runtime
from pulumi.config import ConfigMissingError
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import run_pulumi_func

# Relative imports only: the harness loads this package under a private name in the program's own
# interpreter (toms/offline/program_process.py).
from . import lazy_sdk
from .mocks import AwsLikeMocks, InvokeError
from .records import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    PROGRAM_TIMEOUT_SECONDS,
    MissingConfigError,
    ProgramError,
    ProgramRun,
    RegisteredResource,
    aws_place,
)

__all__ = [
    "DEFAULT_ACCOUNT",
    "DEFAULT_REGION",
    "PROGRAM_TIMEOUT_SECONDS",
    "MissingConfigError",
    "ProgramError",
    "ProgramRun",
    "RecordingMonitor",
    "RegisteredResource",
    "aws_place",
    "run_mocked",
    "run_program",
]


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The mock monitor, keeping every registration with what the engine would know of it."""

    def __init__(
        self, mocks: pulumi_mocks.Mocks, on_register: Callable[[RegisteredResource], None] | None = None
    ) -> None:
        super().__init__(mocks)
        self.registrations: list[RegisteredResource] = []
        self.reads: list[tuple[str, str]] = []
        self.on_register = on_register
        # Registrations arrive on the runtime's executor threads; listeners see them in list order.
        self._recording = threading.Lock()

    def GetDeploymentInfo(self, request: Any) -> Any:
        """The mock monitor's features less resource references: providers built from Terraform (aws
        among them) take none, so the engine sends a resource input as the resource's id (unknown in a
        preview until it exists), and that is what the pack sees. The mock monitor would instead bring
        the reference back to life in its own thread and wait forever for its id."""
        info = super().GetDeploymentInfo(request)
        features = [
            feature
            for feature in info.supportedFeatures
            if feature != resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES
        ]
        return resource_pb2.DeploymentInfo(supportedFeatures=features)

    def SupportsFeature(self, request: Any) -> Any:
        if request.id == "resourceReferences":
            return type("SupportsFeatureResponse", (), {"hasSupport": False})
        return super().SupportsFeature(request)

    def ReadResource(self, request: Any) -> Any:
        response = super().ReadResource(request)
        with self._recording:
            self.reads.append((request.type, request.name))
        return response

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        registration = self.resources[response.urn]
        properties = struct_pb2.Struct()
        properties.CopyFrom(request.object)
        recorded = RegisteredResource(
            urn=response.urn,
            type=request.type,
            name=request.name,
            parent=request.parent,
            custom=bool(request.custom),
            provider=request.provider,
            inputs=rpc.deserialize_properties(request.object, keep_unknowns=True),
            properties=properties,
            dependencies=tuple(request.dependencies),
            protect=bool(request.protect),
            outputs=registration.state,
            property_dependencies={
                key: tuple(deps.urns) for key, deps in request.propertyDependencies.items()
            },
            ignore_changes=tuple(request.ignoreChanges),
            delete_before_replace=(
                bool(request.deleteBeforeReplace) if request.deleteBeforeReplaceDefined else None
            ),
            additional_secret_outputs=tuple(request.additionalSecretOutputs),
            version=request.version,
            source_position=(
                (request.sourcePosition.uri, request.sourcePosition.line)
                if request.HasField("sourcePosition") and request.sourcePosition.uri
                else None
            ),
            remote=bool(request.remote),
        )
        with self._recording:
            self.registrations.append(recorded)
            if self.on_register is not None:
                self.on_register(recorded)
        return response


# The typed value a `require_*` call gets for a missing key, so the program goes on and every missing key
# is found in one run; the run fails at its end, so these values never reach a verdict.
_MISSING_CONFIG_STAND_INS: dict[str, Any] = {
    "_require": "",
    "_require_int": 0,
    "_require_bool": False,
    "_require_float": 0.0,
    "_require_object": {},
}


@contextlib.contextmanager
def _collecting_missing_config(missing: list[str]) -> Iterator[None]:
    """Every `Config.require*` of a key the stack lacks adds the key to `missing` instead of stopping."""
    patched: dict[str, Any] = {}

    def stand_in(original: Any, value: Any) -> Any:
        def require(self: Any, key: str, *args: Any, **kwargs: Any) -> Any:
            try:
                return original(self, key, *args, **kwargs)
            except ConfigMissingError as error:
                if error.key not in missing:
                    missing.append(error.key)
                return value

        return require

    for name, value in _MISSING_CONFIG_STAND_INS.items():
        original = getattr(pulumi_config.Config, name, None)
        if original is not None:
            patched[name] = original
            setattr(pulumi_config.Config, name, stand_in(original, value))
    try:
        yield
    finally:
        for name, original in patched.items():
            setattr(pulumi_config.Config, name, original)


def run_mocked(
    entry: Path,
    project: str,
    stack: str,
    config: Mapping[str, str],
    mocks: AwsLikeMocks,
    *,
    on_register: Callable[[RegisteredResource], None] | None = None,
    timeout: float | None = None,
) -> ProgramRun:
    """Run the program file `entry` as stack `stack` of `project` under `mocks` (their `preview` says
    which kind of run), with its folder first on the import path, as `runpy.run_path` puts it there.

    `on_register` sees each registration as the program makes it, on one of the runtime's threads. Every
    failure is a ProgramError naming the program; one that only lacks config lists every missing key.
    """
    main = entry.resolve()
    program_dir = main.parent
    timeout = PROGRAM_TIMEOUT_SECONDS if timeout is None else timeout
    lazy_sdk.install()
    monitor = RecordingMonitor(mocks, on_register)
    missing_config: list[str] = []

    def execute() -> ProgramRun:
        # The runtime binds the root stack resource to the current event loop, so the loop comes first.
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        # The mock monitor gives each executor thread an event loop of its own; run them in an executor
        # whose loops are closed with the run, not left to the garbage collector at interpreter exit.
        worker_loops: list[asyncio.AbstractEventLoop] = []

        def give_worker_a_loop() -> None:
            worker_loop = asyncio.new_event_loop()
            asyncio.set_event_loop(worker_loop)
            worker_loops.append(worker_loop)

        executor = ThreadPoolExecutor(thread_name_prefix="toms-mock", initializer=give_worker_a_loop)
        loop.set_default_executor(executor)
        pulumi_runtime.set_mocks(mocks, project=project, stack=stack, preview=mocks.preview, monitor=monitor)
        pulumi_runtime.set_all_config(dict(config))
        sys.path.insert(0, str(program_dir))
        finished = False
        try:
            with _collecting_missing_config(missing_config):
                program = run_pulumi_func(functools.partial(_run_main, main))
                loop.run_until_complete(asyncio.wait_for(program, timeout))
            # `pulumi.export` records on the root stack resource; resolve what the program exported.
            exported = getattr(pulumi_settings.get_root_resource(), "outputs", {})
            stack_outputs = loop.run_until_complete(Output.from_input(exported).future(with_unknowns=True))
            finished = True
        except TimeoutError:
            stuck = asyncio.all_tasks(loop)
            for task in stuck:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*stuck, return_exceptions=True))
            raise ProgramError(
                f"{main}: the program did not finish within {timeout:.0f} s under the mock runtime (the "
                "runtime was still waiting for registrations to complete)"
            ) from None
        finally:
            sys.path.remove(str(program_dir))
            executor.shutdown(wait=finished, cancel_futures=not finished)
            # A worker stuck in a call keeps its loop running; the process ends it, not this cleanup.
            for worker_loop in worker_loops:
                if not worker_loop.is_running():
                    worker_loop.close()
            loop.close()
            asyncio.set_event_loop(None)
        if missing_config:
            raise MissingConfigError(missing_config)
        return ProgramRun(
            project=project,
            stack=stack,
            preview=mocks.preview,
            config=dict(config),
            resources=tuple(monitor.registrations),
            stack_outputs=dict(stack_outputs or {}),
            reads=tuple(monitor.reads),
            invokes=dict(mocks.invoked),
        )

    def failure(message: str) -> ProgramError:
        if missing_config:
            # What the program did with a stand-in value is not its fault: the missing keys are.
            message = str(MissingConfigError(missing_config))
        return ProgramError(message, tuple(monitor.registrations))

    try:
        # A fresh context per run: the Pulumi runtime keeps its settings (and the root stack resource
        # every top-level resource is parented to) in context variables.
        return contextvars.Context().run(execute)
    except MissingConfigError as error:
        raise ProgramError(f"{main}: {error}", tuple(monitor.registrations)) from None
    except (ProgramError, InvokeError, RunError) as error:
        raise failure(str(error)) from None
    except Exception as error:
        raise failure(
            f"{failing_line(error, main)}: the program failed: {type(error).__name__}: {error}"
        ) from error


def _run_main(entry: Path) -> None:
    runpy.run_path(str(entry), run_name="__main__")


def run_program(
    program_dir: Path,
    stack: str,
    config: Mapping[str, str] | None = None,
    *,
    preview: bool = False,
    on_register: Callable[[RegisteredResource], None] | None = None,
) -> ProgramRun:
    """Run a program in this process for `stack` under the AWS-like mocks; config defaults to the stack's
    file. For tests of this repository's own program; `toms preview` runs programs in their own
    interpreter (program_process.py)."""
    from toms.project import ProjectFileError, read_project, read_stack_file

    try:
        project = read_project(program_dir)
        if config is None:
            config = read_stack_file(project.stack_file(stack))
    except ProjectFileError as error:
        raise ProgramError(str(error)) from None
    mocks = AwsLikeMocks(aws_place(config), preview=preview)
    return run_mocked(project.entry, project.name, stack, config, mocks, on_register=on_register)


def failing_line(error: BaseException, entry: Path) -> str:
    """`file:line` of the program's own code where `error` was raised: the innermost frame in the program's
    folder (the lines below it are the SDK's), else its entry file. Absolute: this runs in the program's
    interpreter and folder, and the command shows the path as it shows every path (toms.project)."""
    frames = traceback.extract_tb(error.__traceback__)
    inside = [frame for frame in frames if Path(frame.filename).resolve().is_relative_to(entry.parent)]
    if not inside:
        return str(entry)
    return f"{Path(inside[-1].filename).absolute()}:{inside[-1].lineno}"
