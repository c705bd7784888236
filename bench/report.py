#!/usr/bin/env python3
"""Turns bench/pg/suite's CSV into the report: a markdown file, PNG plots beside it, and the
ratio table on standard output.

    bench/report.py RESULTS.csv RESULTS.md

For every figure measured in several rounds the ratio is taken per round (alex / btree, and
btree2 / btree for the A/A control, both sides measured in the same round), then reported
as the median with its min-max. A median ratio is within this machine's noise ("≈") when it
is no farther from 1 than the A/A control's farthest round, in either direction. Nothing
here is hard-coded but the metric names.
"""

import csv
import os
import statistics
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (the backend must be chosen first)

# metric -> (what it is, unit, True when higher is better)
METRICS = {
    "ms": ("time", "ms", False),
    "bytes_per_key": ("index bytes per key", "B", False),
    "us_per_row": ("time per row", "µs", False),
    "ns_per_probe": ("time per probe", "ns", False),
    "buffers_per_probe": ("buffers per probe", "", False),
    "bytes": ("WAL bytes per row", "B", False),
    "tps": ("TPS", "", True),
    "p50_us": ("p50 latency", "µs", False),
    "p99_us": ("p99 latency", "µs", False),
}
WORKLOAD_NAMES = {
    "create_index": "CREATE INDEX",
    "after_build": "after CREATE INDEX",
    "after_growth": "after +20% random inserts",
    "growth": "+20% random inserts (one INSERT)",
    "wal_per_row": "WAL per inserted row",
}
VARIANT_NAMES = {"after_checkpoint": "right after CHECKPOINT", "mid_cycle": "mid-cycle"}
HEADER = ["figure", "better", "btree", "alex", "alex / btree", "A/A btree2 / btree", "verdict"]
ALEX_SHAPE = ["height", "data_pages", "model_pages", "fill", "mean_model_error", "pages_per_lookup"]


def read(path):
    meta, rows = {}, []
    with open(path, newline="", encoding="utf-8") as f:
        for size, dataset, order, workload, variant, side, rnd, metric, value in csv.reader(f):
            if workload == "meta":
                meta[metric] = value
            else:
                rows.append((size, dataset, order, workload, variant, side, rnd, metric, value))
    return meta, rows


def human_size(n):
    n = int(n)
    return f"{n // 1_000_000}M" if n >= 1_000_000 else f"{n // 1000}k"


def spread(values):
    return statistics.median(values), min(values), max(values)


class Cell:
    """One figure (data set, workload, variant, metric) on every side, by round."""

    def __init__(self):
        self.by_side = defaultdict(dict)  # side -> round -> value

    def ratios(self, side):
        base = self.by_side.get("btree", {})
        other = self.by_side.get(side, {})
        return [other[r] / base[r] for r in sorted(base) if r in other and base[r] > 0]

    def median(self, side):
        values = list(self.by_side.get(side, {}).values())
        return statistics.median(values) if values else None


def collect(rows):
    cells = defaultdict(Cell)
    text = defaultdict(dict)  # (key, side, round) -> str, for plans and row counts
    for size, dataset, order, workload, variant, side, rnd, metric, value in rows:
        key = (size, dataset, order, workload, variant, metric)
        if metric in ("plan", "rows_found"):
            text[key][(side, rnd)] = value
        elif value not in ("", "-"):
            cells[key].by_side[side][rnd] = float(value)
    return cells, text


def fmt(x):
    if x is None:
        return "–"
    if x == int(x):
        return f"{int(x):,}"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}"


def verdict(cell, higher_better):
    alex = cell.ratios("alex")
    if not alex:
        return None
    med, lo, hi = spread(alex)
    aa = cell.ratios("btree2")
    # The noise band: as far from 1 as the A/A control strayed, either way.
    noise = max([max(r, 1 / r) for r in aa if r > 0] + [1.005])
    if 1 / noise <= med <= noise:
        word = "≈ (within A/A noise)"
    elif (med > 1) == higher_better:
        word = "alex ahead"
    else:
        word = "**alex behind**"
    return med, lo, hi, aa, word


