"""
Builds a CodeSearchNet-style quality set from a Python source tree (the
Python part of bench/quality/make-sets.ts).

For every .py file it writes a copy with every docstring
removed (module, class and function docstrings; a body left empty gets `pass`),
then lists the functions that had a docstring, with the first sentence of that
docstring as the query and the function's line range in the stripped copy.

Usage: python3 make_dataset.py SRC_DIR DEST_DIR OUT_JSON
Filters (as CodeSearchNet): no dunder methods, no test functions, bodies of at
least 3 lines after stripping, queries of at least 3 words, and queries that
occur once (an ambiguous query has no single right answer).
"""
import ast
import json
import os
import re
import sys

SKIP_DIRS = {"site-packages", "dist-packages", "__pycache__"}
TEST_DIRS = {"test", "tests", "testing", "idle_test"}


def is_test_path(rel):
    parts = rel.split(os.sep)
    leaf = parts[-1]
    return any(p in TEST_DIRS for p in parts[:-1]) or leaf.startswith("test_") or leaf.endswith("_test.py") or leaf == "conftest.py"


def first_sentence(doc):
    text = " ".join(doc.strip().split("\n\n")[0].split())
    m = re.match(r"(.+?[.!?])(\s|$)", text)
    return (m.group(1) if m else text).strip()


def docstring_nodes(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                yield node, body[0]


def strip(source):
    tree = ast.parse(source)
    lines = source.split("\n")
    edits = []  # (start0, end0_exclusive, replacement lines)
    docs = {}
    for owner, expr in docstring_nodes(tree):
        start, end = expr.lineno - 1, expr.end_lineno
        # Only strip docstrings that sit on lines of their own.
        if lines[start][: expr.col_offset].strip() or lines[end - 1][expr.end_col_offset :].strip().strip(";"):
            continue
        only = len(owner.body) == 1
        indent = lines[start][: expr.col_offset]
        edits.append((start, end, [indent + "pass"] if only else []))
        if not isinstance(owner, ast.Module):
            docs[(owner.lineno, owner.name)] = ast.get_docstring(owner) or ""
    for start, end, repl in sorted(edits, reverse=True):
        lines[start:end] = repl
    return "\n".join(lines), docs


def qualified_functions(tree):
    out = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}.{child.name}" if prefix else child.name
                if not isinstance(child, ast.ClassDef):
                    out.append((name, child))
                visit(child, name)

    visit(tree, "")
    return out


def main():
    src, dest, out_json = sys.argv[1:4]
    entries = []
    for root, dirs, files in os.walk(src):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for f in sorted(files):
            if not f.endswith(".py"):
                continue
            path = os.path.join(root, f)
            rel = os.path.relpath(path, src)
            try:
                source = open(path, encoding="utf-8").read()
                orig_tree = ast.parse(source)
                stripped, _ = strip(source)
                new_tree = ast.parse(stripped)
            except (SyntaxError, UnicodeDecodeError, ValueError):
                continue
            os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
            with open(os.path.join(dest, rel), "w", encoding="utf-8") as fh:
                fh.write(stripped)
            if is_test_path(rel):
                continue  # indexed (a real repository has its tests) but never a target
            orig = qualified_functions(orig_tree)
            new = qualified_functions(new_tree)
            if len(orig) != len(new):
                continue
            for (qname, o), (qname2, n) in zip(orig, new):
                if qname != qname2:
                    continue
                doc = ast.get_docstring(o)
                if not doc:
                    continue
                leaf = o.name
                if leaf.startswith("__") and leaf.endswith("__"):
                    continue
                if "test" in leaf.lower():
                    continue
                if n.end_lineno - n.lineno + 1 < 3:
                    continue
                query = first_sentence(doc)
                if len(re.findall(r"[A-Za-z]+", query)) < 3:
                    continue
                entries.append({"query": query, "path": rel, "symbol": qname, "startLine": n.lineno, "endLine": n.end_lineno})
    counts = {}
    for e in entries:
        counts[e["query"].lower()] = counts.get(e["query"].lower(), 0) + 1
    entries = [e for e in entries if counts[e["query"].lower()] == 1]
    with open(out_json, "w") as fh:
        json.dump(entries, fh, indent=0)
    print(len(entries))


main()
