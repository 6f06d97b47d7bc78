# SPDX-License-Identifier: BSD-3-Clause
"""From run records to what a reader sees: medians per cell, the Markdown
tables, one note line per cell and kind, and the results files."""

import json
import os
import re
import statistics

from .cells import MODES, PMDS, QUEUES, SIZES, cells

TESTPMD_NA = "n/a (testpmd cannot forward on the bundled PMD, see doc/guides/hvsim.md)"


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits):
    return "fail" if v is None else f"{v:.{digits}f}"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def markdown(head, align, rows):
    """A Markdown table: head, the |---| line from align, then the rows."""
    return "\n".join(["| " + " | ".join(head) + " |", "|" + "|".join(align) + "|"] +
                     ["| " + " | ".join(r) + " |" for r in rows])


def cell_runs(runs, guest, pmd, mode, size, queues):
    return [r for r in runs if (r["guest"], r["pmd"], r["mode"], r["size"],
                                r.get("queues", 1)) == (guest, pmd, mode, size, queues)]


def summarize(runs):
    rows = []
    for mode, wire, size, queues in cells(MODES, SIZES, QUEUES):
        if not [r for r in runs if r["mode"] == mode and r["size"] == size
                and r.get("queues", 1) == queues]:
            continue
        row = {"mode": mode, "frame": wire, "size": size, "queues": queues}
        for pmd in PMDS:
            rs = cell_runs(runs, "hvbench", pmd, mode, size, queues)
            row[f"{pmd}_mpps"] = med([r.get("mpps") for r in rs if not r.get("failed")])
            row[f"{pmd}_cpp"] = med([r.get("cpp") for r in rs if not r.get("failed")])
            row[f"{pmd}_avg_burst"] = med([r.get("avg_burst") for r in rs if not r.get("failed")])
            row[f"{pmd}_notes"] = sorted({n for r in rs for n in r.get("notes", [])} |
                                         {r["error"] for r in rs if r.get("failed")})
        tp = cell_runs(runs, "testpmd", "hvnet", mode, size, queues)
        row["testpmd_hvnet_cpp"] = med([r.get("cpp") for r in tp if not r.get("failed")])
        row["testpmd_hvnet_mpps"] = med([r.get("mpps") for r in tp if not r.get("failed")])
        row["testpmd_hvnet_notes"] = sorted({n for r in tp for n in r.get("notes", [])} |
                                            {r["error"] for r in tp if r.get("failed")})
        tb = cell_runs(runs, "testpmd", "bundled", mode, size, queues)
        row["testpmd_bundled_cpp"] = med([r.get("cpp") for r in tb if not r.get("failed")]) \
            if tb else TESTPMD_NA
        row["mpps_ratio"] = ratio(row["hvnet_mpps"], row["bundled_mpps"])
        row["cpp_ratio"] = ratio(row["hvnet_cpp"], row["bundled_cpp"])
        row.update(round_ratios(runs, mode, size, queues))
        rows.append(row)
    return rows


def quartiles(values):
    """(first quartile, median, third quartile) of values; None when empty."""
    values = sorted(v for v in values if v is not None)
    if not values:
        return None, None, None
    if len(values) == 1:
        return values[0], values[0], values[0]
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


def round_ratios(runs, mode, size, queues):
    """hvnet/bundled cycles/pkt of hvbench within each round (the two ran
    back to back, so a slow phase of the machine hits both), and their
    median and interquartile range: the ratio's spread, which the ratio of
    the medians hides."""
    per_round = []
    for rnd in sorted({r.get("round", 0) for r in runs}):
        pair = {}
        for pmd in PMDS:
            rs = [r for r in cell_runs(runs, "hvbench", pmd, mode, size, queues)
                  if r.get("round", 0) == rnd and not r.get("failed")]
            pair[pmd] = rs[0].get("cpp") if rs else None
        per_round.append(ratio(pair["hvnet"], pair["bundled"]))
    q1, q2, q3 = quartiles(per_round)
    return {"cpp_ratio_rounds": per_round, "cpp_ratio_round_median": q2,
            "cpp_ratio_round_q1": q1, "cpp_ratio_round_q3": q3}


def ratio_table(rows):
    """The per-round ratios of every row, their median and interquartile range."""
    head = ["mode", "frame", "queues", "hvnet/bundled cycles/pkt per round",
            "median of the rounds", "IQR (q1-q3)", "goal <= 0.5"]
    out = []
    for r in rows:
        rr = r.get("cpp_ratio_rounds") or []
        med_r, q1, q3 = (r.get("cpp_ratio_round_median"), r.get("cpp_ratio_round_q1"),
                         r.get("cpp_ratio_round_q3"))
        out.append([r["mode"], f"{r['frame']} B", str(r["queues"]),
                    ", ".join(fmt(v, 2) for v in rr), fmt(med_r, 2),
                    "fail" if q1 is None else f"{q1:.2f}-{q3:.2f}",
                    "-" if med_r is None else ("yes" if med_r <= 0.5 else "no")])
    return markdown(head, ["---"] * 3 + ["---", "---:", "---:", "---"], out)


