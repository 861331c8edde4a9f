"""PNG chart of the ratios to the reference: matplotlib when installed, else a tiny pure-Python PNG.

The fallback draws the same grouped bars (log scale, a line at 1×) without text; the markdown
report next to it carries the numbers.
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

from bench.phases import ENDPOINT_KEYS

COLORS = ["#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]


def _value(row: dict, key: str) -> float:
    """The bar of one ratio: 0 (none) when missing or unreliable (listed in the row's "excluded")."""
    return 0.0 if key in (row.get("excluded") or ()) else row.get(key) or 0.0


def write_ratio_chart(table: dict, clients: list[str], path: Path) -> Path | None:
    """Draw {target: {clients: {endpoint: ratio}}} as one panel per client count; return the path."""
    if not table:
        return None
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed (pip install -r bench/requirements.txt): writing a plain PNG")
        return _fallback_png(table, clients, path)
    keys = [k for k in (*ENDPOINT_KEYS, "geomean") if any(table[t][c].get(k) for t in table for c in clients)]
    fig, axes = plt.subplots(len(clients), 1, figsize=(max(8, 1.3 * len(keys)), 3.2 * len(clients)), squeeze=False)
    width = 0.8 / max(1, len(table))
    for ax, c in zip(axes[:, 0], clients, strict=False):
        for i, name in enumerate(table):
            vals = [_value(table[name][c], k) for k in keys]
            xs = [j + (i - (len(table) - 1) / 2) * width for j in range(len(keys))]
            bars = ax.bar(xs, vals, width, label=name, color=COLORS[i % len(COLORS)])
            ax.bar_label(bars, labels=[f"{v:.1f}" if v else "" for v in vals], fontsize=6)
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_yscale("log")
        ax.set_xticks(range(len(keys)), keys, rotation=20, fontsize=8)
        ax.set_ylabel("× reference")
        ax.set_title(f"{c} client(s): 2xx/s relative to the reference", fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _fallback_png(table: dict, clients: list[str], path: Path, w: int = 900, panel_h: int = 220) -> Path:
    """Grouped log-scale bars with a 1× line, written with zlib+struct only."""
    h = panel_h * len(clients)
    px = [[(255, 255, 255)] * w for _ in range(h)]
    keys = [*list(ENDPOINT_KEYS), "geomean"]
    lo, hi = math.log10(0.01), math.log10(1000)

    def y_of(v: float, top: int) -> int:
        f = (min(max(math.log10(v), lo), hi) - lo) / (hi - lo)
        return top + panel_h - 10 - int(f * (panel_h - 20))

    for p, c in enumerate(clients):
        top = p * panel_h
        one = y_of(1.0, top)
        group = w // len(keys)
        bar = max(2, (group - 10) // max(1, len(table)))
        for j, k in enumerate(keys):
            for i, name in enumerate(table):
                v = _value(table[name][c], k)
                if not v:
                    continue
                color = COLORS[i % len(COLORS)]
                rgb = (int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16))
                x0 = j * group + 5 + i * bar
                y0, y1 = sorted((y_of(v, top), one))
                for y in range(y0, y1 + 1):
                    px[y][x0 : x0 + bar - 1] = [rgb] * (bar - 1)
        px[one] = [(0, 0, 0)] * w
        if p:
            px[top] = [(160, 160, 160)] * w
    raw = b"".join(b"\x00" + bytes(v for rgb in row for v in rgb) for row in px)

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )
    path.write_bytes(png)
    return path
