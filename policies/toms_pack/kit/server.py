"""The pack's Analyzer server: the policy SDK's own servicer, given the pack's real version (the SDK's
`PolicyPack` hard-codes 0.0.1, which its messages then print) and a `Configure` that refuses a config
loosening the pack (`kit.packconfig.review`) instead of running with it."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from concurrent import futures
from typing import Any

import grpc
from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2_grpc
from pulumi_policy import EnforcementLevel, Policy
from pulumi_policy.policy import _PolicyAnalyzerServicer

from .adapter import FindingsHandoff
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