def label(workload, variant, metric):
    name = WORKLOAD_NAMES.get(workload, workload.replace("pgbench:", "pgbench "))
    if variant not in ("-", ""):
        name += f" {VARIANT_NAMES.get(variant, variant)}"
    what, unit, higher = METRICS[metric]
    return f"{name}: {what}" + (f" ({unit})" if unit else "")


def ratio_rows(cells, size, dataset, order):
    """(label, better, btree, alex, ratio text, A/A text, verdict, med, lo, hi, aa, higher) per figure."""
    out = []
    for key in sorted(cells, key=lambda k: ORDER_KEY(k)):
        if key[:3] != (size, dataset, order) or key[5] not in METRICS:
            continue
        _, _, _, workload, variant, metric = key
        cell = cells[key]
        higher = METRICS[metric][2]
        v = verdict(cell, higher)
        if v is None:
            continue
        med, lo, hi, aa, word = v
        ratio = f"{med:.3f} [{lo:.3f}–{hi:.3f}]" if hi > lo else f"{med:.3f}"
        aa_text = (f"{statistics.median(aa):.3f} [{min(aa):.3f}–{max(aa):.3f}]" if len(aa) > 1
                   else f"{aa[0]:.3f}" if aa else "–")
        out.append((label(workload, variant, metric), "higher" if higher else "lower",
                    fmt(cell.median("btree")), fmt(cell.median("alex")), ratio, aa_text, word,
                    med, lo, hi, aa, higher))
    return out


WORKLOAD_ORDER = ["create_index", "after_build", "after_growth", "growth", "probe", "wal_per_row"]


def ORDER_KEY(key):
    size, dataset, order, workload, variant, metric = key
    rank = WORKLOAD_ORDER.index(workload) if workload in WORKLOAD_ORDER else len(WORKLOAD_ORDER)
    return (int(size), rank, workload, variant, list(METRICS).index(metric) if metric in METRICS else 99)


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def checks(text):
    """Plans and row counts must match across the sides of one round."""
    problems = []
    for key, by in text.items():
        rounds = defaultdict(dict)
        for (side, rnd), value in by.items():
            rounds[rnd][side] = value
        for rnd, sides in rounds.items():
            if len(set(sides.values())) > 1:
                problems.append(f"{' '.join(key)} round {rnd}: " +
                                "; ".join(f"{s} {v}" for s, v in sorted(sides.items())))
    return problems


