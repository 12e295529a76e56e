"""What an offline run of a program produces, and how it fails: plain records with no Pulumi SDK import, so
toms can read a run's results before (or without) loading the SDK, and the harness can send them.

Relative imports only: the harness loads this package under a private name in the program's own
interpreter (toms/offline/program_process.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .invoke_answers import AwsPlace

if TYPE_CHECKING:
    from google.protobuf import struct_pb2

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
# A program under mocks finishes in seconds; one still running after this is stuck, and says so.
PROGRAM_TIMEOUT_SECONDS = 120.0


class MissingConfigError(Exception):
    """Required config keys the program asked for and the stack does not set (all of them, in order)."""

    def __init__(self, keys: list[str]) -> None:
        lines = "\n".join(f"  --config {key}=VALUE" for key in keys)
        super().__init__(
            f"the program requires {len(keys)} config value{'s' if len(keys) > 1 else ''} the stack does not "
            f"set; pass {'each' if len(keys) > 1 else 'it'} with\n{lines}"
        )
        self.keys = keys


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
    # A component a provider plugin implements (awsx, eks): its children exist only in the plugin.
    remote: bool = False


@dataclass(frozen=True)
class ProgramRun:
    project: str
    stack: str
    preview: bool
    config: Mapping[str, str]
    resources: tuple[RegisteredResource, ...]
    stack_outputs: Mapping[str, Any] = field(default_factory=dict)
    # Resources the program read (`Resource.get`, StackReference): type and name; never sent to the pack.
    reads: tuple[tuple[str, str], ...] = ()
    # Each provider function the program called, with where its answer came from (see AwsLikeMocks).
    invokes: Mapping[str, str] = field(default_factory=dict)

    def of_type(self, type_token: str) -> list[RegisteredResource]:
        return [resource for resource in self.resources if resource.type == type_token]

    def children_of(self, parent_urn: str) -> list[RegisteredResource]:
        return [resource for resource in self.resources if resource.parent == parent_urn]


def aws_place(config: Mapping[str, str]) -> AwsPlace:
    """The stack's region, and the account and partition of the first ARN in its config (the stack's own,
    such as its certificate): where mock ids and ARNs point."""
    region = config.get("aws:region") or DEFAULT_REGION
    for value in config.values():
        parts = value.split(":")
        if value.startswith("arn:") and len(parts) > 4 and parts[4].isdigit() and len(parts[4]) == 12:
            return AwsPlace(region=region, account=parts[4], partition=parts[1])
    return AwsPlace(region=region, account=DEFAULT_ACCOUNT)
