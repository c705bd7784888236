#!/usr/bin/env python3
"""Turns the core benchmark's Google Benchmark JSON into the markdown results summary.

    bench/core/summarize.py RESULTS.json [--out RESULTS.md] [--docs docs/BENCHMARKS.md]
                            [--status N]

Standard library only. Times are the median over the repetitions of each benchmark's own
ns_per_op counter (nanoseconds per lookup, insert or bulk-loaded key, measured with a
steady clock around the timed loop only); "cv" is the coefficient of variation across the
repetitions. Ratios are peer time / omendb time, so > 1 means omendb is faster.

--docs replaces the part of that file between the lines
    <!-- BEGIN core-results -->  and  <!-- END core-results -->
with the same tables. --status is the benchmark binary's exit status: a non-zero status
(or a truncated JSON file) marks the summary INCOMPLETE.
"""

import argparse
import json
import os
import re
import statistics
import sys
from collections import OrderedDict

STRUCTURES = ["omendb", "absl_btree", "std_map", "binsearch"]
PEER_NAMES = {
    "omendb": "omendb",
    "absl_btree": "absl::btree_map",
    "std_map": "std::map",
    "binsearch": "binary search",
}
DIST_ORDER = ["uniform", "lognormal", "pareto_gap", "sequential", "clustered", "outliers"]
BEGIN_MARK = "<!-- BEGIN core-results -->"
END_MARK = "<!-- END core-results -->"

# Targets from the "Foundation" issue.
TARGET_LOOKUP_RATIO = 2.0  # lookups at least 2x faster than absl::btree_map ...
TARGET_LOOKUP_SETS = [("uniform", 10_000_000), ("lognormal", 10_000_000)]  # ... at 10M
TARGET_INT8_BYTES = 14.0  # data-page bytes per key at fill 0.8 for int8 keys


