"""The `toms preview --json` report as one pydantic model: `json_report` builds it and writes it, tests and
tools read it back with it, and `toms/schemas/preview-report.schema.json` is generated from it
(`toms/artifact_schemas.py`, `make schemas`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Level = Literal["mandatory", "advisory", "remediate", "disabled"]
Verdict = Literal["pass", "fail", "incomplete"]
OverallVerdict = Literal["pass", "fail", "incomplete", "error"]
Urn = Annotated[str, Field(pattern=r"^urn:pulumi:")]
NonEmpty = Annotated[str, Field(min_length=1)]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Tool(_Part):
    name: Literal["toms preview"] = "toms preview"
    version: str


class PolicyPack(_Part):
    name: str
    version: str
    config: str | None = Field(description="the pack config file, relative to the program's root")
    levels: dict[str, Level]


class StackSummary(_Part):
    resources: int = Field(ge=1)
    mandatory: int = Field(ge=0)
    advisory: int = Field(ge=0)


class NotExpandable(_Part):
    urn: Urn
    type: str
    name: str


class Invoke(_Part):
    token: str
    answer: Literal["computed", "given", "placeholder"]


class Read(_Part):
    type: str
    name: str


class SourceLocation(_Part):
    file: NonEmpty
    line: int = Field(ge=1)


class Resource(_Part):
    urn: Urn
    type: NonEmpty
    name: NonEmpty
    parent: str
    custom: bool
    provider: str
    protect: bool
    dependencies: list[Urn]
    inputs: dict[str, Any] = Field(description='unknown values are "[unknown]", secrets "[secret]"')
    source: SourceLocation | None


class MeasureRef(_Part):
    id: str
    line: str


class Finding(_Part):
    policy: NonEmpty
    enforcement_level: Level = Field(alias="enforcementLevel")
    severity: str
    stage: Literal["resource", "stack"]
    urn: Urn
    resource_type: str = Field(alias="resourceType")
    resource_name: str = Field(alias="resourceName")
    message: str
    measures: list[MeasureRef]


class StackResult(_Part):
    project: NonEmpty
    stack: NonEmpty
    program: str
    interpreter: NonEmpty
    stack_file: str | None = Field(alias="stackFile")
    policy_pack: PolicyPack = Field(alias="policyPack")
    verdict: Verdict
    summary: StackSummary
    not_expandable: list[NotExpandable] = Field(alias="notExpandable")
    not_judged: dict[str, Annotated[int, Field(ge=1)]] = Field(alias="notJudged")
    invokes: list[Invoke]
    reads: list[Read]
    resources: list[Resource] = Field(min_length=1)
    findings: list[Finding]


class StackFailure(_Part):
    stack: NonEmpty
    program: str | None
    verdict: Literal["error"] = "error"
    error: NonEmpty


class Summary(_Part):
    stacks: int = Field(ge=0)
    errors: int = Field(ge=0)
    mandatory: int = Field(ge=0)
    advisory: int = Field(ge=0)
    verdict: OverallVerdict


class PreviewReport(_Part):
    """What `toms preview --json FILE` writes: per stack, the resources the engine would analyse and the
    policy pack's findings (unknown values "[unknown]", secrets "[secret]", never their value), or why the
    stack could not be previewed. Paths are relative to the program's root."""

    tool: Tool
    previews: list[StackResult | StackFailure]
    summary: Summary

    def to_json(self) -> str:
        return self.model_dump_json(indent=2, by_alias=True) + "\n"
