#!/usr/bin/env bash
# The checks a policy repository runs on every pull request, before a policy change is merged and enforced:
#   1. policy tests      opa test on the changed policy folder
#   2. clearance diff    what changed, in the security team's terms (grants, denies, zones, classifications, Rego)
#   3. clearance replay  the changed policy re-decides recent real decisions; --fail-on gates the merge
# It writes a pull-request comment (comment.md) and the reports into $REPORT_DIR, and exits
#   0 all passed · 3 the replay gate failed · 1 anything else failed (tests, diff, replay errors).
#
# Usage: examples/policy-ci.sh <base-ref> <decision-log>...       (run from the repository root)
#   CLEARANCE   how to run clearance          (default: npx clearance)
#   OPA         the opa binary for the tests  (default: opa)
#   POLICIES    the policy folder             (default: policies)
#   REPORT_DIR  where reports go              (default: rollout-report)
#   FAIL_ON     newly-allowed | any-change    (default: any-change)
set -uo pipefail

if [ "$#" -lt 2 ]; then
  echo "usage: $0 <base-ref> <decision-log>..." >&2
  exit 2
fi
base_ref=$1
shift
CLEARANCE=${CLEARANCE:-npx clearance}
OPA=${OPA:-opa}
POLICIES=${POLICIES:-policies}
REPORT_DIR=${REPORT_DIR:-rollout-report}
FAIL_ON=${FAIL_ON:-any-change}

mkdir -p "$REPORT_DIR"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The policy folder as it is on the base branch, to diff against.
if ! git archive "$base_ref" "$POLICIES" | tar -x -C "$work"; then
  echo "cannot read $POLICIES at $base_ref" >&2
  exit 1
fi

failed=0
step() { printf '%-16s %s\n' "$1" "$2" | tee -a "$REPORT_DIR/summary.txt"; }
: >"$REPORT_DIR/summary.txt"

# 1. Policy tests.
if $OPA test "$POLICIES" >"$REPORT_DIR/policy-tests.txt" 2>&1; then
  step "policy tests" passed
else
  step "policy tests" failed
  failed=1
fi

# 2. What changed.
if $CLEARANCE diff "$work/$POLICIES" "$POLICIES" --format markdown >"$REPORT_DIR/diff.md"; then
  step "diff" done
else
  step "diff" failed
  failed=1
fi

# 3. Replay recent decisions with the changed policy (built from the folder by clearance itself).
$CLEARANCE replay --bundle "clearance=$POLICIES" --fail-on "$FAIL_ON" --format markdown \
  --report-json "$REPORT_DIR/replay.json" "$@" >"$REPORT_DIR/replay.md"
replay=$?
case $replay in
0) step "replay" "passed (--fail-on $FAIL_ON)" ;;
3) step "replay" "GATE FAILED (--fail-on $FAIL_ON)" ;;
*)
  step "replay" "error ($replay)"
  failed=1
  ;;
esac

cat "$REPORT_DIR/diff.md" "$REPORT_DIR/replay.md" >"$REPORT_DIR/comment.md"

if [ "$replay" -eq 3 ]; then exit 3; fi
exit "$failed"
