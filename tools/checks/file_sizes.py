"""Fail when a Python file of models/, services/ or controllers/ passes 400 lines.

A file that long holds more than one concept: split it by concept, not by line count.

    python tools/checks/file_sizes.py [ROOT]
"""

import sys
from pathlib import Path

LIMIT = 400
FOLDERS = ("models", "services", "controllers")


def main(argv):
    root = Path(argv[1] if len(argv) > 1 else ".")
    too_long, count = [], 0
    for folder in FOLDERS:
        for path in sorted((root / folder).rglob("*.py")):
            count += 1
            lines = len(path.read_text().splitlines())
            if lines > LIMIT:
                too_long.append((path.relative_to(root), lines))
    for path, lines in too_long:
        print(f"{path}: {lines} lines (limit {LIMIT})")
    if too_long:
        return 1
    print(f"{count} files of {', '.join(FOLDERS)} within {LIMIT} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
