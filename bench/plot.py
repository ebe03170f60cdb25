"""Draws bench/results/*.png from the sections' JSON (bench/run calls it after the sections)."""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

OUT = Path(sys.argv[1] if len(sys.argv) > 1 else "bench/results")


def load(name):
    path = OUT / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def bars(name, rows, label, value, goal, xlabel, title):
    rows = [r for r in rows if value(r) is not None]
    if not rows:
        return
    fig, ax = plt.subplots(figsize=(9, 0.22 * len(rows) + 1.5))
    names = [label(r) for r in rows]
    values = [value(r) for r in rows]
    colors = ["tab:green" if v <= goal else "tab:red" for v in values]
    ax.barh(names, values, color=colors)
    ax.axvline(goal, color="black", linestyle="--", linewidth=1, label=f"goal {goal}")
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.tick_params(axis="y", labelsize=7)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(OUT / f"{name}.png", dpi=110)
    plt.close(fig)


warm = load("warm")
if warm:
    bars("warm", [r for r in warm if r["comparable"]], lambda r: r["function"],
         lambda r: r["handler_p50_ms"] / r["raw_p50_ms"], 1.10, "handler p50 / raw DynamoDB p50",
         "Warm overhead per endpoint")

cold = load("cold")
if cold:
    bars("cold", cold, lambda r: r["function"], lambda r: r["cold_p50_ms"] / r["hello_p50_ms"],
         1.5, "cold start p50 / hello-world p50", "Cold start against hello-world")

sizes = load("sizes")
if sizes:
    bars("sizes", [r for r in sizes if r["binary"] != "hello-lambda"], lambda r: r["binary"],
         lambda r: r["arm64_mib"], 5.0, "stripped arm64 binary, MiB", "Binary size (arm64)")

rss = load("rss")
if rss:
    bars("rss", rss, lambda r: r["function"], lambda r: r["peak_rss_mib"], 32.0,
         "peak RSS over the run, MiB", "Peak RSS per function")

scale = load("scale")
if scale:
    for metric, ylabel, suffix in [("p50_ms", "p50 latency, ms", "latency"),
                                   ("items_read", "items DynamoDB read", "items")]:
        fig, ax = plt.subplots(figsize=(9, 6))
        for case in dict.fromkeys(r["case"] for r in scale):
            points = sorted((r["size"], r[metric]) for r in scale if r["case"] == case)
            indexed = next(r["indexed"] for r in scale if r["case"] == case)
            ax.plot([p[0] for p in points], [max(p[1], 0.1) for p in points], marker="o",
                    linestyle="-" if indexed else ":", linewidth=1,
                    label=case + ("" if indexed else " (unindexed)"))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("role members")
        ax.set_ylabel(ylabel)
        ax.set_title(f"Assigned identities: {ylabel} against role size")
        ax.legend(fontsize=6, ncol=2)
        fig.tight_layout()
        fig.savefig(OUT / f"scale_{suffix}.png", dpi=110)
        plt.close(fig)

lam = load("lambda")
if lam:
    primary = lam["primary_period_us"]
    rows = [r for r in lam["rows"] if r["kind"] == "function" and r["period_us"] == primary
            and r["warm_p50_ms"] is not None]
    chosen = {c["function"]: c["memory_mb"] for c in lam["choices"]}
    # One panel per face: 50-odd lines in one panel leave no room for the plot.
    faces = list(dict.fromkeys(r["function"].split("-")[0] for r in rows))
    for metric, ylabel, suffix in [("cost_per_million", "$ per 1M requests (billed at the warm p50)", "cost"),
                                   ("warm_p50_ms", "warm p50, ms", "p50")]:
        fig, axes = plt.subplots(len(faces), 1, figsize=(12, 4.5 * len(faces)), squeeze=False)
        for ax, face in zip(axes[:, 0], faces):
            for function in dict.fromkeys(r["function"] for r in rows if r["function"].split("-")[0] == face):
                points = sorted((r["memory_mb"], r[metric]) for r in rows if r["function"] == function)
                (line,) = ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", linewidth=1,
                                  label=function)
                for size, value in points:
                    if chosen.get(function) == size:
                        ax.plot([size], [value], marker="*", markersize=14, color=line.get_color())
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.set_xticks(lam["sizes"], [str(s) for s in lam["sizes"]])
            ax.set_xlabel("MemorySize, MB (CPU in proportion: 1,769 MB = one vCPU)")
            ax.set_ylabel(ylabel)
            ax.set_title(f"{face}: {ylabel} against MemorySize (CFS period {primary / 1000:g} ms; ★ chosen)")
            ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
        fig.tight_layout()
        fig.savefig(OUT / f"lambda_{suffix}.png", dpi=100)
        plt.close(fig)
