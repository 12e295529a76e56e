"""The AWS resource types whose schema has a `tags` input, read from the installed pulumi-aws package.

`policies/toms_pack/rules/taggable-types.txt` holds them for the pack (which cannot import pulumi-aws:
it runs in its own small virtualenv); `tests/policies/test_required_tags.py` fails when the file and the
pinned pulumi-aws disagree. Rewrite it with `python -m tests.policies.taggable`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pulumi_aws

TYPES_FILE = Path(__file__).resolve().parents[2] / "policies" / "toms_pack" / "rules" / "taggable-types.txt"
_TOKEN = re.compile(r"super\(\w+, __self__\)\.__init__\(\s*'(aws:[^']+)'")
_TAGS_INPUT = '__props__.__dict__["tags"] = tags'


def taggable_types() -> list[str]:
    """Every resource token of the installed pulumi-aws whose constructor takes `tags`, sorted."""
    found: set[str] = set()
    for path in Path(pulumi_aws.__file__).parent.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if _TAGS_INPUT in text:
            found.update(_TOKEN.findall(text))
    return sorted(found)


def expected_text() -> str:
    header = f"# AWS resource types with a `tags` input (pulumi-aws {pulumi_aws_version()}); tests/policies/taggable.py\n"
    return header + "\n".join(taggable_types()) + "\n"


def pulumi_aws_version() -> str:
    from importlib.metadata import version

    return version("pulumi-aws")


if __name__ == "__main__":
    TYPES_FILE.write_text(expected_text(), encoding="utf-8")
    print(f"wrote {TYPES_FILE}")
