"""The table bench/compare prints: one row per size and engine, in-process
figures then the decision server's, each value followed by its ratio to
tenet's in the same size and column (the value divided by tenet's: above 1
is more time or memory, or more decisions per second)."""

from __future__ import annotations

ENGINES = ("tenet", "Cedar", "casbin", "Cerbos")


def _duration_us(us: float) -> str:
    if us < 10:
        return f"{us:.2f} µs"
    if us < 1000:
        return f"{us:.0f} µs"
    if us < 1_000_000:
        return f"{us / 1000:.1f} ms"
    return f"{us / 1e6:.2f} s"


def _mib(kib: float) -> str:
    return f"{kib / 1024:.0f} MiB" if kib >= 10 * 1024 else f"{kib / 1024:.1f} MiB"


def _rate(per_s: float) -> str:
    return f"{per_s:,.0f}/s"


def _ratio(value: float, reference: float | None) -> str:
    if not reference or value is None:
        return ""
    r = value / reference
    text = f"{r:.0f}" if r >= 10 else f"{r:.1f}" if r >= 1 else f"{r:.2g}"
    return f" ({text}×)"


# (column title, part, key, formatter): `part` is "inproc" or "server".
COLUMNS = (
    ("load", "inproc", "load_ms", lambda v: _duration_us(v * 1000)),
    ("max RSS", "inproc", "rss_kib", _mib),
    ("p50", "inproc", "p50_us", _duration_us),
    ("p99", "inproc", "p99_us", _duration_us),
    ("decisions/s", "inproc", "decisions_per_s", _rate),
    ("server start to ready", "server", "ready_ms", lambda v: _duration_us(v * 1000)),
    ("server max RSS", "server", "rss_kib", _mib),
    ("RTT p50", "server", "rtt_p50_us", _duration_us),
    ("RTT p99", "server", "rtt_p99_us", _duration_us),
    ("server decisions/s", "server", "decisions_per_s", _rate),
)


def table(sizes: list[tuple[str, dict]]) -> list[str]:
    """One table for every size: `sizes` is [(size, results)], results being
    engine -> {"inproc": row, "server": row}, a row {"values": {...}} or
    {"na": why}. The reasons for "n/a" are listed below it, once each."""
    header = ["size", "engine"] + [c[0] for c in COLUMNS]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    reasons: dict[str, list[str]] = {}
    for size, results in sizes:
        reference = results.get("tenet", {})
        for engine in ENGINES:
            if engine not in results:
                continue
            cells = []
            for _, part, key, fmt in COLUMNS:
                row = results[engine][part]
                if "values" not in row:
                    cells.append("n/a")
                    reason = f"{engine} ({'in process' if part == 'inproc' else 'server'}): {row.get('na', '')}"
                    reasons.setdefault(reason, [])
                    if size not in reasons[reason]:
                        reasons[reason].append(size)
                    continue
                value = row["values"].get(key)
                if value is None:
                    cells.append("-")
                    continue
                base = reference.get(part, {}).get("values", {}).get(key)
                cells.append(fmt(value) + ("" if engine == "tenet" else _ratio(value, base)))
            lines.append(f"| {size} | {engine} | " + " | ".join(cells) + " |")
    if reasons:
        lines.append("")
        lines += [f"n/a — {reason}" + ("" if len(found) == len(sizes) else f" ({', '.join(found)})")
                  for reason, found in reasons.items()]
    return lines
