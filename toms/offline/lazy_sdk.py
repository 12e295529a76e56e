"""Import a Pulumi provider SDK's subpackages by name, loading only the modules a program touches.

A generated provider subpackage such as `pulumi_aws.ec2` star-imports every one of its modules in
`__init__.py`: hundreds of resource classes, each building typed input classes on import. A program uses a
handful of them, and building the rest is most of a cold offline preview. The finder below gives such a
subpackage an `__init__` that resolves each exported name on first use, from the same modules in the same
order, so the program sees the same classes and an `import *` the same names; only the unused modules are
never built. A subpackage whose `__init__.py` is anything other than the generator's star-imports (such as
`pulumi_aws.config`) is loaded as it is.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import importlib.abc
import importlib.machinery
import re
import sys
import typing
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

SDK_PREFIX = "pulumi_"
_FIXED_LINES = frozenset({"import builtins as _builtins", "from .. import _utilities", "import typing"})
_STAR_IMPORT = re.compile(r"from \.(\w+) import \*")
_PLAIN_IMPORT = re.compile(r"from \. import (\w+)")


def _module_exports(path: Path) -> list[str] | None:
    """The module's `__all__`, read from its source without running it; None when it has none."""
    try:
        with path.open(encoding="utf-8") as source:
            collected: list[str] = []
            for line in source:
                if collected or line.startswith("__all__ = ["):
                    collected.append(line)
                    if line.rstrip().endswith("]"):
                        break
                elif line.startswith(("@", "class ", "def ")):
                    return None
    except OSError:
        return None
    if not collected:
        return None
    try:
        names = ast.literal_eval("".join(collected).partition("=")[2].strip())
    except (SyntaxError, ValueError):
        return None
    return list(names) if isinstance(names, list) and all(isinstance(n, str) for n in names) else None


def star_import_index(init_file: Path) -> tuple[dict[str, str], frozenset[str]] | None:
    """Map each name a generated `__init__.py` exports to the module it comes from (the last one wins, as
    with star-imports), with the submodules it imports; None when the file is anything else."""
    try:
        lines = init_file.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    index: dict[str, str] = {}
    submodules: set[str] = set()
    for line in lines:
        if not line or line.startswith("#") or line in _FIXED_LINES:
            continue
        plain = _PLAIN_IMPORT.fullmatch(line)
        if plain is not None:
            submodules.add(plain.group(1))
            continue
        star = _STAR_IMPORT.fullmatch(line)
        if star is None:
            return None
        module = star.group(1)
        exports = _module_exports(init_file.parent / f"{module}.py")
        if exports is None:
            return None
        index.update(dict.fromkeys(exports, module))
        submodules.add(module)
    return index, frozenset(submodules)


class LazyPackage(ModuleType):
    """A generated subpackage whose exported names resolve on first use.

    After the generated star-imports, an exported name always holds the exported object, even where a
    submodule has the same name (`get_ami` the function, not the module `get_ami`); the import system binds
    each submodule on its package when it is first imported, so that binding is refused for those names.
    """

    _exports: dict[str, str]
    _submodules: frozenset[str]

    def __getattr__(self, name: str) -> Any:
        exports = self._exports
        if name in exports:
            value = getattr(importlib.import_module(f"{self.__name__}.{exports[name]}"), name)
        elif name in self._submodules:
            value = importlib.import_module(f"{self.__name__}.{name}")
        else:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        super().__setattr__(name, value)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        submodule_binding = isinstance(value, ModuleType) and value.__name__ == f"{self.__name__}.{name}"
        if submodule_binding and name in self._exports:
            return
        super().__setattr__(name, value)

    def __dir__(self) -> list[str]:
        return sorted(set(vars(self)) | set(self._exports) | self._submodules)


class _LazyPackageLoader(importlib.abc.Loader):
    """Runs a generated subpackage's `__init__` lazily, or as it is when it is not the generated kind."""

    def __init__(self, original: importlib.abc.Loader, init_file: Path) -> None:
        self.original = original
        self.init_file = init_file

    def exec_module(self, module: ModuleType) -> None:
        # Reading the modules' export lists waits until the package is used: the provider's top-level
        # `__init__` looks up every one of its subpackages when it is imported.
        listed = star_import_index(self.init_file)
        if listed is None:
            self.original.exec_module(module)
            return
        exports, submodules = listed
        module.__dict__.update(
            _exports=exports,
            _submodules=submodules,
            _builtins=builtins,
            _utilities=importlib.import_module(f"{module.__name__.rpartition('.')[0]}._utilities"),
            typing=typing,
            # What `from <package> import *` gave before: every exported name, then the public submodules
            # no export hides.
            __all__=[
                *exports,
                *sorted(name for name in submodules - exports.keys() if not name.startswith("_")),
            ],
        )
        module.__class__ = LazyPackage


class LazyProviderSdkFinder(importlib.abc.MetaPathFinder):
    """Finds `pulumi_<provider>.<subpackage>` and gives it a loader that loads its modules on first use."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        top, _, sub = fullname.partition(".")
        if not top.startswith(SDK_PREFIX) or not sub or "." in sub or sub.startswith("_"):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or not spec.submodule_search_locations or not spec.origin:
            return spec
        init_file = Path(spec.origin)
        if init_file.name == "__init__.py" and (init_file.parent.parent / "_utilities.py").is_file():
            spec.loader = _LazyPackageLoader(spec.loader, init_file)
        return spec


def install() -> None:
    """Put the finder first on `sys.meta_path` (once); subpackages imported before stay as they are."""
    if not any(isinstance(finder, LazyProviderSdkFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, LazyProviderSdkFinder())
