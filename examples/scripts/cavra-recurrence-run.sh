#!/bin/sh
# One scheduled CAVRA recurrence automation pass, shared by the Kubernetes CronJob (baked into the
# image by examples/docker/Dockerfile) and the systemd timer (installed as
# /usr/local/bin/cavra-recurrence-run). POSIX sh; needs `cavra` (this package's CLI) on PATH.
#
#   cavra-recurrence-run           prepare, then health as found, the worker pass and the dashboard
#   cavra-recurrence-run prepare   only the checks, the folders and the seeded store (ExecStartPre)
#
# Steps:
#   1. prepare: refuse execute mode without the connector configuration (before anything is
#      written), create the evidence and output folders, seed metadata.json as {"items": []}.
#   2. health as this run found it, BEFORE its own pass (after it the latest run is always fresh,
#      so missed runs could never show; the GitHub Action does the same): execute mode routes
#      health alerts to the connectors, dry run writes the health report.
#   3. the worker pass: dry run, or execute with the connector configuration and provider.
#   4. the dashboard, a few lines for the log.
# Every command's JSON result is kept in the output folder; the records are in the store.
# Exit status: 0 when every step did its work (recorded delivery failures included); otherwise
# the failing step's status (1 from this script's own checks), with one line on stderr saying why.
#
# Settings (environment; systemd EnvironmentFile or the CronJob's env):
#   CAVRA_RECURRENCE_EXECUTE          true to deliver; false or unset for a dry run (default)
#   CAVRA_RECURRENCE_PROVIDER         all, or a comma list of webhook, slack, teams, jira, servicenow
#   CAVRA_SCHEDULE_INTERVAL_MINUTES   minutes between runs; also the health's expected interval (30)
#   CAVRA_STALE_METADATA_MINUTES      health: age after which stage evidence is stale (120)
#   CAVRA_METADATA_JSON, CAVRA_METADATA_SQLITE, CAVRA_OUTPUT_DIR, CAVRA_HEALTH_ALERT_OUTPUT_DIR
#   CAVRA_CONNECTOR_CONFIG            connector configuration (/etc/cavra/connectors.json)
#   CAVRA_ROUTING_POLICY              optional health-alert routing policy (JSON or YAML)
#   CAVRA_RETRY_POLICY                optional retry policy (JSON or YAML)
#   CAVRA_GENERATED_BY                actor recorded on the records, e.g. systemd:cavra-recurrence-automation
#   CAVRA_LOCK_FILE                   lock held during a pass (<evidence folder>/.cavra-recurrence.lock)
#   The connector secrets themselves (SLACK_WEBHOOK_URL, JIRA_TOKEN, ...) are plain environment
#   variables named by the configuration's *_env keys; this script never reads or prints them.
set -eu

execute="${CAVRA_RECURRENCE_EXECUTE:-false}"
provider="${CAVRA_RECURRENCE_PROVIDER:-all}"
interval="${CAVRA_SCHEDULE_INTERVAL_MINUTES:-30}"
stale="${CAVRA_STALE_METADATA_MINUTES:-120}"
metadata_json="${CAVRA_METADATA_JSON:-/var/lib/cavra/evidence/metadata.json}"
sqlite="${CAVRA_METADATA_SQLITE:-/var/lib/cavra/evidence/metadata.db}"
output="${CAVRA_OUTPUT_DIR:-/var/lib/cavra/release/endpoint-remediation-sla-escalation-recurrence-automation}"
alert_output="${CAVRA_HEALTH_ALERT_OUTPUT_DIR:-/var/lib/cavra/release/endpoint-remediation-sla-escalation-recurrence-automation-health-alerts}"
config="${CAVRA_CONNECTOR_CONFIG:-/etc/cavra/connectors.json}"
routing_policy="${CAVRA_ROUTING_POLICY:-}"
retry_policy="${CAVRA_RETRY_POLICY:-}"
generated_by="${CAVRA_GENERATED_BY:-cavra-recurrence-run}"
lock="${CAVRA_LOCK_FILE:-$(dirname "$metadata_json")/.cavra-recurrence.lock}"

log() { printf 'cavra-recurrence-run: %s\n' "$*"; }
fail() {
  printf 'cavra-recurrence-run: %s\n' "$*" >&2
  exit 1
}

