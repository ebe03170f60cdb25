"""Gathers bench/profiles' runs (one lambda section per release profile) into one page."""
import json
import pathlib
import sys

results = pathlib.Path(sys.argv[1])
runs = {}
for d in sorted(results.iterdir()):
    if (d / "lambda.json").exists() and (d / "release-build.json").exists():
        runs[d.name] = (json.loads((d / "release-build.json").read_text()), json.loads((d / "lambda.json").read_text()))
names = list(runs)


def rows(lam, kind):
    return {(r["function"], r["memory_mb"]): r for r in lam["rows"] if r["kind"] == kind}


print("## Release profiles\n")
print("Each profile builds the same functions, the reference and the hello-world yardstick into a target directory "
      "of its own; the lambda section then runs them at a 20 ms CFS period (one run per profile, one after "
      "another; *ratio* is against the reference built with the same profile, the better of its two variants).\n")
print("| profile | settings | build s | from cold | one more function s | " + " | ".join(f"`{f}` bytes" for f in next(iter(runs.values()))[0]["bytes"]) + " |")
print("|---|---|---|---|---|" + "---|" * len(next(iter(runs.values()))[0]["bytes"]))
for name, (build, _) in runs.items():
    settings = build["profile"].split("overridden by ")[-1].replace("CARGO_PROFILE_RELEASE_", "").lower()
    print(f"| {name} | {settings} | {build['seconds']} | {'yes' if build.get('from_cold') else 'no'} | "
          f"{build.get('one_more_function_seconds', '')} | "
          + " | ".join(f"{b:,}" for b in build["bytes"].values()) + " |")
print()
print("| function | MB | " + " | ".join(f"{n} cold ms | {n} p50 ms | {n} cold ratio | {n} p50 ratio" for n in names) + " |")
print("|---|---|" + "---|---|---|---|" * len(names))
keys = sorted({k for _, lam in runs.values() for k in rows(lam, "function")}, key=lambda k: (k[0], k[1]))
for key in keys:
    cells = []
    for n in names:
        lam = runs[n][1]
        f = rows(lam, "function").get(key)
        refs = [r for kind in ("reference", "reference, warm-up in init") if (r := rows(lam, kind).get(key))]
        if not f or not refs:
            cells += ["", "", "", ""]
            continue
        ref_cold = min(r["cold_ms"] for r in refs)
        ref_p50 = min(r["warm_p50_ms"] for r in refs)
        cells += [f"{f['cold_ms']:.2f}", f"{f['warm_p50_ms']:.2f}",
                  f"{f['cold_ms'] / ref_cold:.2f}×", f"{f['warm_p50_ms'] / ref_p50:.2f}×"]
    print(f"| `{key[0]}` | {key[1]} | " + " | ".join(cells) + " |")
