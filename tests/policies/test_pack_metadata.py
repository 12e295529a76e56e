"""What the pack tells the engine about itself."""

from __future__ import annotations

import yaml

from tests.conftest import REPO
from toms.offline.analyzer_client import PolicyPackProcess


def test_the_pack_reports_the_version_its_project_file_declares(pack: PolicyPackProcess) -> None:
    declared = yaml.safe_load((REPO / "policies" / "PulumiPolicy.yaml").read_text())["version"]
    assert pack.info().version == declared
    assert pack.info().name == "toms"


def test_the_pack_runs_in_its_own_declared_virtualenv() -> None:
    runtime = yaml.safe_load((REPO / "policies" / "PulumiPolicy.yaml").read_text())["runtime"]
    assert runtime == {"name": "python", "options": {"virtualenv": "venv"}}
