#!/usr/bin/env bash
# The main job's behaviour as a person or a script meets it (scripts/job): input checked
# before anything starts, exit codes, --json output that parses, and plain progress
# lines (no escape codes) when the output is not a terminal. Run by scripts/test; needs
# the local model (it reuses a server already running for PLUCK_LLM_MODEL).
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
check() {
  local what="$1"
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "ok: $what"
  else
    failed=$((failed + 1))
    echo "FAILED: $what"
  fi
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# As a user with no provider configured runs it.
job() { env -u OPENAI_BASE_URL -u OPENAI_API_KEY -u ANTHROPIC_API_KEY -u GEMINI_API_KEY -u PLUCK_PROVIDER -u PLUCK_MODEL scripts/job "$@"; }

job "$work/missing.txt" >"$work/out" 2>"$work/err"
status=$?
check "a missing file exits 2" test "$status" -eq 2
check "a missing file is named" grep -q "no such file: $work/missing.txt" "$work/err"
check "a missing file starts no model" bash -c "! grep -q 'local model' '$work/err'"

printf ' \n\t\n' >"$work/empty.txt"
job "$work/empty.txt" >"$work/out" 2>"$work/err"
status=$?
check "an empty file exits 2" test "$status" -eq 2
check "an empty file is named" grep -q "is empty" "$work/err"

job --frobnicate >"$work/out" 2>"$work/err"
check "an unknown option exits 2" test $? -eq 2

job --help >"$work/out" 2>&1
check "--help exits 0 and lists the exit codes" grep -q "^Exit codes:" "$work/out"

cat >"$work/posting.txt" <<'POSTING'
Senior Data Engineer at Nordwind Logistics (Hamburg, hybrid)
Salary: EUR 80,000 - 95,000 per year
You will build our streaming platform. Requirements: Python, Kafka, SQL.
Nice to have: Airflow.
POSTING
job --json "$work/posting.txt" >"$work/out" 2>"$work/err"
status=$?
check "--json on a posting exits 0" test "$status" -eq 0
check "--json prints JSON that parses, with a job title" \
  python3 -c 'import json, sys; v = json.load(open(sys.argv[1])); assert "job_title" in v and "skills" in v' "$work/out"
check "progress off a terminal has no escape codes" bash -c "! grep -q $'\x1b' '$work/err' '$work/out'"
check "progress off a terminal shows fields as they fill" grep -qE '^ +[0-9.]+ s  job_title: ' "$work/err"

job "$work/posting.txt" >"$work/out" 2>"$work/err"
status=$?
check "the summary exits 0" test "$status" -eq 0
check "the summary is readable text" grep -qE '^  level: +' "$work/out"
check "the summary says attempts and time" grep -qE '^[0-9]+ attempts?, .* s$' "$work/out"
if ((failed > 0)); then
  echo "--- last stderr:"
  cat "$work/err"
  echo "--- last stdout:"
  cat "$work/out"
fi

echo "job: $passed passed, $failed failed"
((failed == 0))
