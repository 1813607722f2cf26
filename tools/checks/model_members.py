"""Fail when a model of the addon declares a field or defines a method in two places.

Within one addon, a second declaration of a field silently changes the first, and a method
overridden with ``super()`` in another file of the same addon makes behaviour depend on the
import order of ``models/__init__.py``. Each field and method of a model lives once.

    python tools/checks/model_members.py [ROOT]
"""

import ast
import sys
from pathlib import Path

FOLDERS = ("models", "wizard")


def literal(node):
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def model_of(cls):
    name = inherit = None
    for stmt in cls.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Name) and target.id == "_name":
                name = literal(stmt.value)
            if isinstance(target, ast.Name) and target.id == "_inherit":
                inherit = literal(stmt.value)
    if isinstance(inherit, list | tuple):
        inherit = inherit[0] if inherit and not name else None
    return name or inherit


def is_field(value):
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and isinstance(value.func.value, ast.Name)
        and value.func.value.id == "fields"
    )


def members(root):
    found = {}
    for folder in FOLDERS:
        for path in sorted((root / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(), str(path))
            for cls in tree.body:
                if not isinstance(cls, ast.ClassDef):
                    continue
                model = model_of(cls)
                if not model:
                    continue
                for stmt in cls.body:
                    if isinstance(stmt, ast.FunctionDef):
                        key = (model, "method", stmt.name)
                    elif (
                        isinstance(stmt, ast.Assign)
                        and len(stmt.targets) == 1
                        and isinstance(stmt.targets[0], ast.Name)
                        and is_field(stmt.value)
                    ):
                        key = (model, "field", stmt.targets[0].id)
                    else:
                        continue
                    where = f"{path.relative_to(root)}:{stmt.lineno}"
                    found.setdefault(key, []).append(where)
    return found


def main(argv):
    root = Path(argv[1] if len(argv) > 1 else ".")
    found = members(root)
    twice = {key: places for key, places in found.items() if len(places) > 1}
    for (model, kind, name), places in sorted(twice.items()):
        print(f"{model}: {kind} {name} in {', '.join(places)}")
    if twice:
        return 1
    print(f"{len(found)} fields and methods, each declared once")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
