"""docs/policies.md is what the registry says today."""

from __future__ import annotations

from policies.toms_pack.reference import DOCS_FILE, render


def test_the_policy_reference_is_current() -> None:
    assert DOCS_FILE.read_text(encoding="utf-8") == render(), (
        "docs/policies.md is out of date: rewrite it with `python -m policies.toms_pack.reference`"
    )
