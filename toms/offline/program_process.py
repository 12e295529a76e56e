"""Run a Pulumi program offline in its own interpreter, as the Pulumi CLI would find it.

The interpreter is the one of the program's virtualenv (`runtime.options.virtualenv` in its
`Pulumi.yaml`, relative to the project's folder), else toms' own. It runs `harness.py` (this package,
loaded under a private name, so the program's own modules never meet toms' packages) in the folder the
Pulumi CLI would run the program in (the project's, or the one its `main:` names), and sends each
registration back over a pipe as the program makes it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from toms import interruption
from toms.offline.invoke_answers import AwsPlace
from toms.offline.records import PROGRAM_TIMEOUT_SECONDS, ProgramError, RegisteredResource
from toms.project import PROJECT_FILE, Project, shown_path

OFFLINE_PACKAGE = Path(__file__).resolve().parent
# Loads this package as `_toms_offline` from its folder and hands over to the harness.
BOOTSTRAP = """\
import importlib.util, sys
folder, request, fd = sys.argv[1:4]
spec = importlib.util.spec_from_file_location(
    "_toms_offline", folder + "/__init__.py", submodule_search_locations=[folder]
)
package = importlib.util.module_from_spec(spec)
sys.modules["_toms_offline"] = package
spec.loader.exec_module(package)
from _toms_offline.harness import main
main(request, int(fd))
"""
# The harness has its own timeout for the program; this one is for an interpreter that never starts it.
STARTUP_ALLOWANCE_SECONDS = 30.0
# How much of the program's own output a failure message quotes.
OUTPUT_TAIL_LINES = 20


# An absolute path at the start of a message, before `: ` or `:<line>: `.
LEADING_PATH = re.compile(r"^(/[^:\s]+)(?=(:\d+)?: )")


@dataclass(frozen=True)
class Interpreter:
    python: Path
    # The program's virtualenv; None when the program names none and runs in toms' own interpreter.
    virtualenv: Path | None

    def describe(self) -> str:
        if self.virtualenv is None:
            return (
                f"toms' own interpreter {shown_path(self.python)} (the program's {PROJECT_FILE} names no "
                "virtualenv)"
            )
        return f"the program's virtualenv {shown_path(self.virtualenv)} (runtime.options.virtualenv)"


def program_interpreter(project: Project) -> Interpreter:
    """The interpreter the Pulumi CLI would run the program with; a ProgramError when its virtualenv
    is named but missing."""
    if project.virtualenv is None:
        return Interpreter(Path(sys.executable), None)
    python = project.virtualenv / "bin" / "python"
    if not python.exists():
        raise ProgramError(
            f"{shown_path(project.program_dir / PROJECT_FILE)}: runtime.options.virtualenv: "
            f"{shown_path(project.virtualenv)} has no "
            "bin/python; create it and install the program's packages: "
            f"python -m venv {project.virtualenv} && "
            f"{python} -m pip install -r {project.program_dir / 'requirements.txt'}"
        )
    return Interpreter(python, project.virtualenv)


@dataclass(frozen=True)
class ProgramOutcome:
    """What the program's run told the engine, besides the registrations already handed over."""

    interpreter: Interpreter
    resources: tuple[RegisteredResource, ...]
    # (type, name) of each resource read with `Resource.get` or a StackReference.
    reads: tuple[tuple[str, str], ...]
    # Each provider function called -> where its answer came from (see toms/offline/mocks.py).
    invokes: Mapping[str, str]


def _decoded(body: Mapping[str, Any]) -> RegisteredResource:
    # Imported here: by the time the first registration arrives toms has loaded the SDK for the pack's
    # side; starting the program needs none of it.
    from google.protobuf import json_format, struct_pb2
    from pulumi.runtime import rpc

    properties = json_format.ParseDict(body["properties"], struct_pb2.Struct())
    position = body.get("sourcePosition")
    return RegisteredResource(
        urn=body["urn"],
        type=body["type"],
        name=body["name"],
        parent=body["parent"],
        custom=body["custom"],
        provider=body["provider"],
        inputs=rpc.deserialize_properties(properties, keep_unknowns=True),
        properties=properties,
        dependencies=tuple(body["dependencies"]),
        protect=body["protect"],
        outputs={},
        property_dependencies={key: tuple(urns) for key, urns in body["propertyDependencies"].items()},
        ignore_changes=tuple(body["ignoreChanges"]),
        delete_before_replace=body["deleteBeforeReplace"],
        additional_secret_outputs=tuple(body["additionalSecretOutputs"]),
        version=body["version"],
        source_position=(position[0], int(position[1])) if position else None,
        remote=body["remote"],
    )