case "$execute" in
  true) mode=execute ;;
  false | '') mode=dry-run ;;
  *) fail "CAVRA_RECURRENCE_EXECUTE must be true or false, not '$execute'; nothing was run" ;;
esac

prepare() {
  if [ "$mode" = execute ] && ! { [ -f "$config" ] && [ -r "$config" ]; }; then
    fail "execute mode (CAVRA_RECURRENCE_EXECUTE=true) needs the connector configuration $config, which is missing or unreadable; nothing was run. Provide it (CAVRA_CONNECTOR_CONFIG) or set CAVRA_RECURRENCE_EXECUTE=false for a dry run."
  fi
  umask 027
  mkdir -p "$(dirname "$metadata_json")" "$(dirname "$sqlite")" "$output" "$alert_output"
  if [ ! -e "$metadata_json" ]; then
    # The JSON store's object form. The CLI reads a missing file as empty too; the seeded file
    # shows that the store was started here, and when.
    printf '{"items": []}\n' >"$metadata_json.seed.$$"
    mv "$metadata_json.seed.$$" "$metadata_json"
    log "seeded an empty evidence store at $metadata_json"
  fi
}

# The fingerprint of the health report in a JSON result (the first one: the report comes first).
fingerprint_of() {
  sed -n 's/^ *"fingerprint": "\([^"]*\)".*/\1/p' "$1" | head -n 1
}

step="${1:-run}"
case "$step" in
  run | prepare) ;;
  *) fail "unknown argument '$step' (use: cavra-recurrence-run [run|prepare]); nothing was run" ;;
esac

prepare
if [ "$step" = prepare ]; then
  exit 0
fi

# The scheduler runs one pass at a time; this lock also keeps an operator's command (an ack
# run under `flock` on the same file) from writing the JSON store in the middle of a pass.
if command -v flock >/dev/null 2>&1; then
  exec 9>>"$lock"
  flock -w 300 9 || fail "another cavra command has held $lock for 5 minutes; nothing was run"
fi

log "$mode pass, provider $provider, every $interval min, as $generated_by"

if [ "$mode" = execute ]; then
  cavra release deliver-endpoint-remediation-sla-escalation-recurrence-automation-health-alert \
    --metadata-json "$metadata_json" --sqlite "$sqlite" \
    --config "$config" --provider "$provider" --output "$alert_output" \
    --expected-interval-minutes "$interval" --stale-metadata-minutes "$stale" \
    ${routing_policy:+--routing-policy "$routing_policy"} \
    --generated-by "$generated_by" --json >"$output/health-alert.json.tmp"
  mv "$output/health-alert.json.tmp" "$output/health-alert.json"
  rm -f "$output/health.json" # an older dry run's report would only mislead
  log "health as found: $(fingerprint_of "$output/health-alert.json"); alert routing in $output/health-alert.json"
else
  cavra release endpoint-remediation-sla-escalation-recurrence-automation-health \
    --metadata-json "$metadata_json" --sqlite "$sqlite" \
    --expected-interval-minutes "$interval" --stale-metadata-minutes "$stale" \
    --json >"$output/health.json.tmp"
  mv "$output/health.json.tmp" "$output/health.json"
  rm -f "$output/health-alert.json" # an older execute run's routing (its records stay in the store)
  log "health as found: $(fingerprint_of "$output/health.json"); report in $output/health.json"
fi

if [ "$mode" = execute ]; then
  cavra release endpoint-remediation-sla-escalation-recurrence-automation \
    --metadata-json "$metadata_json" --sqlite "$sqlite" --output "$output" \
    --schedule-interval-minutes "$interval" ${retry_policy:+--retry-policy "$retry_policy"} \
    --execute --config "$config" --provider "$provider" \
    --generated-by "$generated_by" --json >"$output/automation-run.json.tmp"
else
  cavra release endpoint-remediation-sla-escalation-recurrence-automation \
    --metadata-json "$metadata_json" --sqlite "$sqlite" --output "$output" \
    --schedule-interval-minutes "$interval" ${retry_policy:+--retry-policy "$retry_policy"} \
    --dry-run \
    --generated-by "$generated_by" --json >"$output/automation-run.json.tmp"
fi
mv "$output/automation-run.json.tmp" "$output/automation-run.json"
log "worker pass recorded; result in $output/automation-run.json"

cavra release endpoint-remediation-sla-escalation-recurrence-automation-dashboard \
  --metadata-json "$metadata_json" --sqlite "$sqlite"
