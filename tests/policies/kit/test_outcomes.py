"""The kit's one reading of a list property: `list_items` and what each `Items` check concludes."""

from __future__ import annotations

from typing import Any

from policies.toms_pack.kit import (
    MISSING,
    UNKNOWN,
    Items,
    Resource,
    Unverifiable,
    Violation,
    decide,
    describe,
    list_items,
)

GROUP = Resource("aws:ec2/securityGroup:SecurityGroup", "web", "urn:web", {})


def forbid_star(where: str, item: Any) -> Violation | None:
    return Violation(f"{where} is *") if item == "*" else None


def test_the_whole_list_unknown_or_not_a_list_is_the_lists_problem() -> None:
    unknown = list_items(UNKNOWN, "grants", "grants")
    assert unknown.problem == Unverifiable("grants")
    assert list(unknown.each(forbid_star)) == [Unverifiable("grants")]
    malformed = list_items("x", "grants", "grants", GROUP)
    assert malformed.problem == Violation('web: grants is "x", expected a list of grants', GROUP)
    assert list(malformed.some(lambda item: True, "none")) == [malformed.problem]
    assert list(malformed.require_all(["a"], "why")) == [malformed.problem]
    assert len(list_items(MISSING, "grants", "grants")) == 0


def test_each_reports_a_known_breach_beside_an_unknown_item() -> None:
    items = list_items([UNKNOWN, "*", "ok"], "principals", "principals")
    assert (len(items), items.values, items.unknown) == (3, ["*", "ok"], ("principals[0]",))
    assert list(items.each(forbid_star)) == [Violation("principals[1] is *"), Unverifiable("principals[0]")]


def test_some_is_decided_by_a_known_item_and_undecided_only_while_an_unknown_one_might() -> None:
    def is_topic(item: Any) -> Any:
        return decide(item, lambda value: value == "topic")

    assert list(list_items([UNKNOWN, "topic"], "actions", "actions").some(is_topic, "none")) == []
    assert list(list_items(["other", UNKNOWN], "actions", "actions").some(is_topic, "none")) == [
        Unverifiable("actions[1]")
    ]
    assert list(list_items(["other"], "actions", "actions").some(is_topic, "none")) == [Violation("none")]
    assert list_items([{"x": UNKNOWN}], "a", "a").any(lambda item: decide(item["x"], bool)) is UNKNOWN
    assert list_items("x", "a", "a").any(bool) is False
    assert list_items(UNKNOWN, "a", "a").any(bool) is UNKNOWN


def test_require_all_is_a_violation_only_when_unknown_items_cannot_hold_what_is_missing() -> None:
    def check(value: list[Any]) -> list[Any]:
        return list(
            list_items(value, "logs", "log types").require_all(("api", "audit", "authenticator"), "why")
        )

    assert check(["api", "audit", "authenticator", UNKNOWN]) == []
    assert check(["api", "audit", UNKNOWN]) == [Unverifiable("logs[2]")]
    assert check(["api", UNKNOWN]) == [
        Violation("logs lacks audit, authenticator (its 1 unknown item can hold at most 1 of them): why")
    ]
    assert check(["api"]) == [Violation("logs lacks audit, authenticator: why")]


def test_a_setting_is_refused_by_a_known_entry_and_undecided_while_an_unknown_entry_may_set_it() -> None:
    def setting(entries: Any) -> Any:
        return list_items(entries, "parameters", "parameters").setting(
            "TLS", lambda value: value == "on", any_case=True
        )

    assert setting([{"name": "tls", "value": "on"}]) == "on"
    assert setting([UNKNOWN, {"name": "tls", "value": "off"}]) == "off"
    assert setting([{"name": "tls", "value": "on"}, UNKNOWN]) is UNKNOWN
    assert setting([{"name": UNKNOWN, "value": "x"}]) is UNKNOWN
    assert setting([{"name": "tls", "value": UNKNOWN}]) is UNKNOWN
    assert setting([{"name": "other", "value": "x"}]) is MISSING
    exact = list_items([{"name": "tls", "value": "on"}], "settings", "settings")
    assert exact.setting("TLS", lambda value: value == "on") is MISSING


def test_about_names_a_stack_rules_resource_and_describe_shows_unknown_items() -> None:
    items = list_items(["a", UNKNOWN], "subnets", "subnet ids").about(GROUP)
    assert isinstance(items, Items)
    assert list(items.unverifiable()) == [Unverifiable("subnets[1]", GROUP)]
    assert describe([UNKNOWN, "a", {"b": MISSING}]) == '["unknown", "a", {"b": "not set"}]'
