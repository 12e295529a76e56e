"""The live tools' artifacts, one pydantic model each, used by the tool that writes the file and by the report
that reads it: `AuditResult` (`toms audit --json`) and `DrillEvidence` (`toms restore-drill --evidence`).

Both are bound to where they were taken: the account (from STS), partition and region, the toms version and
the time. Their JSON schemas are generated from these models into `toms/schemas/` (`toms/artifact_schemas.py`,
`make schemas`); `tests/toms/test_artifact_schemas.py` fails when a checked-in schema no longer matches.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

# EXCEPTION: the measure is off for this client by its own documented exception (its stack file turns it off
# and its pack config waives the policy with a reason and an expiry): not a pass, and not a failure.
AuditStatus = Literal["PASS", "FAIL", "ERROR", "EXCEPTION"]
AUDIT_STATUSES: tuple[AuditStatus, ...] = ("PASS", "FAIL", "ERROR", "EXCEPTION")
DrillResult = Literal["PASS", "FAIL"]
StepStatus = Literal["ok", "failed"]


def _utc_seconds(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


# A moment in UTC to the second; written with the `Z` suffix.
Timestamp = Annotated[AwareDatetime, AfterValidator(_utc_seconds)]
AccountId = Annotated[str, Field(pattern=r"^[0-9]{12}$", description="the AWS account, from STS")]
Partition = Annotated[
    str, Field(pattern=r"^aws(-[a-z]+)*$", description="the AWS partition: aws, aws-us-gov, aws-cn")
]


class Artifact(BaseModel):
    """Strict both ways: the writer cannot add a key the reader does not know, nor the reader accept one."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def to_json(self) -> str:
        return self.model_dump_json(indent=2, by_alias=True) + "\n"


class Origin(Artifact):
    """Where and when a piece of live evidence was taken, and by what."""

    toms_version: str
    account: AccountId
    partition: Partition
    region: str = Field(pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]$")
    started_at: Timestamp
    finished_at: Timestamp


class AuditFinding(Artifact):
    check: str = Field(
        description="the audit check's id (policies/toms_pack/catalogue.py names its measures)"
    )
    status: AuditStatus
    resource: str = Field(description="the resource's ARN, or an ARN pattern for a finding about a kind")
    measures: list[str]
    observed: dict[str, Any] = Field(
        description='the values looked at; a compared value is {"expected": .., "actual": ..} or '
        '{"allowed": .., "actual": ..}'
    )
    message: str


class AuditSummary(Artifact):
    passed: int = Field(alias="PASS", ge=0)
    failed: int = Field(alias="FAIL", ge=0)
    errors: int = Field(alias="ERROR", ge=0)
    # Absent from audits written before the status existed: they had none.
    exceptions: int = Field(default=0, alias="EXCEPTION", ge=0)

    @classmethod
    def of(cls, findings: list[AuditFinding]) -> AuditSummary:
        counts = Counter(finding.status for finding in findings)
        return cls(
            PASS=counts["PASS"], FAIL=counts["FAIL"], ERROR=counts["ERROR"], EXCEPTION=counts["EXCEPTION"]
        )

    def get(self, status: AuditStatus) -> int:
        return {
            "PASS": self.passed,
            "FAIL": self.failed,
            "ERROR": self.errors,
            "EXCEPTION": self.exceptions,
        }[status]

    @property
    def counts(self) -> str:
        """`3 PASS, 0 FAIL, 0 ERROR, 1 EXCEPTION`, the counts as every output writes them."""
        return ", ".join(f"{self.get(status)} {status}" for status in AUDIT_STATUSES)


class AuditResult(Origin):
    """What `toms audit --json` writes."""

    tool: Literal["toms audit"] = "toms audit"
    client: str
    expected_from: str = Field(
        description='the stack file the live values were compared with, or "pack default bounds"'
    )
    nothing_tagged: bool = Field(
        default=False,
        description="true when no resource of any kind carried the client's tags: every finding is then "
        "a FAIL saying so",
    )
    summary: AuditSummary
    findings: list[AuditFinding]

    @model_validator(mode="after")
    def _summary_counts_the_findings(self) -> AuditResult:
        if self.summary != AuditSummary.of(self.findings):
            raise ValueError("summary does not count the findings")
        return self

    @property
    def passed(self) -> bool:
        """No failure and no error; documented exceptions are listed, and do not fail the audit."""
        return self.summary.failed == 0 and self.summary.errors == 0

    def findings_for(self, checks: tuple[str, ...]) -> list[AuditFinding]:
        return [finding for finding in self.findings if finding.check in checks]


class DrillSource(Artifact):
    db_instance: str
    arn: str | None
    engine: str | None
    engine_version: str | None
    kms_key_id: str | None


class DrillSnapshot(Artifact):
    id: str
    type: str
    created_at: Timestamp


class StatusSeen(Artifact):
    """A status the instance reported while a step waited, and when it was first seen."""

    status: str
    after_seconds: float = Field(ge=0)


class DrillStep(Artifact):
    name: str
    started_at: Timestamp
    finished_at: Timestamp
    seconds: float = Field(ge=0, description="how long the step took (for a wait, how long it waited)")
    status: StepStatus
    detail: str
    statuses: list[StatusSeen] = Field(
        default_factory=list, description="for a wait: each status of the instance as it changed"
    )


class DrillEvidence(Origin):
    """What `toms restore-drill --evidence` writes."""

    tool: Literal["toms restore-drill"] = "toms restore-drill"
    source: DrillSource
    snapshot: DrillSnapshot | None
    temporary_instance: str | None
    steps: list[DrillStep]
    restore_seconds: float | None = Field(ge=0)
    result: DrillResult
    error: str | None
    interrupted_by: str | None = Field(
        default=None, description="the signal that stopped the drill (SIGINT, SIGTERM, SIGHUP), if one did"
    )