def _install_hint(interpreter: Interpreter, module: str) -> str:
    distribution = module.split(".")[0].replace("_", "-")
    return f"{interpreter.python} -m pip install {distribution}"


def _shown_leading_path(message: str) -> str:
    """The program's interpreter names files absolutely (it runs in the program's folder); shown here as
    this command shows paths (relative to the project it works on)."""
    return LEADING_PATH.sub(lambda match: shown_path(Path(match[1])), message, count=1)


def _failure(project: Project, interpreter: Interpreter, error: Mapping[str, Any]) -> str:
    main = shown_path(project.entry)
    module = error.get("module") or ""
    if error["reason"] == "missing-module":
        return (
            f"{main}: the program imports {module}, which is not installed in {interpreter.describe()}; "
            f"install the package that provides it there: {_install_hint(interpreter, module)}"
        )
    if error["reason"] == "no-sdk":
        return (
            f"{interpreter.python}: {interpreter.describe()} cannot run the offline harness: "
            f"{error['message']}; "
            f"the program needs the Pulumi SDK there: {_install_hint(interpreter, module or 'pulumi')}"
        )
    return _shown_leading_path(str(error["message"]))


def _tail(path: Path) -> str:
    lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return "\n".join(lines[-OUTPUT_TAIL_LINES:])


def _request(
    project: Project,
    stack: str,
    config: Mapping[str, str],
    place: AwsPlace,
    *,
    preview: bool,
    invoke_answers: Mapping[str, Mapping[str, Any]] | None,
    stack_references: Mapping[str, Mapping[str, Any]] | None,
    timeout: float,
) -> dict[str, Any]:
    return {
        "entry": str(project.entry),
        "project": project.name,
        "stack": stack,
        "config": dict(config),
        "preview": preview,
        "place": {"region": place.region, "account": place.account, "partition": place.partition},
        "invokeAnswers": dict(invoke_answers or {}),
        "stackReferences": dict(stack_references or {}),
        "timeout": timeout,
    }


@dataclass(frozen=True)
class _Started:
    process: subprocess.Popen[bytes]
    # Its results, one JSON message a line.
    results: IO[str]
    # Its registration with toms/interruption.py: a signal that ends toms ends it and removes its scratch.
    interruption_token: int


def _start(
    interpreter: Interpreter, project: Project, request: str, output: IO[bytes], *, serve: bool, scratch: Path
) -> _Started:
    """The harness in the program's interpreter and folder, for the request in the file `request` (or,
    with `serve`, each request written to its stdin); its results come back on the returned stream."""

    def end_on_interrupt() -> None:
        interruption.kill_process_group(process.pid)
        shutil.rmtree(scratch, ignore_errors=True)

    read_end, write_end = os.pipe()
    try:
        with interruption.held():  # no signal between the start and the registration
            process = subprocess.Popen(
                [str(interpreter.python), "-c", BOOTSTRAP, str(OFFLINE_PACKAGE), request, str(write_end)],
                cwd=project.working_dir,
                stdin=subprocess.PIPE if serve else subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                pass_fds=(write_end,),
                # Its own session: Ctrl-C reaches toms, which ends the run; not the program's tracebacks.
                start_new_session=True,
            )
            token = interruption.end_on_interrupt(end_on_interrupt)
    except OSError as error:
        os.close(read_end)
        raise ProgramError(f"{interpreter.python}: cannot start the program's interpreter: {error}") from None
    finally:
        os.close(write_end)
    return _Started(process, os.fdopen(read_end, encoding="utf-8"), token)


