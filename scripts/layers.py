"""The shared library's module map, checked: no import cycles, and no module imports one of a
higher layer. make test runs it; it prints the graph's offenders and exits non-zero.

A module's imports are the `crate::…` and `super::…` paths its code names (tests excluded),
resolved to the longest module they name. Layers, bottom up (the map in shared/src/lib.rs):"""
import pathlib
import re
import sys

LAYERS = [
    ("values", ["access_request", "ids", "error", "filter", "keys", "permission", "person", "person_filter", "role", "role_listing", "search_aggregation", "search_body", "search_dsl", "search_mapping", "search_query", "search_request", "attribute", "org",
                "request", "cache", "metrics", "audit", "digest", "kms", "jwt", "jwt::keys",
                "sso::time", "sso::error", "sso::input", "context"]),
    ("storage", ["db", "db::*", "item", "config", "sso::crypto", "sso::totp", "store", "store::*"]),
    ("service", ["app", "auth", "consistency", "indexer", "notify", "projection", "sso", "sso::search"]),
    ("faces", ["faces", "faces::*", "sso::attrs"]),
    ("entry points", ["runtime", "fuzzing", "crate"]),
]
SRC = pathlib.Path(__file__).resolve().parent.parent / "shared/src"


def modules():
    found = {}
    for path in SRC.rglob("*.rs"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] in ("mod", "lib"):
            parts = parts[:-1]
        text = re.split(r"#\[cfg\(test\)\]\s*mod tests", path.read_text())[0]
        found["::".join(parts) or "crate"] = text
    return found


def imports(name, text, names):
    def resolve(path):
        segs = path.strip(":").split("::")
        for k in range(len(segs), 0, -1):
            if "::".join(segs[:k]) in names:
                return "::".join(segs[:k])
        return None
    refs = [m.group(1) for m in re.finditer(r"crate::([a-z_:]+)", text)]
    parent = "::".join(name.split("::")[:-1])
    refs += [(parent + "::" if parent else "") + m.group(1) for m in re.finditer(r"super::([a-z_:]+)", text)]
    for m in re.finditer(r"use crate::([a-z_]+)::\{([^;]*)\};", text, re.S):
        refs += [m.group(1) + "::" + item for item in re.findall(r"([a-z_][a-z_:]*)", m.group(2))]
    return {t for t in map(resolve, refs) if t and t != name}


def layer_of(name):
    for i, (_, members) in enumerate(LAYERS):
        for m in members:
            if name == m or (m.endswith("::*") and name.startswith(m[:-1])):
                return i
    sys.exit(f"scripts/layers.py: module {name} has no layer; add it to LAYERS")


def cycles(edges):
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def main():
    mods = modules()
    edges = {name: imports(name, text, set(mods)) for name, text in mods.items()}
    problems = [f"import cycle: {' ⇄ '.join(g)}" for g in cycles(edges)]
    for name in sorted(edges):
        for dep in sorted(edges[name]):
            if layer_of(dep) > layer_of(name):
                problems.append(f"{name} ({LAYERS[layer_of(name)][0]}) imports {dep} ({LAYERS[layer_of(dep)][0]})")
    if problems:
        print("\n".join(problems))
        sys.exit(1)
    print(f"shared/src: {len(mods)} modules in {len(LAYERS)} layers, no import cycle, no upward import")


if __name__ == "__main__":
    main()
