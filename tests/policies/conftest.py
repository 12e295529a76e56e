"""The policy pack started as its own process, once per session, and spoken to over the Analyzer protocol."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from toms.offline.analyzer_client import PolicyPackProcess

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"
APPROVED_AMI = "ami-0123456789abcdef0"
# The config every test starts from: the pack's defaults, plus an approved AMI so an EC2 instance can comply.
BASE_CONFIG: dict[str, Any] = {"ec2-approved-ami": {"approvedAmis": [APPROVED_AMI]}}


@pytest.fixture(scope="session")
def pack() -> Iterator[PolicyPackProcess]:
    """The pack as `pulumi up` runs it (PULUMI_DRY_RUN=false)."""
    with PolicyPackProcess(PACK_DIR, dry_run=False) as process:
        process.configure(BASE_CONFIG)
        yield process


@pytest.fixture(scope="session")
def preview_pack() -> Iterator[PolicyPackProcess]:
    """The pack as `pulumi preview` runs it (PULUMI_DRY_RUN=true)."""
    with PolicyPackProcess(PACK_DIR, dry_run=True) as process:
        process.configure(BASE_CONFIG)
        yield process


@contextmanager
def configured(
    process: PolicyPackProcess, config: Mapping[str, Any], *, validate: bool = True
) -> Iterator[PolicyPackProcess]:
    """The pack with `config` for the duration of a `with` block, then back to BASE_CONFIG."""
    process.configure(config, validate=validate)
    try:
        yield process
    finally:
        process.configure(BASE_CONFIG)
