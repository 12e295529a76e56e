"""The policy pack, once per session: as one process of its own spoken to over the Analyzer protocol (in
both phases: `preview_pack` and `pack` tell it which with ConfigureStack, as the engine does), and in this
process (the pack's servicer without process or gRPC) for the fast run of every case table."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime.proto import analyzer_pb2

from toms.offline.analyzer_client import PolicyPackProcess

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"
APPROVED_AMI = "ami-0123456789abcdef0"
# The config every test starts from: the pack's defaults, plus an approved AMI so an EC2 instance can comply.
BASE_CONFIG: dict[str, Any] = {"ec2-approved-ami": {"approvedAmis": [APPROVED_AMI]}}


class Phase(PolicyPackProcess):
    """One phase (preview or update) of the session's shared pack process. Before each call it tells the
    pack its phase with ConfigureStack (`dry_run`), as the engine does when a preview or an update starts,
    unless the pack was last told this phase already."""

    def __init__(self, shared: PolicyPackProcess, *, dry_run: bool) -> None:
        super().__init__(shared.pack_dir, dry_run=dry_run, project=shared.project, stack=shared.stack)
        self.shared = shared

    def start(self) -> None:
        """The shared process is started by the session fixture."""

    def close(self) -> None:
        """The shared process is closed by the session fixture."""

    @property
    def running(self) -> bool:
        return self.shared.running

    def _tell_phase(self) -> None:
        if self.shared.dry_run != self.dry_run:
            request = analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=self.stack, project=self.project, organization=self.organization, dry_run=self.dry_run
            )
            self.shared._call("ConfigureStack", request)
            self.shared.dry_run = self.dry_run

    def _call(self, method: str, request: Any) -> Any:
        self._tell_phase()
        return self.shared._call(method, request)

    def _running_stub(self) -> Any:
        self._tell_phase()
        return self.shared._running_stub()


@pytest.fixture(scope="session")
def shared_pack() -> Iterator[PolicyPackProcess]:
    """The one pack process of the session, configured with BASE_CONFIG."""
    with PolicyPackProcess(PACK_DIR, dry_run=True) as process:
        process.configure(BASE_CONFIG)
        yield process


@pytest.fixture(scope="session")
def pack(shared_pack: PolicyPackProcess) -> PolicyPackProcess:
    """The pack as the update of `pulumi up` runs it (ConfigureStack dry_run false)."""
    return Phase(shared_pack, dry_run=False)


@pytest.fixture(scope="session")
def preview_pack(shared_pack: PolicyPackProcess) -> PolicyPackProcess:
    """The pack as `pulumi preview` runs it (ConfigureStack dry_run true)."""
    return Phase(shared_pack, dry_run=True)


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
