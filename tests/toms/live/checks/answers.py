"""What a check reads of its audit context, for verdicts on AWS answers written out in a test."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from components.config import ClientConfig


def fake_context(expected: ClientConfig | None, **clients: Any) -> Any:
    """What a check reads of its audit context, for verdicts on answers written out in the test."""
    return SimpleNamespace(expected=expected, client_for=lambda service: clients[service])
