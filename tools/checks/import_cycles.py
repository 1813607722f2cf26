"""Fail when the addon's own modules import each other in a circle.

Every import statement counts, also one inside a function (a circle hidden in a function is
still a circle: each module needs the other to be understood). Modules are the addon's Python
files outside tests/; a package's ``__init__`` counts as the package. Prints each circle found
(one per strongly connected group) and exits 1, or prints how many modules were checked.

    python tools/checks/import_cycles.py [ROOT]
"""

import ast
import sys
from pathlib import Path

SKIP = {"tests", "tools", ".build", ".git", "node_modules", "static"}


def module_name(root, path):
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(current, is_package, node):
    """The names a ``from . import x`` / ``from .a import b`` / ``import a`` may load."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not node.level:
        return [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    base = current.split(".") if current else []
    if not is_package:
        base = base[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    prefix = ".".join(base + ([node.module] if node.module else []))
    return [prefix] + [f"{prefix}.{a.name}".lstrip(".") for a in node.names]


def graph(root):
    modules = {}
    for path in sorted(root.rglob("*.py")):
        if SKIP & set(path.relative_to(root).parts):
            continue
        modules[module_name(root, path)] = path
    edges = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in resolve(name, path.name == "__init__.py", node):
                    if target in modules and target != name:
                        # importing a package's module loads the package first, not the reverse
                        if not name.startswith(target + ".") or target == "":
                            edges[name].add(target)
    return edges


def cycles(edges):
    """Strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def main(argv):
    root = Path(argv[1] if len(argv) > 1 else ".").resolve()
    edges = graph(root)
    found = cycles(edges)
    for group in found:
        print("import circle: " + " <-> ".join(group))
    if found:
        return 1
    print(f"no import circle among {len(edges)} modules")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
