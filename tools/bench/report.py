"""Turn the JSON of ours.py and native.py into the figure lines of `make bench`:
``<name>: ours <x> native <y> ratio <r>`` with ratio = native / ours (above 1: ours is
cheaper). Arguments: ours.json native.json output-file [machine description]."""

import json
import sys

STEPS = ("import_2000", "push_500", "incremental_1000", "incremental_10000")
# operations: like requests, but each part of a batch counts as one
METRICS = ("requests", "operations", "sql", "seconds")
HEADER = (
    "# ours = calendar_cloud_sync, native = Odoo 18 google_calendar, both against the Google "
    "emulator; ratio = native / ours (above 1: ours is cheaper)"
)


def number(value, key):
    return f"{value:.2f}" if key == "seconds" else str(int(value))


def ratio(ours, native):
    if not ours:
        return "n/a"
    value = native / ours
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def lines(ours, native):
    out = []
    for step in STEPS:
        for key in METRICS:
            if key == "operations" and step != "push_500":
                continue  # elsewhere it equals requests
            x, y = ours["figures"][step][key], native["figures"][step][key]
            figures = f"ours {number(x, key)} native {number(y, key)} ratio {ratio(x, y)}"
            out.append(f"{step}_{key}: {figures}")
    return out


def failed_checks(side, data):
    return [
        f"# CHECK FAILED ({side}): {what}: {got}, expected {expected}"
        for what, (got, expected) in data["checks"].items()
        if got != expected
    ]


def main(ours_path, native_path, out_path, machine=""):
    with open(ours_path) as handle:
        ours = json.load(handle)
    with open(native_path) as handle:
        native = json.load(handle)
    text = [
        HEADER,
        *([f"# machine: {machine}"] if machine else []),
        *failed_checks("ours", ours),
        *failed_checks("native", native),
    ]
    text += lines(ours, native)
    with open(out_path, "w") as out:
        out.write("\n".join(text) + "\n")
    print("\n".join(text))
    return 1 if any(line.startswith("# CHECK FAILED") for line in text) else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
