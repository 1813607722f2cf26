#!/usr/bin/env bash
# The checks that keep the code's shape (make test runs them): pylint with pylint-odoo's
# mandatory checks, each field and method of a model declared once, no import circle, no
# file of models/ services/ controllers/ over 400 lines. Prints what fails; exits non-zero
# when any check fails.
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
source tools/env.sh
rc=0
echo "--- pylint-odoo (mandatory checks)"
# the runtime code and the tests; tools/ and emulator/ are command-line programs that print
(cd .. && "$PY" -m pylint --rcfile="$here/.pylintrc-mandatory" \
    "$here"/{__init__.py,__manifest__.py,models,services,controllers,wizard,tests}) || rc=1
echo "--- each field and method of a model declared once"
"$PY" tools/checks/model_members.py . || rc=1
echo "--- import circles"
"$PY" tools/checks/import_cycles.py . || rc=1
echo "--- file sizes"
"$PY" tools/checks/file_sizes.py . || rc=1
exit $rc
