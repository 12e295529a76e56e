"""The policy pack, once per session: as its own process spoken to over the Analyzer protocol, and in this
process (the policy SDK's own servicer, without process or gRPC) for the fast run of every case table."""

from __future__ import annotations

import os
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


class InProcessPack(PolicyPackProcess):
    """The pack's servicer (`kit.server.PackServicer`, the policy SDK's own) in this process.

    The requests and the servicer code are those of the pack process; only the process and gRPC are left
    out, so a case table runs in a fraction of the time. `PULUMI_DRY_RUN` is set around each call, as
    the engine sets it for the pack process.
    """

    _servicer: Any = None

    def start(self) -> None:
        from policies.toms_pack.kit import FindingsHandoff
        from policies.toms_pack.kit.server import PackServicer
        from policies.toms_pack.pack import PACK_DESCRIPTION, PACK_NAME, all_rules, pack_version

        self._servicer = PackServicer(
            PACK_NAME, pack_version(), PACK_DESCRIPTION, all_rules(), FindingsHandoff()
        )

    def close(self) -> None:
        self._servicer = None

    def _call(self, method: str, request: Any) -> Any:
        saved = os.environ.get("PULUMI_DRY_RUN")
        os.environ["PULUMI_DRY_RUN"] = "true" if self.dry_run else "false"
        try:
            return getattr(self._servicer, method)(request, None)
        finally:
            if saved is None:
                del os.environ["PULUMI_DRY_RUN"]
            else:
                os.environ["PULUMI_DRY_RUN"] = saved


@pytest.fixture(scope="session")
def in_process() -> Iterator[PolicyPackProcess]:
    with InProcessPack(PACK_DIR, dry_run=False) as process:
        process.configure(BASE_CONFIG)
        yield process


@pytest.fixture(scope="session")
def in_process_preview() -> Iterator[PolicyPackProcess]:
    with InProcessPack(PACK_DIR, dry_run=True) as process:
        process.configure(BASE_CONFIG)
        yield process


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize the case-table tests of a rule family module with that module's `CASES`."""
    if {"policy", "case"} <= set(metafunc.fixturenames) and hasattr(metafunc.module, "CASES"):
        from tests.policies.casetable import params

        metafunc.parametrize(("policy", "case"), params(metafunc.module.CASES))