def plot_ratios(rows, title, path):
    """alex's advantage per figure (>1: alex better), median with min-max, and the A/A."""
    rows = [r for r in rows if r[0].split(":")[-1].strip() not in ("p50 latency (µs)",)]
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(rows) + 1.5))
    for i, r in enumerate(rows):
        med, lo, hi, aa, higher = r[7], r[8], r[9], r[10], r[11]
        adv = (lambda x: x) if higher else (lambda x: 1 / x)
        a, b = sorted((adv(lo), adv(hi)))
        ax.errorbar(adv(med), i, xerr=[[adv(med) - a], [b - adv(med)]], fmt="o", color="C0", capsize=3)
        if aa:
            c, d = sorted((adv(min(aa)), adv(max(aa))))
            ax.plot([c, d], [i - 0.3, i - 0.3], color="grey", lw=3, alpha=0.6)
    ax.axvline(1, color="black", lw=0.8)
    ax.set_xscale("log")
    ticks = [t for t in (0.125, 0.25, 0.5, 1, 2, 4, 8) if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.minorticks_off()
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r[0] for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("alex's advantage over btree (> 1: alex better); grey: A/A control (btree2 vs btree)")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_bytes(cells, sets, path):
    fig, ax = plt.subplots(figsize=(max(6, 0.9 * len(sets)), 4))
    width = 0.2
    for j, (workload, side, colour) in enumerate([("after_build", "btree", "C1"), ("after_build", "alex", "C0"),
                                                   ("after_growth", "btree", "C3"), ("after_growth", "alex", "C2")]):
        values = [cells[(s, d, o, workload, "-", "bytes_per_key")].median(side) or 0 for s, d, o in sets]
        ax.bar([i + (j - 1.5) * width for i in range(len(sets))], values, width, color=colour,
               label=f"{side}, {WORKLOAD_NAMES[workload]}")
    ax.set_xticks(range(len(sets)))
    ax.set_xticklabels([f"{d}\n{o} order\n{human_size(s)}" for s, d, o in sets], fontsize=7)
    ax.set_ylabel("index bytes per key")
    ax.legend(fontsize=7, ncol=4, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_sizes(cells, dataset, order, sizes, path):
    fig, ax = plt.subplots(figsize=(6, 4))
    for variant, style in [("hit-random-indexonly", "-"), ("hit-random-heap", "--")]:
        for side, colour in [("btree", "C1"), ("alex", "C0")]:
            ys = [cells[(s, dataset, order, "probe", variant, "ns_per_probe")].median(side) for s in sizes]
            ax.plot([int(s) for s in sizes], ys, style, marker="o", color=colour, label=f"{side} {variant}")
    ax.set_xscale("log")
    ax.set_xlabel("rows")
    ax.set_ylabel("ns per probe (index nested loop)")
    ax.set_title(f"{dataset} keys, {order} load order", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main():
    csv_path, md_path = sys.argv[1], sys.argv[2]
    meta, rows = read(csv_path)
    cells, text = collect(rows)
    base = os.path.splitext(md_path)[0]
    stem = os.path.basename(base)
    sets = []  # (size, dataset, order) in run order
    for size, dataset, order, *_ in rows:
        if dataset != "pgbench" and (size, dataset, order) not in sets:
            sets.append((size, dataset, order))
    sizes = sorted({s for s, _, _ in sets}, key=int)
    main_sets = [t for t in sets if (t[1], t[2]) == (sets[0][1], sets[0][2])]

    md = [f"# alex vs btree inside PostgreSQL: {meta.get('date', '?')[:10]}, {meta.get('profile', '')}", ""]
    md += [f"- Command: `{meta.get('command', '?')}` (source `{meta.get('git', '?')}`)",
           f"- Server: {meta.get('server', '?')}; extension: {meta.get('omendb', '?')}",
           f"- Machine: {meta.get('cpu', '?')}, {meta.get('memory', '?')}, {meta.get('kernel', '?')}; "
           f"load average at start {meta.get('load_at_start', '?')}, at end {meta.get('load_at_end', '?')}",
           f"- Non-default settings: `{meta.get('settings', '?')}`",
           f"- Every figure, per side and round: [{stem}.csv]({stem}.csv)", ""]
    md += ["Same rows in identical tables (same heap order), one index each: `btree`, `alex`, and "
           "`btree2`, a second btree that is the **A/A control**: it shows how much two identical "
           "indexes differ on this machine. In each round every workload ran once per side, the sides "
           "in rotating order. Ratios are taken per round and reported as **median [min–max]**; "
           "\"≈\" marks a median no farther from 1 than the A/A control's farthest round (either way). Sizes and WAL are deterministic; "
           "times and TPS are noisy on this shared VM.", ""]

    # One line per data set: the figures every set has, as median alex / btree ratios.
    overview = [("after_build", "-", "bytes_per_key", "bytes/key"), ("after_growth", "-", "bytes_per_key", "bytes/key after growth"),
                ("create_index", "-", "ms", "CREATE INDEX time"), ("growth", "-", "us_per_row", "growth insert time"),
                ("probe", "hit-random-indexonly", "ns_per_probe", "probe index-only"),
                ("probe", "hit-random-heap", "ns_per_probe", "probe with heap"),
                ("probe", "miss-random-indexonly", "ns_per_probe", "probe miss"),
                ("wal_per_row", "mid_cycle", "bytes", "WAL/row mid-cycle"),
                ("pgbench:point", "prepared-c2", "tps", "point TPS")]
    md += ["## Overview: alex / btree, median of the rounds", "",
           "Lower is better for every column but TPS. Each data set's section below has the spread, "
           "the A/A control and the absolute figures.", ""]
    lines = []
    for s, d, o in sets:
        row = [human_size(s), d, o]
        for workload, variant, metric, _ in overview:
            ratios = cells[(s, d, o, workload, variant, metric)].ratios("alex") if (s, d, o, workload, variant, metric) in cells else []
            row.append(f"{statistics.median(ratios):.2f}" if ratios else "–")
        lines.append(row)
    md += [table(["rows", "keys", "load order"] + [c[3] for c in overview], lines), ""]

    behind = []
    terminal = []
    for s, d, o in sets:
        rr = ratio_rows(cells, s, d, o)
        title = f"{human_size(s)} rows, {d} keys, {o} load order"
        md += [f"## {title}", ""]
        md.append(table(HEADER, [r[:7] for r in rr]))
        md.append("")
        shape = [(w, [cells[(s, d, o, w, "-", m)].median("alex") for m in ALEX_SHAPE])
                 for w in ("after_build", "after_growth")]
        md += ["alex index shape (`alex_index_stats`): " + "; ".join(
            f"{WORKLOAD_NAMES[w]}: " + ", ".join(f"{m} {fmt(v)}" for m, v in zip(ALEX_SHAPE, vals))
            for w, vals in shape), ""]
        behind += [f"{title}: {r[0]} — alex / btree {r[4]} ({r[1]} is better)" for r in rr if "behind" in r[6]]
        if (s, d, o) in main_sets:
            png = f"{stem}-ratios-{human_size(s)}-{d}-{o}.png"
            plot_ratios(rr, title, os.path.join(os.path.dirname(md_path), png))
            md += [f"![alex's advantage per figure, {title}]({png})", ""]
            terminal += [f"{title}", table(HEADER, [r[:7] for r in rr]), ""]
        floor, point = (cells.get((s, d, o, f"pgbench:{w}", "prepared-c2", "tps")) for w in ("floor", "point"))
        if floor and point and point.median("btree"):
            md += [f"Ceiling: the same round trips without the indexed table (`floor`) run at "
                   f"{fmt(floor.median('none'))} TPS against btree's {fmt(point.median('btree'))} "
                   f"(prepared, 2 clients): even an index that cost nothing could raise point-select TPS "
                   f"by at most {floor.median('none') / point.median('btree'):.2f}x.", ""]
    for s in sizes:
        rr = ratio_rows(cells, s, "pgbench", "-")
        if rr:
            title = f"standard pgbench schema (pgbench -i -I dtgv -s {int(s) // 100000}), index on pgbench_accounts(aid)"
            md += [f"## {title}", "", table(HEADER, [r[:7] for r in rr]), ""]
            terminal += [title, table(HEADER, [r[:7] for r in rr]), ""]
            behind += [f"{title}: {r[0]} — alex / btree {r[4]}" for r in rr if "behind" in r[6]]

    png = f"{stem}-bytes-per-key.png"
    plot_bytes(cells, sets, os.path.join(os.path.dirname(md_path), png))
    md += ["## Index size per data set", "", f"![index bytes per key per data set]({png})", ""]
    if len(sizes) > 1:
        png = f"{stem}-probe-vs-size.png"
        plot_sizes(cells, sets[0][1], sets[0][2], sizes, os.path.join(os.path.dirname(md_path), png))
        md += ["## Probe time against table size", "", f"![ns per probe against rows]({png})", ""]

    md += ["## Where alex is behind btree", ""]
    md += [f"- {b}" for b in behind] or ["- nowhere outside the A/A noise in this run"]
    problems = checks(text)
    md += ["", "## Checks", "",
           "The plans (node types) of every probe query and of each pgbench script's query, and the probe "
           "queries' row counts, were compared across the sides; "
           "`bt_index_check` and `alex_index_check(..., heapallindexed => true)` ran after CREATE INDEX and after "
           "the growth inserts (a failure stops the run)."]
    md += [f"- MISMATCH {p}" for p in problems] or ["- plans and row counts: identical on every side"]
    failed = [r for r in rows if r[7] == "failed"]
    md += [f"- pgbench FAILED: {' '.join(r[:7])}" for r in failed]
    with open(md_path, "w", encoding="utf-8") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(terminal))
    if behind:
        print("alex is behind btree (outside the A/A noise) on:")
        print("\n".join(f"  {b}" for b in behind))
    for p in problems:
        print(f"MISMATCH {p}")
    print(f"report: {md_path}")


if __name__ == "__main__":
    main()
