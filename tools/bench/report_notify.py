"""The figure lines of tools/bench_notify.sh from its JSON files. Arguments: the directory of
notify-threaded.json and notify-workers2.json, and the output file."""

import json
import os
import sys


def main(folder, output):
    results = {}
    for label in ("threaded", "workers2", "many"):
        path = os.path.join(folder, f"notify-{label}.json")
        if os.path.exists(path):
            with open(path) as handle:
                results.update(json.load(handle))
    lines = [
        "# issue 10: one account notified 100 times a second for 20 s (targets: at most 12 pulls,"
        " latency median < 2 s, p95 < 5 s); notify route vs /web/health, one connection"
        " (target: ratio notify / health <= 2)",
        f"storm_notifications: {results['storm_notifications']}"
        f" in {results['storm_seconds']:.1f} s (not 2xx: {results['storm_non_2xx']})",
        f"storm_pull_jobs: {results['storm_pull_jobs']}"
        f" (per 20 s: {results['storm_pull_jobs'] * 20 / results['storm_seconds']:.1f})",
        f"storm_latency_median_s: {results['storm_latency_median_s']:.2f}",
        f"storm_latency_p95_s: {results['storm_latency_p95_s']:.2f}",
        f"storm_unseen_changes: {results['storm_unseen_changes']}",
    ]
    for label in ("threaded", "workers2"):
        for stat in ("p50", "p99"):
            notify = results.get(f"endpoint_{label}_notify_{stat}_ms")
            health = results.get(f"endpoint_{label}_health_{stat}_ms")
            if notify is None:
                continue
            lines.append(
                f"endpoint_{label}_{stat}_ms: notify {notify:.2f} health {health:.2f}"
                f" ratio {notify / health:.2f}"
            )
    for name in ("fallback_cron", "renewal_cron", "health_dashboard"):
        for metric in ("queries", "seconds"):
            small = results.get(f"many_{name}_100_{metric}")
            large = results.get(f"many_{name}_1000_{metric}")
            if small is None:
                continue
            shown = (f"{small:.2f}", f"{large:.2f}") if metric == "seconds" else (small, large)
            lines.append(
                f"many_{name}_{metric}: 100 accounts {shown[0]} 1000 accounts {shown[1]}"
                f" ratio {large / small:.2f}"
            )
    text = "\n".join(lines) + "\n"
    with open(output, "w") as handle:
        handle.write(text)
    print(text, end="")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
