# SPDX-License-Identifier: BSD-3-Clause
"""Reading what the guests print and what hvsim writes (--stats-json)."""

import json
import re


def load_stats(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def nic_stats(stats):
    n = stats["nics"][0]
    return {k: v for k, v in n.items() if k not in ("channels", "rss")}


def gen_stats(stats):
    gen = stats["vswitch"].get("gen")
    return gen["ports"][0] if gen else None


def kv_line(text, prefix):
    """The last 'prefix k=v k=v ...' line of text, as a dict."""
    found = None
    for line in text.splitlines():
        if line.startswith(prefix + " "):
            found = line
    if found is None:
        return None
    out = {}
    for tok in found.split()[1:]:
        if "=" in tok:
            k, v = tok.split("=", 1)
            try:
                out[k] = int(v)
            except ValueError:
                try:
                    out[k] = float(v)
                except ValueError:
                    out[k] = v
    return out


def last_line(text):
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[-1] if lines else "(no output)"


def port_counters(text):
    """RX-packets, RX-missed, TX-packets of testpmd's last 'show port stats'."""
    rx = re.findall(r"RX-packets:\s+(\d+)\s+RX-missed:\s+(\d+)", text)
    tx = re.findall(r"TX-packets:\s+(\d+)\s+TX-errors:", text)
    if not rx or not tx:
        return None
    return int(rx[-1][0]), int(rx[-1][1]), int(tx[-1])


def pct(part, whole):
    v = 100.0 * part / whole
    return f"{v:.1f}%" if v >= 1 else f"{v:.2f}%"