def table(rows, testpmd_ran):
    head = ["mode", "frame", "queues", "bundled Mpps", "hvnet Mpps", "bundled cycles/pkt",
            "hvnet cycles/pkt", "testpmd hvnet cycles/pkt", "hvnet/bundled Mpps",
            "hvnet/bundled cycles/pkt", "testpmd bundled cycles/pkt"]
    return markdown(head, ["---"] * 2 + ["---:"] * 8 + ["---"], [
        [r["mode"], f"{r['frame']} B", str(r["queues"]), fmt(r["bundled_mpps"], 3),
         fmt(r["hvnet_mpps"], 3), fmt(r["bundled_cpp"], 0), fmt(r["hvnet_cpp"], 0),
         fmt(r["testpmd_hvnet_cpp"], 0) if testpmd_ran else "skipped",
         fmt(r["mpps_ratio"], 2), fmt(r["cpp_ratio"], 2), testpmd_bundled(r)] for r in rows])


def testpmd_bundled(row):
    """The bundled PMD's testpmd cycles/pkt: measured from DPDK 23.11 on,
    n/a on 22.11, whose bundled PMD testpmd cannot forward on."""
    v = row["testpmd_bundled_cpp"]
    return v if isinstance(v, str) else fmt(v, 0)


def instructions_table(rows):
    head = ["mode", "frame", "queues", "bundled instr/pkt", "hvnet instr/pkt",
            "hvnet/bundled", "bundled avg burst", "hvnet avg burst"]
    return markdown(head, ["---"] * 3 + ["---:"] * 5, [
        [r["mode"], f"{r['frame']} B", str(r["queues"]), fmt(r.get("bundled_ipp"), 0),
         fmt(r.get("hvnet_ipp"), 0), fmt(r.get("ratio"), 2), fmt(r.get("bundled_avg_burst"), 1),
         fmt(r.get("hvnet_avg_burst"), 1)] for r in rows])


def note_kinds(rs):
    """The notes of a cell's runs, by kind: {kind: [per-run value or None]}."""
    kinds = {}
    for r in rs:
        if r.get("failed"):
            kinds.setdefault("failed", []).append(r["error"])
            continue
        for n in r.get("notes", []):
            if n.startswith("disturbed"):
                kinds.setdefault("disturbed", []).append(n)
                continue
            m = re.match(r"(\d+) (of \d+ frames \(([0-9.]+%)\) )?(.*)", n)
            if m:
                kinds.setdefault(m.group(4), []).append(m.group(3) or m.group(1))
            else:
                kinds.setdefault(n, []).append(None)
    return kinds


def notes_text(runs):
    """One line per cell and kind of note, over the rounds."""
    out = []
    for mode, wire, size, queues in cells(MODES, SIZES, QUEUES):
        for guest, pmd, who in (("hvbench", "bundled", "bundled"),
                                ("hvbench", "hvnet", "hvnet"),
                                ("testpmd", "hvnet", "testpmd hvnet")):
            rs = cell_runs(runs, guest, pmd, mode, size, queues)
            if not rs:
                continue
            where = f"- {mode} {wire} B, {queues} queue{'s' if queues > 1 else ''}, {who}:"
            for key, vals in note_kinds(rs).items():
                runs_txt = f"{len(vals)} of {len(rs)} run{'s' if len(rs) > 1 else ''}"
                if key == "failed":
                    out.append(f"{where} failed in {runs_txt}: {vals[-1]}")
                elif key == "disturbed":
                    out.append(f"{where} disturbed in {runs_txt} (see results.json)")
                elif vals[0] is None:
                    out.append(f"{where} {key} ({runs_txt})")
                else:
                    out.append(f"{where} {key} in {runs_txt}: {', '.join(vals)}")
    return out


def machine_info():
    info = {"cpus": os.cpu_count()}
    try:
        info["loadavg_at_end"] = open("/proc/loadavg").read().split()[:3]
        info["cpu_model"] = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                                  if l.startswith("model name")), "?")
    except OSError:
        pass
    return info


def write_results(out_dir, name, markdown_text, doc):
    """out_dir/name.md (markdown_text as it is) and out_dir/name.json (doc)."""
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, name + ".md"), "w") as f:
        f.write(markdown_text)
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump(doc, f, indent=1)
