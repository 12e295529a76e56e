"""The resource types of the installed `pulumi_aws`, read from the SDK's own registry of resource modules.

`pulumi_aws/__init__.py` registers every resource class with the Pulumi runtime through one JSON list
(`_utilities.register(resource_modules=...)`), so it names every type token the provider can create
without importing the SDK's thousands of modules.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from pathlib import Path


@functools.cache
def aws_resource_types() -> frozenset[str]:
    spec = importlib.util.find_spec("pulumi_aws")
    assert spec is not None and spec.origin is not None, "pulumi_aws is not installed in this virtualenv"
    source = Path(spec.origin).read_text(encoding="utf-8")
    match = re.search(r'resource_modules="""(.*?)"""', source, re.DOTALL)
    assert match is not None, "pulumi_aws no longer registers its resource modules as one JSON list"
    modules = json.loads(match.group(1))
    types = frozenset(token for module in modules for token in module["classes"])
    assert len(types) > 1000, f"only {len(types)} resource types found in pulumi_aws"
    return types


def service_of(token: str) -> str:
    """`rds` for `aws:rds/instance:Instance`."""
    return token.split(":")[1].split("/")[0]
