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
            Path(request["programDir"]),
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


def main(request_path: str, result_fd: int) -> None:
    # A short process: the cyclic collector would walk the SDK's thousands of classes for nothing, and
    # tearing the interpreter down takes longer than the run, so it leaves with os._exit.
    gc.disable()
    request = json.loads(Path(request_path).read_text(encoding="utf-8"))
    stream = os.fdopen(result_fd, "w", encoding="utf-8")
    code = run(request, _sender(stream))
    stream.close()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