def _read_run(
    results: IO[str], on_register: Callable[[RegisteredResource], None] | None
) -> tuple[list[RegisteredResource], dict[str, Any]]:
    """One run's registrations and its ending (empty when the stream ended first)."""
    resources: list[RegisteredResource] = []
    for line in results:
        message = json.loads(line)
        if message["kind"] != "register":
            return resources, message
        resource = _decoded(message["resource"])
        resources.append(resource)
        if on_register is not None:
            on_register(resource)
    return resources, {}


def _outcome(
    project: Project,
    interpreter: Interpreter,
    resources: list[RegisteredResource],
    ending: Mapping[str, Any],
    status: int | None,
    output_path: Path,
) -> ProgramOutcome:
    if ending.get("kind") == "error":
        raise ProgramError(_failure(project, interpreter, ending), tuple(resources))
    if ending.get("kind") != "done":
        output_text = _tail(output_path)
        detail = f"; its last output:\n{output_text}" if output_text else ""
        raise ProgramError(
            f"{shown_path(project.entry)}: the program's interpreter "
            f"{interpreter.python} ended (exit status {status}) before the program finished{detail}",
            tuple(resources),
        )
    return ProgramOutcome(
        interpreter=interpreter,
        resources=tuple(resources),
        reads=tuple((kind, name) for kind, name in ending.get("reads", [])),
        invokes=dict(ending.get("invokes", {})),
    )


def _stop(process: subprocess.Popen[bytes]) -> int | None:
    if process.poll() is None:
        process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        return process.wait(timeout=5)
    return None


class ProgramProcess:
    """The program running in its own interpreter: started at once (`start`), its registrations read as
    they arrive (`collect`). Starting it before toms loads the pack's side lets the two overlap."""

    def __init__(
        self,
        project: Project,
        stack: str,
        config: Mapping[str, str],
        place: AwsPlace,
        *,
        preview: bool = True,
        invoke_answers: Mapping[str, Mapping[str, Any]] | None = None,
        stack_references: Mapping[str, Mapping[str, Any]] | None = None,
        timeout: float = PROGRAM_TIMEOUT_SECONDS,
    ) -> None:
        self.project = project
        self.interpreter = program_interpreter(project)
        self.timeout = timeout
        request = _request(
            project,
            stack,
            config,
            place,
            preview=preview,
            invoke_answers=invoke_answers,
            stack_references=stack_references,
            timeout=timeout,
        )
        self._scratch = tempfile.TemporaryDirectory(prefix="toms-program-")
        scratch = Path(self._scratch.name)
        request_path = scratch / "request.json"
        request_path.write_text(json.dumps(request), encoding="utf-8")
        self._output_path = scratch / "output.txt"
        try:
            with self._output_path.open("wb") as output:
                started = _start(
                    self.interpreter, project, str(request_path), output, serve=False, scratch=scratch
                )
            self._process, self._results = started.process, started.results
            self._interruption_token = started.interruption_token
        except ProgramError:
            self._scratch.cleanup()
            raise
        self._watchdog = threading.Timer(timeout + STARTUP_ALLOWANCE_SECONDS, self._process.kill)
        self._watchdog.start()

    def collect(self, on_register: Callable[[RegisteredResource], None] | None = None) -> ProgramOutcome:
        """Read the registrations as they arrive (`on_register` sees each, on this thread) until the
        program ends; a ProgramError names what went wrong."""
        try:
            with self._results:
                resources, ending = _read_run(self._results, on_register)
                for _ in self._results:  # the harness ends after one run; read to the end of its stream
                    pass
            status = self._process.wait()
            return _outcome(self.project, self.interpreter, resources, ending, status, self._output_path)
        finally:
            self.close()

    def close(self) -> None:
        """Stop the program if it still runs and remove its scratch files (idempotent)."""
        self._watchdog.cancel()
        if self._process.poll() is None:
            self._process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=5)
        self._results.close()
        self._scratch.cleanup()
        interruption.forget(self._interruption_token)


