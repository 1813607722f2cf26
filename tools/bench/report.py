"""Turn the JSON of ours.py and native.py (and series.py) into the figure lines of `make bench`:
``<name>: ours <x> native <y> ratio <r>`` with ratio = native / ours (above 1: ours is
cheaper); the Microsoft figures carry the prefix ``ms_``. Arguments: the directory of the
JSON files (ours.json, native.json, ms_ours.json, ms_native.json), output-file and an
optional machine description."""

import json
import os
import sys

STEPS = ("import_2000", "push_500", "incremental_1000", "incremental_10000")
# operations: like requests, but each part of a batch counts as one
METRICS = ("requests", "operations", "sql", "seconds")
HEADER = (
    "# ours = calendar_cloud_sync, native = Odoo 18 google_calendar, both against the Google "
    "emulator; ratio = native / ours (above 1: ours is cheaper)"
)
MS_HEADER = (
    "# ms_: ours = calendar_cloud_sync, native = Odoo 18 microsoft_calendar, both against the "
    "Microsoft Graph emulator"
)
# prefix of the JSON files and of the figures, header line of the block
PROVIDERS = (("", None), ("ms_", MS_HEADER))
# issue 4: $batch must cut the push's requests by at least this factor
MIN_PUSH_RATIO = 10


def number(value, key):
    return f"{value:.2f}" if key == "seconds" else str(int(value))


def ratio(ours, native):
    if not ours:
        return "n/a"
    value = native / ours
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def lines(ours, native, prefix=""):
    out = []
    for step in STEPS:
        for key in METRICS:
            if key == "operations" and step != "push_500":
                continue  # elsewhere it equals requests
            x, y = ours["figures"][step][key], native["figures"][step][key]
            figures = f"ours {number(x, key)} native {number(y, key)} ratio {ratio(x, y)}"
            out.append(f"{prefix}{step}_{key}: {figures}")
    return out


def failed_checks(side, data):
    return [
        f"# CHECK FAILED ({side}): {what}: {got}, expected {expected}"
        for what, (got, expected) in data["checks"].items()
        if got != expected
    ]


def push_target(ours, native, prefix):
    x, y = (side["figures"]["push_500"]["requests"] for side in (ours, native))
    if x * MIN_PUSH_RATIO <= y:
        return []
    return [f"# CHECK FAILED ({prefix}push_500_requests): ratio under {MIN_PUSH_RATIO}"]


SERIES_HEADER = (
    "# series: calendar_cloud_sync only (tools/bench/series.py): a daily series without an "
    "end renamed at the provider, then pulled (median of 3); ms_: Microsoft"
)
SERIES_METRICS = ("requests", "sql", "seconds")


def series_lines(json_dir):
    """The series figures of each provider whose series.json exists."""
    out = []
    for prefix, _header in PROVIDERS:
        path = os.path.join(json_dir, f"{prefix}series.json")
        if not os.path.exists(path):
            continue
        data = load(path)
        out += failed_checks(f"{prefix}series", data)
        figures = data["figures"]["series_rename"]
        out += [
            f"{prefix}series_rename_pulled_{key}: {number(figures[key], key)}"
            for key in SERIES_METRICS
        ]
    return [SERIES_HEADER, *out] if out else []


AVAILABILITY_HEADER = (
    "# availability: calendar_cloud_sync only (tools/bench/availability.py): free slots of 10 "
    "users (5 Google, 5 Microsoft) over 2 weeks, cold then cached; booking: median of 3"
)
AVAILABILITY_FIGURES = ("availability_cold", "availability_cached", "booking")


def availability_lines(json_dir):
    """The availability and booking figures, when availability.json exists."""
    path = os.path.join(json_dir, "availability.json")
    if not os.path.exists(path):
        return []
    data = load(path)
    out = [AVAILABILITY_HEADER, *failed_checks("availability", data)]
    for name in AVAILABILITY_FIGURES:
        figures = data["figures"][name]
        out += [f"{name}_{key}: {int(figures[key])}" for key in ("requests", "sql", "ms")]
    return out


def load(path):
    with open(path) as handle:
        return json.load(handle)


def main(json_dir, out_path, machine=""):
    text = [HEADER, *([f"# machine: {machine}"] if machine else [])]
    for prefix, header in PROVIDERS:
        paths = [os.path.join(json_dir, f"{prefix}{side}.json") for side in ("ours", "native")]
        if not all(os.path.exists(path) for path in paths):
            continue
        ours, native = (load(path) for path in paths)
        text += [header] if header else []
        text += failed_checks(f"{prefix}ours", ours) + failed_checks(f"{prefix}native", native)
        text += push_target(ours, native, prefix)
        text += lines(ours, native, prefix)
    text += series_lines(json_dir)
    text += availability_lines(json_dir)
    with open(out_path, "w") as out:
        out.write("\n".join(text) + "\n")
    print("\n".join(text))
    return 1 if any(line.startswith("# CHECK FAILED") for line in text) else 0


def main_series(json_dir, out_path, lines_of=series_lines):
    """BENCH_ONLY=series (or availability): those figures alone."""
    text = lines_of(json_dir)
    with open(out_path, "w") as out:
        out.write("\n".join(text) + "\n")
    print("\n".join(text))
    return 1 if not text or any(line.startswith("# CHECK FAILED") for line in text) else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--series"]:
        sys.exit(main_series(*sys.argv[2:4]))
    if sys.argv[1:2] == ["--availability"]:
        sys.exit(main_series(*sys.argv[2:4], lines_of=availability_lines))
    sys.exit(main(*sys.argv[1:4]))
