"""Reference oracle for bench/graph-bench.ts: jedi's get_references for each query.

stdin: JSON {"root": ..., "queries": [{"path": rel, "line": 1-based, "column": 0-based}]}
stdout: JSON list (one per query) of [rel_path, line] pairs inside root, or null on failure.
"""
import json
import os
import sys

import jedi

req = json.load(sys.stdin)
root = req["root"]
project = jedi.Project(root, added_sys_path=[root], smart_sys_path=False)
out = []
cache = {}
for q in req["queries"]:
    path = os.path.join(root, q["path"])
    try:
        if path not in cache:
            with open(path, encoding="utf-8", errors="replace") as f:
                cache[path] = f.read()
        script = jedi.Script(cache[path], path=path, project=project)
        refs = script.get_references(q["line"], q["column"], include_builtins=False, scope="project")
        sites = []
        for r in refs:
            mp = str(r.module_path) if r.module_path else None
            if not mp or not mp.startswith(root + os.sep):
                continue
            sites.append([os.path.relpath(mp, root), r.line])
        out.append(sites)
    except Exception as e:  # an oracle failure is counted, not fatal
        out.append(None)
        print(f"jedi failed on {q}: {e}", file=sys.stderr)
json.dump(out, sys.stdout)
