"""The tables bench/compare prints: per size, one for in-process figures and
one for the decision servers, each value followed by its ratio to tenet's
(the value divided by tenet's: above 1 is more time or memory, or more
decisions per second)."""

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


# (column title, key, formatter)
IN_PROCESS = (
    ("load", "load_ms", lambda v: _duration_us(v * 1000)),
    ("max RSS", "rss_kib", _mib),
    ("p50", "p50_us", _duration_us),
    ("p99", "p99_us", _duration_us),
    ("decisions/s", "decisions_per_s", _rate),
)
SERVER = (
    ("start to ready", "ready_ms", lambda v: _duration_us(v * 1000)),
    ("max RSS", "rss_kib", _mib),
    ("RTT p50", "rtt_p50_us", _duration_us),
    ("RTT p99", "rtt_p99_us", _duration_us),
    ("decisions/s", "decisions_per_s", _rate),
)


def _table(title: str, columns, rows: dict[str, dict]) -> list[str]:
    """`rows`: engine -> {"values": {...}} or {"na": why}; the reasons for
    "n/a" go below the table."""
    reference = rows.get("tenet", {}).get("values", {})
    header = ["engine"] + [c[0] for c in columns]
    lines = [title, "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    notes = []
    for engine in ENGINES:
        row = rows.get(engine)
        if row is None:
            continue
        if "values" not in row:
            lines.append(f"| {engine} | " + " | ".join(["n/a"] * len(columns)) + " |")
            notes.append(f"{engine}: {row.get('na', 'not measured')}")
            continue
        values = row["values"]
        cells = [fmt(values[key]) + ("" if engine == "tenet" else _ratio(values[key], reference.get(key)))
                 if values.get(key) is not None else "-" for _, key, fmt in columns]
        lines.append(f"| {engine} | " + " | ".join(cells) + " |")
    if notes:
        lines += [""] + [f"n/a — {note}" for note in notes]
    return lines


def size_tables(size: str, description: str, results: dict[str, dict]) -> list[str]:
    """`results`: engine -> {"inproc": row, "server": row}."""
    out = [f"## {size}: {description}", ""]
    out += _table(f"In process ({size})", IN_PROCESS, {e: r["inproc"] for e, r in results.items()})
    out += [""]
    out += _table(f"Decision server over 127.0.0.1 ({size})", SERVER, {e: r["server"] for e, r in results.items()})
    return out
