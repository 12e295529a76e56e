"""The program's side of an offline preview, run by the program's own interpreter.

`program_process.py` starts the interpreter the program's `Pulumi.yaml` names (its virtualenv), in the
program's folder, with this package loaded under a private name; the harness needs only the Pulumi SDK
there. It runs the program under the mock runtime and sends what the engine would learn back over a pipe,
one JSON document a line:

    {"kind": "register", "resource": {...}}    each registration, as the program makes it
    {"kind": "done", "reads": [...], "invokes": {...}}
    {"kind": "error", "reason": "program" | "missing-module" | "no-sdk", "message": ..., "module": ...}
"""

from __future__ import annotations

import gc
import json
import os
import sys
import threading
from pathlib import Path
from typing import IO, Any


def _sender(stream: IO[str]) -> Any:
    lock = threading.Lock()

    def send(kind: str, **body: Any) -> None:
        line = json.dumps({"kind": kind, **body}, default=str)
        with lock:
            stream.write(line + "\n")
            stream.flush()

    return send


def _encoded(resource: Any) -> dict[str, Any]:
    from google.protobuf import json_format

    return {
        "urn": resource.urn,
        "type": resource.type,
        "name": resource.name,
        "parent": resource.parent,
        "custom": resource.custom,
        "provider": resource.provider,
        "properties": json_format.MessageToDict(resource.properties),
        "dependencies": list(resource.dependencies),
        "protect": resource.protect,
        "propertyDependencies": {key: list(urns) for key, urns in resource.property_dependencies.items()},
        "ignoreChanges": list(resource.ignore_changes),
        "deleteBeforeReplace": resource.delete_before_replace,
        "additionalSecretOutputs": list(resource.additional_secret_outputs),
        "version": resource.version,
        "sourcePosition": list(resource.source_position) if resource.source_position else None,
        "remote": resource.remote,
    }


def run(request: dict[str, Any], send: Any) -> int:
    try:
        from .invoke_answers import AwsPlace
        from .mock_runtime import ProgramError, run_mocked
        from .mocks import AwsLikeMocks
        from .typed_answers import placeholder_result
    except ImportError as error:
        send("error", reason="no-sdk", module=error.name or "", message=str(error))
        return 3
    mocks = AwsLikeMocks(
        AwsPlace(**request["place"]),
        preview=request["preview"],
        given_answers=request["invokeAnswers"],
        placeholder=placeholder_result,
        stack_references=request["stackReferences"],
    )
    try:
        run = run_mocked(
            Path(request["entry"]),
            request["project"],
            request["stack"],
            request["config"],
            mocks,
            on_register=lambda resource: send("register", resource=_encoded(resource)),
            timeout=request["timeout"],
        )
    except ProgramError as error:
        cause = error.__cause__
        if isinstance(cause, ModuleNotFoundError) and cause.name:
            send("error", reason="missing-module", module=cause.name, message=str(error))
        else:
            send("error", reason="program", module="", message=str(error))
        return 1
    send("done", reads=[list(read) for read in run.reads], invokes=dict(run.invokes))
    return 0


def _forget_program_modules(program_dir: Path) -> None:
    """Unload the program's own modules, so the next run imports them afresh as a new interpreter would
    (their module-level state never carries over); the SDK and other installed packages stay loaded."""
    root = program_dir.resolve()
    # The interpreter's own packages (a virtualenv inside the program's folder) and this harness stay.
    installed = Path(sys.prefix).resolve()
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if not file or name.split(".")[0] == __package__:
            continue
        path = Path(file).resolve()
        if path.is_relative_to(root) and not path.is_relative_to(installed):
            del sys.modules[name]


# How often a served interpreter empties the SDK's class caches (below): emptying them costs the next run
# about 0.1 s of CPU (the SDK's own classes are looked at again), while a run's classes held until then
# take about 0.7 MiB. Every 10th run: 10 ms a stack, and at most ten runs' classes held.
CLEAR_SDK_CACHES_EVERY = 10


def _clear_sdk_class_caches() -> None:
    """Empty the SDK's caches keyed by class (`pulumi._types` remembers each class's properties and type
    hints with `functools.cache`): the program's classes are made anew each run, and a cache that kept them
    would keep every run's classes, and their modules, alive for good. The SDK's own classes are cached
    again on their next use."""
    sdk_types = sys.modules.get("pulumi._types")
    for value in list(vars(sdk_types).values()) if sdk_types is not None else ():
        if callable(getattr(value, "cache_clear", None)):
            value.cache_clear()


def serve(send: Any) -> int:
    """Run one request after another, each a JSON line on stdin, until stdin closes: `preview --all`'s
    workers keep one interpreter for their stacks, so the SDK loads once. The program's own modules are
    unloaded after each run, and the SDK's caches of their classes emptied every few runs. Each run's
    objects are collected before the next; what the first run left (the SDK's modules and classes) is
    frozen, so those collections skip it. What still accumulates (bounded caches of other libraries, e.g.
    `typing`'s) is bounded by the worker replacing this interpreter now and then (toms/preview/fleet.py)."""
    for number, line in enumerate(sys.stdin):
        request = json.loads(line)
        run(request, send)
        _forget_program_modules(Path(request["entry"]).parent)
        if number % CLEAR_SDK_CACHES_EVERY == CLEAR_SDK_CACHES_EVERY - 1:
            _clear_sdk_class_caches()
        gc.collect()
        if number == 0:
            gc.freeze()
    return 0


def main(request_path: str, result_fd: int) -> None:
    """One run of the request in `request_path`, or with "-" every request on stdin (`serve`)."""
    # A short process: the cyclic collector would walk the SDK's thousands of classes for nothing, and
    # tearing the interpreter down takes longer than the run, so it leaves with os._exit.
    gc.disable()
    stream = os.fdopen(result_fd, "w", encoding="utf-8")
    if request_path == "-":
        code = serve(_sender(stream))
    else:
        code = run(json.loads(Path(request_path).read_text(encoding="utf-8")), _sender(stream))
    stream.close()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