def load_json(path):
    """Loads the JSON, repairing a file cut short by a crash (best effort)."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        return json.loads(text), False
    except json.JSONDecodeError:
        pass
    # Keep everything up to the last complete benchmark object and close the arrays.
    cut = text.rfind("\n    }")
    while cut > 0:
        candidate = text[: cut + len("\n    }")] + "\n  ]\n}\n"
        try:
            return json.loads(candidate), True
        except json.JSONDecodeError:
            cut = text.rfind("\n    }", 0, cut)
    raise SystemExit(f"{path}: not JSON, and no complete benchmark could be recovered")


def parse_size(label):
    m = re.fullmatch(r"(\d+)([KM]?)", label)
    if not m:
        return 0
    return int(m.group(1)) * {"": 1, "K": 1000, "M": 1000000}[m.group(2)]


class Run:
    """All repetitions of one benchmark."""

    def __init__(self, kind, dist, size_label, structure):
        self.kind, self.dist, self.size_label, self.structure = kind, dist, size_label, structure
        self.size = parse_size(size_label)
        self.reps = []
        self.errors = []

    def values(self, counter):
        return [r[counter] for r in self.reps if counter in r]

    def median(self, counter):
        v = self.values(counter)
        return statistics.median(v) if v else None

    def cv(self, counter):
        v = self.values(counter)
        if len(v) < 2:
            return None
        mean = statistics.mean(v)
        return statistics.stdev(v) / mean if mean else None

    def first(self, counter):
        v = self.values(counter)
        return v[0] if v else None

    def worst(self, counter):
        v = self.values(counter)
        return max(v) if v else None


def collect(data):
    runs = OrderedDict()
    for b in data.get("benchmarks", []):
        if b.get("run_type") == "aggregate":
            continue
        parts = b.get("run_name", b["name"]).split("/")
        if len(parts) < 4:
            continue
        key = tuple(parts[:4])
        run = runs.setdefault(key, Run(*key))
        if b.get("error_occurred"):
            run.errors.append(b.get("error_message", "error"))
        else:
            run.reps.append(b)
    return runs


def fmt(v, digits=1):
    if v is None:
        return "—"
    if isinstance(v, float) and v != v:
        return "—"
    return f"{v:,.{digits}f}"


def fmt_int(v):
    return "—" if v is None else f"{int(round(v)):,}"


def ratio(peer, ours):
    if peer is None or ours is None or ours == 0:
        return None
    return peer / ours


def fmt_ratio(r):
    return "—" if r is None else f"{r:.2f}x"


def cv_note(run, counter="ns_per_op"):
    c = run.cv(counter) if run else None
    return "" if c is None else f" ±{c * 100:.0f}%"


def datasets(runs):
    seen = OrderedDict()
    for (kind, dist, size_label, _), run in runs.items():
        if kind in ("lookup", "insert", "bulkload") and dist != "sequential":
            seen[(dist, size_label)] = run.size
    order = {d: i for i, d in enumerate(DIST_ORDER)}
    return sorted(seen, key=lambda k: (seen[k], order.get(k[0], 99), k[0]))


def keys_of(runs, dist, size_label):
    for (kind, d, s, _), run in runs.items():
        if d == dist and s == size_label and run.first("keys") is not None:
            return run.first("keys")
    return None


def get(runs, kind, dist, size_label, structure):
    return runs.get((kind, dist, size_label, structure))


def med(run, counter="ns_per_op"):
    return run.median(counter) if run else None


def lookup_table(runs, sets):
    out = [
        "| dataset | N | keys | omendb | absl::btree_map | std::map | binary search "
        "| absl/omendb | map/omendb | binsearch/omendb |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for dist, n in sets:
        r = {s: get(runs, "lookup", dist, n, s) for s in STRUCTURES}
        ours = med(r["omendb"])
        cells = [f"{fmt(med(r[s]))}{cv_note(r[s])}" for s in STRUCTURES]
        ratios = [fmt_ratio(ratio(med(r[s]), ours)) for s in ("absl_btree", "std_map", "binsearch")]
        out.append(f"| {dist} | {n} | {fmt_int(keys_of(runs, dist, n))} | " + " | ".join(cells + ratios) + " |")
    return out


def insert_table(runs, sets):
    out = [
        "| dataset | N | omendb | absl::btree_map | std::map | absl/omendb | map/omendb | omendb bulk load ns/key |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for dist, n in sets:
        r = {s: get(runs, "insert", dist, n, s) for s in ("omendb", "absl_btree", "std_map")}
        ours = med(r["omendb"])
        cells = [f"{fmt(med(r[s]))}{cv_note(r[s])}" for s in ("omendb", "absl_btree", "std_map")]
        ratios = [fmt_ratio(ratio(med(r[s]), ours)) for s in ("absl_btree", "std_map")]
        bulk = get(runs, "bulkload", dist, n, "omendb")
        out.append(f"| {dist} | {n} | " + " | ".join(cells + ratios) + f" | {fmt(med(bulk))} |")
    return out


def after_insert_lookup_table(runs, sets):
    out = [
        "| dataset | N | omendb | absl::btree_map | std::map | absl/omendb | map/omendb | omendb before inserts (bulk loaded) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for dist, n in sets:
        v = {s: med(get(runs, "insert", dist, n, s), "lookup_ns_after") for s in ("omendb", "absl_btree", "std_map")}
        cells = [fmt(v[s]) for s in ("omendb", "absl_btree", "std_map")]
        ratios = [fmt_ratio(ratio(v[s], v["omendb"])) for s in ("absl_btree", "std_map")]
        before = fmt(med(get(runs, "lookup", dist, n, "omendb")))
        out.append(f"| {dist} | {n} | " + " | ".join(cells + ratios) + f" | {before} |")
    return out


def widths(run):
    """Data pages by slot format: kN = N-byte key offsets, tN = N-byte TIDs."""
    parts = []
    for field, widths_ in (("k", range(1, 9)), ("t", range(1, 7))):
        parts.append(" ".join(f"{field}{w}:{fmt_int(run.first(f'pages_{field}{w}'))}"
                              for w in widths_ if run.first(f"pages_{field}{w}")))
    return " / ".join(p for p in parts if p) or "—"


def shape_row(label, n, run):
    if run is None or run.first("data_B_per_key") is None:
        return f"| {label} | {n} | " + " | ".join(["—"] * 11) + " |"
    total = sum(run.first(c) or 0 for c in ("steps_model", "steps_pages", "steps_probes"))
    return (
        f"| {label} | {n} | {fmt(run.first('data_B_per_key'), 2)} | {fmt(run.first('model_B_per_key'), 3)} "
        f"| {fmt_int(run.first('height'))} | {fmt_int(run.first('data_pages'))} | {widths(run)} "
        f"| {fmt(run.first('fill'), 3)} | {fmt(run.first('model_err_mean'), 1)} / {fmt_int(run.first('model_err_max'))} "
        f"| {fmt(run.first('steps_model'), 2)} | {fmt(run.first('steps_pages'), 3)} (max {fmt_int(run.first('steps_pages_max'))}) "
        f"| {fmt(run.first('steps_probes'), 2)} (max {fmt_int(run.first('steps_probes_max'))}) | {fmt(total, 2)} |"
    )


SHAPE_HEADER = [
    "| dataset | N | data B/key | model B/key | height | data pages | pages by key / TID bytes | fill "
    "| model err mean / max | model levels | data pages visited | probes on page | steps total |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
]


def shape_table(runs, sets, kind):
    out = list(SHAPE_HEADER)
    for dist, n in sets:
        out.append(shape_row(dist, n, get(runs, kind, dist, n, "omendb")))
    if kind == "lookup":
        for (k, dist, n, s), run in runs.items():
            if k == "bulkload" and dist == "sequential":
                out.append(shape_row("sequential (int8 1..N)", n, run))
    return out


def heap_table(runs, sets):
    out = [
        "| dataset | N | omendb | absl::btree_map | std::map | sorted array | omendb after inserts "
        "| absl after inserts | std::map after inserts |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for dist, n in sets:
        built = [fmt(med(get(runs, "lookup", dist, n, s), "heap_B_per_key")) for s in STRUCTURES]
        after = [fmt(med(get(runs, "insert", dist, n, s), "heap_B_per_key")) for s in ("omendb", "absl_btree", "std_map")]
        out.append(f"| {dist} | {n} | " + " | ".join(built + after) + " |")
    return out


def build_ms_table(runs, sets):
    out = [
        "| dataset | N | omendb bulk_load | absl::btree_map (sorted inserts at end) | std::map (emplace_hint at end) |",
        "|---|---|---:|---:|---:|",
    ]
    for dist, n in sets:
        cells = [fmt(med(get(runs, "lookup", dist, n, s), "build_ms"), 0) for s in ("omendb", "absl_btree", "std_map")]
        out.append(f"| {dist} | {n} | " + " | ".join(cells) + " |")
    return out


def targets(runs, sets):
    out = ["| target | measured | verdict |", "|---|---|---|"]
    for dist, n in TARGET_LOOKUP_SETS:
        label = next((s for d, s in sets if d == dist and parse_size(s) == n), None)
        r = None
        if label:
            r = ratio(med(get(runs, "lookup", dist, label, "absl_btree")), med(get(runs, "lookup", dist, label, "omendb")))
        if r is None:
            out.append(f"| lookups ≥ {TARGET_LOOKUP_RATIO:g}x faster than absl::btree_map, {dist} {n // 1000000}M | not run | — |")
        else:
            verdict = "met" if r >= TARGET_LOOKUP_RATIO else "**MISSED**"
            out.append(
                f"| lookups ≥ {TARGET_LOOKUP_RATIO:g}x faster than absl::btree_map, {dist} {label} "
                f"| {r:.2f}x (absl {fmt(med(get(runs, 'lookup', dist, label, 'absl_btree')))} ns, "
                f"omendb {fmt(med(get(runs, 'lookup', dist, label, 'omendb')))} ns) | {verdict} |"
            )
    byte_rows = []
    for (k, dist, n, s), run in runs.items():
        if s == "omendb" and ((k == "bulkload" and dist == "sequential") or (k == "lookup")):
            v = run.first("data_B_per_key")
            if v is not None:
                byte_rows.append((run.size, DIST_ORDER.index(dist) if dist in DIST_ORDER else 99, dist, n, v, run))
    for _, _, dist, n, v, run in sorted(byte_rows):
        verdict = "met" if v <= TARGET_INT8_BYTES else "**MISSED**"
        out.append(
            f"| data-page bytes/key ≤ {TARGET_INT8_BYTES:g} at fill 0.8, int8 {dist} {n} "
            f"| {v:.2f} (pages by key / TID bytes: {widths(run)}) | {verdict} |"
        )
    steps = []
    for dist, n in sets:
        run = get(runs, "lookup", dist, n, "omendb")
        if run and run.first("steps_model") is not None:
            total = sum(run.first(c) for c in ("steps_model", "steps_pages", "steps_probes"))
            steps.append(f"{dist} {n}: {total:.2f}")
    out.append("| mean search steps per lookup (model levels + data pages + probes) | " + "; ".join(steps) + " | reported |")
    return out


def checks(runs):
    problems = []
    for (kind, dist, n, s), run in runs.items():
        name = f"{kind}/{dist}/{n}/{s}"
        for e in run.errors:
            problems.append(f"{name}: error: {e}")
        for counter, bad in (("wrong", lambda v: v != 0), ("failures", lambda v: v != 0),
                             ("check_ok", lambda v: v != 1), ("size_ok", lambda v: v != 1)):
            for v in run.values(counter):
                if bad(v):
                    problems.append(f"{name}: {counter} = {v:g}")
                    break
    return problems


def context_lines(ctx, json_path, status, truncated):
    g = ctx.get
    cpu = g("cpu_model", "?")
    lines = [
        f"- Results file: `{os.path.basename(json_path)}` (Google Benchmark JSON)",
        f"- Date: {g('date', '?')}; host: `{g('host_name', '?')}`",
    ]
    if g("run_command"):
        lines.append(f"- Run: `{g('run_command')}`")
    lines.append(f"- Benchmark command: `{g('omendb_command', '?')}`")
    lines.append(
        f"- Build: {g('omendb_build_type', '?')}, {g('omendb_compiler', '?')}, flags `{g('omendb_cxx_flags', '?').strip()}`"
        " (no `-march=native`: results must reproduce on other x86-64 hosts); "
        f"Google Benchmark library build: {g('library_build_type', '?')}"
    )
    cpu_line = f"- CPU: {cpu}; {g('num_cpus', '?')} logical CPUs"
    if g("cpu_extra"):
        cpu_line += f"; {g('cpu_extra')}"
    if g("mhz_per_cpu"):
        cpu_line += f"; {g('mhz_per_cpu')} MHz"
    lines.append(cpu_line)
    caches = g("caches") or []
    if caches:
        lines.append(
            "- Caches: "
            + ", ".join(f"L{c['level']} {c['type'].lower()} {c['size'] // 1024} KiB x{c.get('num_sharing', 1)} sharing" for c in caches)
        )
    for key, label in (("os", "OS"), ("kernel", "Kernel"), ("memory", "Memory"), ("git", "Source"),
                       ("load_at_start", "Load average at start (1/5/15 min)"),
                       ("glibc_tunables", "GLIBC_TUNABLES (malloc huge pages for the peers)"),
                       ("thp", "Transparent huge pages")):
        if g(key):
            lines.append(f"- {label}: {g(key)}")
    lines.append(
        f"- Sizes {g('omendb_sizes', '?')}; distributions {g('omendb_dists', '?')}; seed {g('omendb_seed', '?')}; "
        f"{g('omendb_probes_per_batch', '?')} probes per lookup batch x {g('omendb_lookup_batches', '?')} batches per repetition; "
        f"omendb pages {g('omendb_page_size', '?')} B at fill {g('omendb_fill_factor', '?')}"
    )
    if status not in (None, 0) or truncated:
        lines.append(
            f"- **INCOMPLETE RUN**: benchmark exit status {status}"
            + ("; the JSON was cut short and only complete benchmarks are shown" if truncated else "")
        )
    return lines


def tables(runs, sets, reps):
    out = []
    out.append(f"### Lookups: ns per lookup (median of {reps} repetitions, ± coefficient of variation)")
    out.append("")
    out.append("Random existing keys, the same probe sequence for every structure. Ratio = peer / omendb (> 1: omendb faster).")
    out.append("")
    out += lookup_table(runs, sets)
    out.append("")
    out.append("### Inserts: ns per insert")
    out.append("")
    out.append("A random half of the keys bulk loaded (omendb) or inserted in sorted order (peers), then the other half "
               "inserted in random order. No sorted-array inserts (each is an O(N) memmove).")
    out.append("")
    out += insert_table(runs, sets)
    out.append("")
    out.append("### Lookups after the inserts: ns per lookup")
    out.append("")
    out.append("One batch of the same probes on each structure the insert benchmark left behind "
               "(median over repetitions; no cv: one batch each).")
    out.append("")
    out += after_insert_lookup_table(runs, sets)
    out.append("")
    out.append("### omendb after bulk load (8 KB pages, fill 0.8): size, shape and search steps")
    out.append("")
    out.append("Steps are means over the lookup probes of `MemoryTree::lookup_cost()`: model pages visited, data pages "
               "visited (1 + hops along sibling links) and entries compared on the data page. "
               "Model error is |predicted − actual slot| on the data pages.")
    out.append("")
    out += shape_table(runs, sets, "lookup")
    out.append("")
    out.append("### omendb after the insert benchmark (half bulk loaded, half inserted)")
    out.append("")
    out += shape_table(runs, sets, "insert")
    out.append("")
    out.append("### Heap bytes per key (allocator bytes in use, `mallinfo2`, after building / after the inserts)")
    out.append("")
    out += heap_table(runs, sets)
    out.append("")
    out.append("### Build time of the lookup structures (ms, once per dataset)")
    out.append("")
    out += build_ms_table(runs, sets)
    out.append("")
    out.append("### Targets")
    out.append("")
    out += targets(runs, sets)
    out.append("")
    problems = checks(runs)
    out.append("### Correctness checks")
    out.append("")
    if problems:
        out.append("**Problems:**")
        out.append("")
        out += [f"- {p}" for p in problems]
    else:
        out.append("Every lookup found its key's TID in every structure, every insert succeeded, "
                   "`MemoryTree::check()` passed after each bulk load and insert run, and every structure "
                   "ended with all N keys.")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("json")
    ap.add_argument("--out", help="markdown file to write (default: stdout)")
    ap.add_argument("--docs", help="markdown file whose core-results section to replace")
    ap.add_argument("--status", type=int, default=None, help="exit status of the benchmark binary")
    args = ap.parse_args()

    data, truncated = load_json(args.json)
    ctx = data.get("context", {})
    runs = collect(data)
    sets = datasets(runs)
    reps = max((len(r.reps) for r in runs.values()), default=0)

    date = str(ctx.get("date", ""))[:10]
    body = tables(runs, sets, reps)
    md = [f"# Core microbenchmarks, {date}", ""]
    md.append("Generated by `bench/core/summarize.py`; method in `docs/BENCHMARKS.md`.")
    md.append("")
    md += context_lines(ctx, args.json, args.status, truncated)
    md.append("")
    md += body
    text = "\n".join(md) + "\n"
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)

    if args.docs:
        with open(args.docs, encoding="utf-8") as f:
            doc = f.read()
        b, e = doc.find(BEGIN_MARK), doc.find(END_MARK)
        if b < 0 or e < b:
            raise SystemExit(f"{args.docs}: no {BEGIN_MARK} ... {END_MARK} section")
        src = os.path.relpath(args.out, os.path.dirname(os.path.abspath(args.docs))) if args.out else args.json
        section = [BEGIN_MARK, "", f"Copied from [`{os.path.basename(src)}`]({src}) by `bench/core/summarize.py --docs`.", ""]
        section += context_lines(ctx, args.json, args.status, truncated)
        section.append("")
        section += [line.replace("### ", "#### ", 1) if line.startswith("### ") else line for line in body]
        section += ["", END_MARK]
        doc = doc[:b] + "\n".join(section) + doc[e + len(END_MARK):]
        with open(args.docs, "w", encoding="utf-8") as f:
            f.write(doc)


if __name__ == "__main__":
    main()
