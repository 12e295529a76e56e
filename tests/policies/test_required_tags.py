"""required-tags: which types it judges (every AWS type whose schema has `tags`) and which tags the toms
stacks ask for on top of the pack's defaults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policies.toms_pack.standards import TOMS_STACK_TAGS
from tests.policies.taggable import TYPES_FILE, expected_text

REPO = Path(__file__).resolve().parents[2]


def test_the_packs_list_of_taggable_types_is_the_pinned_provider_schemas() -> None:
    assert TYPES_FILE.read_text(encoding="utf-8") == expected_text(), (
        "pulumi-aws changed: rewrite the list with `python -m tests.policies.taggable`"
    )


@pytest.mark.parametrize(
    "path", sorted((REPO / "stacks" / "policy-config").glob("*.json")), ids=lambda p: p.stem
)
def test_the_toms_stacks_ask_for_their_own_tags(path: Path) -> None:
    config = json.loads(path.read_text(encoding="utf-8"))
    assert config["required-tags"] == {"requiredTags": list(TOMS_STACK_TAGS)}
