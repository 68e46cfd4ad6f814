"""The house: lab/'s imports point one way (ui -> export -> teach, serve -> kinds -> foundation), with no
circle, and lab/ itself keeps only the foundation's modules. Read statically with `ast`, so an
import inside a function counts as much as one at the top; imports under `if TYPE_CHECKING:` are
annotations only and do not count."""
from __future__ import annotations

import ast
from pathlib import Path

LAB = Path(__file__).resolve().parent.parent / "lab"
FOUNDATION = {"errors", "config", "limits", "resources", "sources", "data", "training", "metrics", "store"}
# a module may import from its own layer and the layers below it
LAYERS = {"foundation": 0, "kinds": 1, "serve": 2, "teach": 2, "export": 3, "ui": 4, "__main__": 5}


def module_files(root: Path = LAB) -> dict[str, Path]:
    found = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _type_checking_only(node: ast.AST, parents: dict) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the lab modules it imports (a `from pkg import name` names pkg.name where that is a module)."""
    graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text())
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        is_package = path.name == "__init__.py"
        deps = set()
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)) or _type_checking_only(node, parents):
                continue
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = node.module or ""
                if node.level:
                    package = name.split(".") if is_package else name.split(".")[:-1]
                    base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    deps.add(target)
        graph[name] = deps
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in FOUNDATION:
        return "foundation"
    return parts[1]


def test_the_import_walk_sees_a_circle(tmp_path):
    """The check itself: two modules that import each other (one inside a function) are one circle."""
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "__init__.py").write_text("")
    (tmp_path / "lab" / "a.py").write_text("from lab import b\n")
    (tmp_path / "lab" / "b.py").write_text("def f():\n    from lab.a import x\n")
    (tmp_path / "lab" / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from lab import a\n")
    graph = imports(module_files(tmp_path / "lab"))
    assert circles(graph) == [["lab.a", "lab.b"]]
    assert graph["lab.c"] == set()


def test_no_import_circle_in_lab():
    assert circles(imports(module_files())) == []


def test_imports_point_down_the_layers():
    wrong = [f"{m} ({layer(m)}) imports {d} ({layer(d)})"
             for m, deps in imports(module_files()).items() for d in deps
             if LAYERS[layer(d)] > LAYERS[layer(m)] or (LAYERS[layer(d)] == LAYERS[layer(m)] and layer(d) != layer(m))]
    assert wrong == []


def test_lab_keeps_only_the_foundation_at_its_top():
    top = {p.stem for p in LAB.glob("*.py")} - {"__init__", "__main__"}
    assert top == FOUNDATION and len(top) <= 12
    assert {p.name for p in LAB.iterdir() if p.is_dir() and (p / "__init__.py").exists()} == \
        {"kinds", "serve", "teach", "export", "ui"}


def test_only_the_ui_imports_gradio_and_the_ui_imports_no_training_library():
    for name, path in module_files().items():
        heavy = {"torch", "transformers", "peft", "trl", "bitsandbytes"}
        roots = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                roots |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                roots.add(node.module.split(".")[0])
        if layer(name) != "ui":
            assert "gradio" not in roots, name
        else:
            assert not roots & heavy, name
