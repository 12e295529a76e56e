"""The offline harness runs programs it was not written for: their provider functions get AWS-shaped answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toms.offline import mock_runtime
from toms.offline.mock_runtime import ProgramError, run_program
from toms.project import ProjectFileError, read_stack_file

PROGRAM = """
import pulumi
import pulumi_aws as aws

document = aws.iam.get_policy_document(
    statements=[
        aws.iam.GetPolicyDocumentStatementArgs(
            sid="TrustEc2",
            actions=["sts:AssumeRole"],
            principals=[
                aws.iam.GetPolicyDocumentStatementPrincipalArgs(type="Service", identifiers=["ec2.amazonaws.com"])
            ],
            conditions=[
                aws.iam.GetPolicyDocumentStatementConditionArgs(
                    test="StringEquals", variable="aws:SourceAccount", values=["111122223333"]
                )
            ],
        ),
        aws.iam.GetPolicyDocumentStatementArgs(
            effect="Deny", actions=["s3:GetObject", "s3:PutObject"], resources=["*"],
            principals=[aws.iam.GetPolicyDocumentStatementPrincipalArgs(type="*", identifiers=["*"])],
        ),
    ]
)
image = aws.ec2.get_ami(most_recent=True, owners=["amazon"])
aws.iam.Role("app", assume_role_policy=document.json)
aws.ec2.Instance("web", ami=image.id, instance_type="t3.micro")
"""


def write_program(folder: Path, body: str) -> Path:
    (folder / "Pulumi.yaml").write_text("name: thirdparty\nruntime: python\n")
    (folder / "__main__.py").write_text(body)
    return folder


def test_policy_documents_and_image_lookups_are_answered_like_aws(tmp_path: Path) -> None:
    run = run_program(write_program(tmp_path, PROGRAM), "dev", {"aws:region": "eu-west-1"})
    (role,) = run.of_type("aws:iam/role:Role")
    assert json.loads(role.inputs["assumeRolePolicy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TrustEc2",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
            },
            {"Effect": "Deny", "Action": ["s3:GetObject", "s3:PutObject"], "Principal": "*", "Resource": "*"},
        ],
    }
    (instance,) = run.of_type("aws:ec2/instance:Instance")
    assert instance.inputs["ami"].startswith("ami-")
    again = run_program(tmp_path, "dev", {"aws:region": "eu-west-1"})
    assert again.of_type("aws:ec2/instance:Instance")[0].inputs["ami"] == instance.inputs["ami"]


def test_a_provider_function_without_an_offline_answer_is_named(tmp_path: Path) -> None:
    body = "import pulumi_aws as aws\naws.ec2.get_vpc_endpoint_service(service='s3')\n"
    with pytest.raises(ProgramError) as caught:
        run_program(write_program(tmp_path, body), "dev", {"aws:region": "eu-west-1"})
    assert "no answer for the provider function aws:ec2/getVpcEndpointService:getVpcEndpointService" in str(
        caught.value
    )


def test_a_stack_file_that_is_not_text_is_refused_naming_it(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_bytes(b"config:\n  aws:region: \xff\xfe\n")
    with pytest.raises(ProjectFileError, match=r"Pulumi\.dev\.yaml: cannot be read as UTF-8 text"):
        read_stack_file(stack_file)


def test_a_program_that_never_finishes_is_reported_not_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An output that never resolves keeps the runtime waiting, as a stuck registration would.
    body = "import asyncio, pulumi\npulumi.export('never', pulumi.Output.from_input(asyncio.Future()))\n"
    monkeypatch.setattr(mock_runtime, "PROGRAM_TIMEOUT_SECONDS", 1.0)
    with pytest.raises(ProgramError, match=r"__main__\.py: the program did not finish within 1 s"):
        run_program(write_program(tmp_path, body), "dev", {"aws:region": "eu-west-1"})