def run_program_process(
    project: Project,
    stack: str,
    config: Mapping[str, str],
    place: AwsPlace,
    *,
    on_register: Callable[[RegisteredResource], None] | None = None,
    **options: Any,
) -> ProgramOutcome:
    """Run the program of `project` as `stack` in its own interpreter and folder (see ProgramProcess)."""
    return ProgramProcess(project, stack, config, place, **options).collect(on_register)


class ProgramServer:
    """One interpreter of the program that runs stack after stack (a worker of `preview --all`): the
    interpreter and the Pulumi SDK load once instead of once per stack.

    Each run gets a fresh Pulumi runtime and context in the harness, and the program's own modules (those
    in its folder) are imported afresh, as in a new interpreter: nothing of the program's state carries
    over; only installed packages stay loaded. An interpreter that dies or overruns its timeout fails that
    stack's run, and the next run starts a new one.
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self.interpreter = program_interpreter(project)
        self._scratch = tempfile.TemporaryDirectory(prefix="toms-programs-")
        self._output_path = Path(self._scratch.name) / "output.txt"
        self._output: IO[bytes] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._results: IO[str] | None = None
        self._interruption_token = 0

    def start(
        self,
        stack: str,
        config: Mapping[str, str],
        place: AwsPlace,
        *,
        preview: bool = True,
        invoke_answers: Mapping[str, Mapping[str, Any]] | None = None,
        stack_references: Mapping[str, Mapping[str, Any]] | None = None,
        timeout: float = PROGRAM_TIMEOUT_SECONDS,
    ) -> ServedRun:
        """Hand the interpreter the next run (starting one when there is none); as `ProgramProcess`."""
        request = _request(
            self.project,
            stack,
            config,
            place,
            preview=preview,
            invoke_answers=invoke_answers,
            stack_references=stack_references,
            timeout=timeout,
        )
        if self._process is None or self._process.poll() is not None:
            self.close_process()
            self._output = self._output_path.open("wb")
            scratch = Path(self._scratch.name)
            started = _start(self.interpreter, self.project, "-", self._output, serve=True, scratch=scratch)
            self._process, self._results = started.process, started.results
            self._interruption_token = started.interruption_token
        assert self._process.stdin is not None
        with contextlib.suppress(OSError):  # an interpreter that is gone shows when its results are read
            self._process.stdin.write((json.dumps(request) + "\n").encode())
            self._process.stdin.flush()
        return ServedRun(self, timeout)

    def collect(
        self, timeout: float, on_register: Callable[[RegisteredResource], None] | None
    ) -> ProgramOutcome:
        process, results = self._process, self._results
        assert process is not None and results is not None
        watchdog = threading.Timer(timeout + STARTUP_ALLOWANCE_SECONDS, process.kill)
        watchdog.start()
        try:
            resources, ending = _read_run(results, on_register)
        finally:
            watchdog.cancel()
        status = None if ending else _stop(process)
        return _outcome(self.project, self.interpreter, resources, ending, status, self._output_path)

    @property
    def pid(self) -> int | None:
        """The interpreter's process id while it runs."""
        if self._process is None or self._process.poll() is not None:
            return None
        return self._process.pid

    def close_process(self) -> None:
        if self._process is not None:
            if self._process.stdin is not None:
                with contextlib.suppress(OSError):
                    self._process.stdin.close()
            _stop(self._process)
            self._process = None
            interruption.forget(self._interruption_token)
        if self._results is not None:
            self._results.close()
            self._results = None
        if self._output is not None:
            self._output.close()
            self._output = None

    def close(self) -> None:
        self.close_process()
        self._scratch.cleanup()


@dataclass
class ServedRun:
    """One run handed to a `ProgramServer`, read like a `ProgramProcess`; closing it leaves the server up."""

    server: ProgramServer
    timeout: float
    collected: bool = False

    @property
    def project(self) -> Project:
        return self.server.project

    def collect(self, on_register: Callable[[RegisteredResource], None] | None = None) -> ProgramOutcome:
        self.collected = True
        return self.server.collect(self.timeout, on_register)

    def close(self) -> None:
        """The server stays for the next stack, unless this run's results were never read: then its
        interpreter goes, so no later run reads them."""
        if not self.collected:
            self.server.close_process()
