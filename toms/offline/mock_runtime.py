"""Run a Pulumi Python program offline, under Pulumi's own mock runtime, and record what it registers.

The program is the real one (`__main__.py` of a project folder), executed in-process with the stack's
config exactly as the Pulumi CLI would hand it over (flat `namespace:key` values; structured values as
JSON text). Every resource registration is recorded with its type, name, URN, parent, provider and
inputs, including the serialized property struct the engine would pass on to a policy analyzer.

The mocks (`toms/offline/mocks.py`) answer like AWS would. With `preview=True` only the inputs come back,
so every value the cloud decides stays unknown, as in `pulumi preview`.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import runpy
import sys
import threading
import traceback
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import struct_pb2
from pulumi import Output, RunError
from pulumi import runtime as pulumi_runtime
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import run_pulumi_func

from toms.offline import lazy_sdk
from toms.offline.mocks import AwsLikeMocks, InvokeError
from toms.project import ProjectFileError, read_project, read_stack_file, shown_path

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
# A program under mocks finishes in seconds; one still running after this is stuck, and says so.
PROGRAM_TIMEOUT_SECONDS = 120.0


class ProgramError(Exception):
    """The program could not run: a bad stack or project file, or an error raised by the program.

    `registered` holds what the program had registered before it stopped, so callers can show that a
    refused stack file left nothing half-applied.
    """

    def __init__(self, message: str, registered: tuple[RegisteredResource, ...] = ()) -> None:
        super().__init__(message)
        self.registered = registered


@dataclass(frozen=True)
class RegisteredResource:
    """One `RegisterResource` call as the engine receives it."""

    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    provider: str
    inputs: Mapping[str, Any]
    # The inputs as the serialized struct the engine forwards to analyzers (unknowns and secrets kept).
    properties: struct_pb2.Struct
    dependencies: tuple[str, ...]
    protect: bool
    outputs: Mapping[str, Any]
    # Which other resources each input came from (what the engine keeps as property dependencies).
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ignore_changes: tuple[str, ...] = ()
    delete_before_replace: bool | None = None
    additional_secret_outputs: tuple[str, ...] = ()
    version: str = ""
    # Where the program constructed the resource, as the SDK reports it: (file URI, line), or None.
    source_position: tuple[str, int] | None = None


@dataclass(frozen=True)
class ProgramRun:
    project: str
    stack: str
    preview: bool
    config: Mapping[str, str]
    resources: tuple[RegisteredResource, ...]
    stack_outputs: Mapping[str, Any] = field(default_factory=dict)

    def of_type(self, type_token: str) -> list[RegisteredResource]:
        return [resource for resource in self.resources if resource.type == type_token]

    def children_of(self, parent_urn: str) -> list[RegisteredResource]:
        return [resource for resource in self.resources if resource.parent == parent_urn]


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The mock monitor, keeping every registration with what the engine would know of it."""

    def __init__(
        self, mocks: pulumi_mocks.Mocks, on_register: Callable[[RegisteredResource], None] | None = None
    ) -> None:
        super().__init__(mocks)
        self.registrations: list[RegisteredResource] = []
        self.on_register = on_register
        # Registrations arrive on the runtime's executor threads; listeners see them in list order.
        self._recording = threading.Lock()

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
        )
        with self._recording:
            self.registrations.append(recorded)
            if self.on_register is not None:
                self.on_register(recorded)
        return response


def _account_region_partition(config: Mapping[str, str]) -> tuple[str, str, str]:
    """The account and partition of the first ARN in the config (the stack's own, such as its
    certificate), and the stack's region: what the mocks answer in."""
    region = config.get("aws:region") or DEFAULT_REGION
    for value in config.values():
        parts = value.split(":")
        if value.startswith("arn:") and len(parts) > 4 and parts[4].isdigit() and len(parts[4]) == 12:
            return parts[4], region, parts[1]
    return DEFAULT_ACCOUNT, region, "aws"


def _run_main(program_dir: Path) -> None:
    runpy.run_path(str(program_dir / "__main__.py"), run_name="__main__")


def run_program(
    program_dir: Path,
    stack: str,
    config: Mapping[str, str] | None = None,
    *,
    preview: bool = False,
    on_register: Callable[[RegisteredResource], None] | None = None,
) -> ProgramRun:
    """Run `program_dir/__main__.py` for `stack` under mocks; config defaults to the stack's file.

    `on_register` sees each registration as the program makes it, on one of the runtime's threads.
    """
    program_dir = program_dir.resolve()
    lazy_sdk.install()
    try:
        project_file = read_project(program_dir)
        if config is None:
            config = read_stack_file(project_file.stack_file(stack))
    except ProjectFileError as error:
        raise ProgramError(str(error)) from None
    project = project_file.name
    account, region, partition = _account_region_partition(config)
    monitor = RecordingMonitor(
        AwsLikeMocks(region=region, account=account, preview=preview, partition=partition),
        on_register,
    )

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
        pulumi_runtime.set_mocks(
            monitor.mocks,
            project=project,
            stack=stack,
            preview=preview,
            monitor=monitor,
        )
        pulumi_runtime.set_all_config(dict(config))
        sys.path.insert(0, str(program_dir))
        finished = False
        try:
            program = run_pulumi_func(functools.partial(_run_main, program_dir))
            loop.run_until_complete(asyncio.wait_for(program, PROGRAM_TIMEOUT_SECONDS))
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
                f"{program_dir / '__main__.py'}: the program did not finish within "
                f"{PROGRAM_TIMEOUT_SECONDS:.0f} s under the mock runtime (the runtime was still waiting for "
                "registrations to complete)"
            ) from None
        finally:
            sys.path.remove(str(program_dir))
            executor.shutdown(wait=finished, cancel_futures=not finished)
            for worker_loop in worker_loops:
                worker_loop.close()
            loop.close()
            asyncio.set_event_loop(None)
        return ProgramRun(
            project=project,
            stack=stack,
            preview=preview,
            config=dict(config),
            resources=tuple(monitor.registrations),
            stack_outputs=dict(stack_outputs or {}),
        )

    try:
        # A fresh context per run: the Pulumi runtime keeps its settings (and the root stack resource
        # every top-level resource is parented to) in context variables.
        return contextvars.Context().run(execute)
    except (ProgramError, InvokeError) as error:
        raise ProgramError(str(error), tuple(monitor.registrations)) from None
    except RunError as error:
        raise ProgramError(str(error), tuple(monitor.registrations)) from None
    except Exception as error:
        raise ProgramError(
            f"{failing_line(error, program_dir)}: the program failed: {type(error).__name__}: {error}",
            tuple(monitor.registrations),
        ) from error


def failing_line(error: BaseException, program_dir: Path) -> str:
    """`file:line` of the program's own code where `error` was raised: the innermost frame in the program's
    folder (the lines below it are the SDK's), else its `__main__.py`."""
    frames = traceback.extract_tb(error.__traceback__)
    inside = [frame for frame in frames if Path(frame.filename).resolve().is_relative_to(program_dir)]
    if not inside:
        return shown_path(program_dir / "__main__.py")
    return f"{shown_path(Path(inside[-1].filename))}:{inside[-1].lineno}"
