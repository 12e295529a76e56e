"""`toms.offline.typed_answers`: placeholder results of the right shape, from the SDK's own result classes."""

from __future__ import annotations

import pytest

from toms.offline.invoke_answers import AwsPlace
from toms.offline.typed_answers import placeholder_result, result_class

PLACE = AwsPlace(region="eu-west-1", account="111122223333", partition="aws")


def test_the_result_class_is_found_from_the_token() -> None:
    found = result_class("aws:ec2/getVpc:getVpc")
    assert found is not None and found.__name__ == "GetVpcResult"
    assert result_class("aws:index/getRegion:getRegion") is not None  # the package's root module
    assert result_class("aws:lambda/getFunction:getFunction") is not None  # a module named like a keyword


@pytest.mark.parametrize("token", ["aws:ec2/getNothingAtAll:getNothingAtAll", "nosuchpkg:x/getY:getY", "bad"])
def test_a_function_the_sdk_does_not_have_gets_no_placeholder(token: str) -> None:
    assert placeholder_result(token, {}, PLACE) is None


def test_every_field_has_a_value_of_its_type_in_the_stacks_place() -> None:
    vpc = placeholder_result("aws:ec2/getVpc:getVpc", {"default": True}, PLACE)
    assert vpc is not None
    assert vpc["id"].startswith("vpc-") and vpc["default"] is True  # an argument naming a field comes back
    assert vpc["arn"].startswith("arn:aws:ec2:eu-west-1:111122223333:")
    assert vpc["cidrBlock"] == "10.0.0.0/16"
    assert vpc["ownerId"] == "111122223333"
    assert isinstance(vpc["enableDnsSupport"], bool)
    assert isinstance(vpc["tags"], dict)
    association = vpc["cidrBlockAssociations"][0]  # a list of nested output types
    assert set(association) >= {"associationId", "cidrBlock", "state"}


def test_lists_of_ids_are_distinct_ids_of_the_right_kind() -> None:
    subnets = placeholder_result("aws:ec2/getSubnets:getSubnets", {}, PLACE)
    assert subnets is not None
    first, second = subnets["ids"]
    assert first.startswith("subnet-") and second.startswith("subnet-") and first != second


def test_the_same_call_gets_the_same_answer_and_another_call_another() -> None:
    zone = placeholder_result("aws:route53/getZone:getZone", {"name": "example.com"}, PLACE)
    again = placeholder_result("aws:route53/getZone:getZone", {"name": "example.com"}, PLACE)
    other = placeholder_result("aws:route53/getZone:getZone", {"name": "example.org"}, PLACE)
    assert zone == again and zone is not None and other is not None
    assert zone["name"] == "example.com" and zone["zoneId"] != other["zoneId"]
    assert zone["zoneId"].startswith("Z") and zone["zoneId"] == zone["zoneId"].upper()


def test_iam_arns_are_global() -> None:
    role = placeholder_result("aws:iam/getRole:getRole", {"name": "deployer"}, PLACE)
    assert role is not None
    assert role["arn"].startswith("arn:aws:iam::111122223333:role/")
