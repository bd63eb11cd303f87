import { artifactOf, compareText, num, objects, str, type JsonObject } from '../domain/records.js';

// Short human summaries for the terminal; `--json` prints the full result instead.

function counts(map: unknown): string {
  const entries = Object.entries((map ?? {}) as Record<string, number>).sort(([, a], [, b]) => b - a);
  return entries.length === 0 ? 'none' : entries.map(([name, n]) => `${name} ${n}`).join(', ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function renderWorkerPass(result: JsonObject): string {
  const run = result.run as JsonObject;
  const summary = run.summary as JsonObject;
  const schedule = run.schedule as JsonObject;
  const trend = run.suppression_trend as JsonObject;
  const digests = objects(result.owner_digests);
  const skipped = digests[0] ? str(digests[0].skipped) : '';
  const retries = objects((run.retry_plan as JsonObject).retry_decisions);
  const lines = [
    `Recurrence automation run ${str(run.run_id)} (${run.dry_run === false ? 'execute' : 'dry run'}, ${str(run.status)})`,
    `  window      ${str(schedule.window_start)} to ${str(schedule.window_end)} (every ${num(schedule.interval_minutes)} min)`,
    `  retry plan  ${num(summary.retryable_count)} retryable, ${num(summary.waiting_retry_count)} waiting, ${num(summary.suppressed_retry_count)} suppressed`,
    `  digests     ${plural(num(summary.owner_digest_count), 'owner digest')}, ${plural(num(summary.owner_digest_route_count), 'unresolved route')}${skipped ? ` (not sent: ${skipped})` : ''}`,
    `  trend       ${plural(num(summary.suppression_event_count), 'suppression event')}: ${counts(trend.category_counts)}`,
    `  follow-ups  ${num(summary.follow_up_action_count)}`,
    `  indexed     ${(result.indexed_metadata_stores as string[]).join(', ') || 'nowhere (no store given)'}`
  ];
  // Execute mode: what each provider did with the digests.
  const byProvider = new Map<string, { sent: number; failed: string[]; skipped: string[] }>();
  const tally = (provider: string) => byProvider.get(provider) ?? byProvider.set(provider, { sent: 0, failed: [], skipped: [] }).get(provider)!;
  for (const digest of digests) {
    for (const d of objects((digest.delivery as JsonObject | null)?.deliveries)) {
      if (d.success) tally(str(d.provider)).sent += 1;
      else tally(str(d.provider)).failed.push(str(d.error) || str(d.error_class));
    }
    for (const s of objects(digest.skipped_providers)) tally(str(s.provider)).skipped.push(str(s.reason));
  }
  for (const [provider, t] of [...byProvider.entries()].sort(([a], [b]) => compareText(a, b))) {
    const parts = [`${t.sent} sent`];
    if (t.failed.length > 0) parts.push(`${t.failed.length} FAILED (${[...new Set(t.failed)].join('; ')})`);
    if (t.skipped.length > 0) parts.push(`${t.skipped.length} not sent (${t.skipped[0]}${t.skipped.length > 1 ? `, and ${t.skipped.length - 1} more` : ''})`);
    lines.push(`  ${provider.padEnd(11)} ${parts.join(', ')}`);
  }
  const retryable = retries.filter((d) => d.action === 'retry');
  if (retryable.length > 0) {
    lines.push('Look at: recurrence deliveries eligible for retry');
    for (const d of retryable.slice(0, 5)) lines.push(`  - ${str(d.provider)} for ${str(d.recurrence_plan_id)} (${num(d.retry_count)} failed so far)`);
    if (retryable.length > 5) lines.push(`  - and ${retryable.length - 5} more (use --json)`);
  }
  return lines.join('\n');
}

export function renderHealth(report: JsonObject): string {
  const lines = [
    `Recurrence automation health: ${str(report.alert_level).toUpperCase()}`,
    `  latest run   ${report.latest_run_id ? `${str(report.latest_run_id)} at ${str(report.latest_run_at)} (${report.latest_run_age_minutes ?? '?'} min ago, ${str(report.latest_run_status)})` : 'none recorded'}`,
    `  missed runs  ${num(report.missed_run_count)} (expected every ${num(report.expected_interval_minutes)} min)`,
    `  failed jobs  ${num(report.failed_job_count)}`,
    `  connectors   ${num(report.connector_delivery_failure_count)} failed deliveries in current streaks`,
    `  stale        ${num(report.stale_metadata_count)} of 4 stages (threshold ${num(report.stale_metadata_minutes)} min)`
  ];
  const alerts = objects(report.alerts);
  if (alerts.length > 0) {
    lines.push('Look at:');
    for (const alert of alerts) lines.push(`  - [${str(alert.severity)}] ${str(alert.category)}: ${str(alert.message)}`);
  }
  return lines.join('\n');
}

export function renderHistory(history: JsonObject): string {
  const items = objects(history.items);
  const lines = [`Recurrence automation runs: ${num(history.total)} in all, showing ${items.length} from offset ${num(history.offset)}`];
  for (const record of items) {
    const run = artifactOf(record);
    const summary = (run.summary ?? {}) as JsonObject;
    lines.push(
      `  ${str(record.created_at)}  ${str(record.session_id)}  ${run.dry_run === false ? 'execute' : 'dry-run'}  ${str(run.status) || 'succeeded'}  retryable ${num(summary.retryable_count)}  digests ${num(summary.owner_digest_count)}  events ${num(summary.suppression_event_count)}`
    );
  }
  return lines.join('\n');
}

export function renderDashboard(dashboard: JsonObject): string {
  const latest = objects(dashboard.latest)[0];
  const latestSummary = (latest ? ((artifactOf(latest).summary ?? {}) as JsonObject) : {}) as JsonObject;
  const why =
    str(dashboard.alert_level) === 'critical'
      ? 'runs planned retries of failed recurrence deliveries'
      : str(dashboard.alert_level) === 'warning'
        ? 'runs planned owner digests or saw suppressed routes'
        : 'no run planned retries, digests or suppressions';
  return [
    `Recurrence automation dashboard (last ${num(dashboard.lookback_hours)} h): ${str(dashboard.alert_level).toUpperCase()}, because ${why}`,
    `  runs         ${num(dashboard.run_count)} (${num(dashboard.dry_run_count)} dry-run, ${num(dashboard.executed_count)} executed; ${num(dashboard.failed_count)} failed, ${num(dashboard.partial_count)} partial)`,
    latest
      ? `  latest run   ${str(latest.session_id)} at ${str(latest.created_at)}: ${num(latestSummary.retryable_count)} retryable, ${num(latestSummary.owner_digest_count)} digests, ${num(latestSummary.suppression_event_count)} suppression events`
      : '  latest run   none in the window',
    `  summed over the window's runs (the seed's totals): ${num(dashboard.retryable_count)} retryable, ${num(dashboard.owner_digest_count)} digests, ${num(dashboard.suppression_event_count)} suppression events`
  ].join('\n');
}

export function renderRetryPlan(result: JsonObject): string {
  const plan = result.plan as JsonObject;
  return [
    `Retry plan ${str(plan.retry_plan_id)}: ${str(plan.alert_level).toUpperCase()}`,
    `  ${num(plan.retryable_count)} retryable, ${num(plan.waiting_count)} waiting, ${num(plan.suppressed_count)} suppressed of ${plural(num(plan.decision_count), 'decision')}`,
    ...objects(plan.retry_decisions)
      .slice(0, 10)
      .map((d) => `  - ${str(d.action).padEnd(8)} ${str(d.provider).padEnd(10)} ${str(d.recurrence_plan_id)}: ${str(d.reason)}`),
    `  indexed ${(result.indexed_metadata_stores as string[]).join(', ') || 'nowhere'}`
  ].join('\n');
}

export function renderTrend(result: JsonObject): string {
  const trend = result.trend as JsonObject;
  return [
    `Suppression trend ${str(trend.trend_id)}: ${plural(num(trend.suppression_event_count), 'event')}`,
    `  by category  ${counts(trend.category_counts)}`,
    `  by owner     ${counts(trend.owner_counts)}`,
    `  by provider  ${counts(trend.provider_counts)}`,
    `  indexed ${(result.indexed_metadata_stores as string[]).join(', ') || 'nowhere'}`
  ].join('\n');
}

export function renderHealthAlert(result: JsonObject): string {
  const plan = result.plan as JsonObject | null;
  const health = result.health as JsonObject;
  if (!plan) return `Recurrence automation health: ${str(health.alert_level).toUpperCase()}; no alert episode is open, nothing was sent.`;
  const lines = [
    `Health alert ${str(plan.health_id)}: ${str(plan.alert_level).toUpperCase()} (${str(plan.episode_state)} episode since ${str(plan.episode_started_at)}, ${str(plan.lifecycle_step)})`,
    `  eligible    ${(plan.eligible_providers as string[]).join(', ') || 'none'}`,
    `  selected    ${(plan.selected_providers as string[]).join(', ') || 'nobody'}`
  ];
  for (const s of objects(plan.suppressed_providers)) lines.push(`  suppressed  ${str(s.provider)}: ${str(s.reason)}`);
  for (const s of objects(result.skipped)) lines.push(`  skipped     ${str(s.provider)}: ${str(s.reason)}`);
  for (const delivery of objects(result.deliveries)) {
    for (const d of objects(delivery.deliveries)) {
      lines.push(`  ${d.success ? 'delivered' : 'FAILED   '}   ${str(d.provider)}: HTTP ${d.status_code ?? '-'} after ${num(d.attempt_count)} attempt(s)${d.error ? ` (${str(d.error)})` : ''}`);
    }
  }
  const required = plan.acknowledgement_required_providers as string[];
  if (required.length > 0) {
    const stores = ((result.indexed_metadata_stores ?? []) as string[]).map((path) => `${path.endsWith('.json') ? '--metadata-json' : '--sqlite'} ${path}`).join(' ');
    lines.push(`Acknowledge with: cavra release ack-endpoint-remediation-sla-escalation-recurrence-automation-health-alert ${str(plan.health_id)} --provider <provider> --acknowledged-by <you> ${stores}`);
  }
  return lines.join('\n');
}

export function renderDigestDelivery(result: JsonObject): string {
  const event = result.event as JsonObject;
  const summary = (event.summary ?? {}) as JsonObject;
  const lines = [`Owner digest ${str(event.digest_id)} for ${str(event.recurrence_plan_id)}: ${num(summary.unresolved_route_count)} unresolved routes, ${num(summary.owner_count)} owners`];
  const delivery = result.delivery as JsonObject | null;
  if (!delivery) lines.push(`  ${str(result.message) || 'no delivery attempted'}`);
  for (const d of objects(delivery?.deliveries)) {
    lines.push(`  ${d.success ? 'delivered' : 'FAILED   '}   ${str(d.provider)}: HTTP ${d.status_code ?? '-'} after ${num(d.attempt_count)} attempt(s)${d.error ? ` (${str(d.error)})` : ''}`);
  }
  for (const s of objects(result.skipped)) lines.push(`  skipped     ${str(s.provider)}: ${str(s.reason)}`);
  return lines.join('\n');
}

export function renderAcknowledgement(result: JsonObject): string {
  const ack = result.acknowledgement as JsonObject;
  const line = `Recorded ${str(ack.acknowledgement_state)} of ${str(ack.health_id)} on ${str(ack.provider)} by ${str(ack.acknowledged_by)} (${str(ack.acknowledgement_id)}).`;
  return result.known_episode === false ? `${line}\nNote: no health-alert plan in this store has that id; check it against the notice.` : line;
}

export function renderAlertHistory(history: JsonObject): string {
  const items = objects(history.items);
  const lines = [`Health-alert records: ${num(history.total)} in all, showing ${items.length} from offset ${num(history.offset)}`];
  for (const r of items) {
    const kind = str(r.metadata_kind).replace('endpoint-remediation-sla-escalation-recurrence-automation-', '');
    lines.push(`  ${str(r.created_at)}  ${kind.padEnd(22)}  ${str(r.health_id || r.event_id)}  ${str(r.provider) || strList(r.selected_providers) || strList(r.providers)}${r.acknowledgement_state ? `  ${str(r.acknowledgement_state)}` : ''}`);
  }
  return lines.join('\n');
}

function strList(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : '';
}

export function renderAlertDashboard(dashboard: JsonObject): string {
  const lines = [
    `Health-alert dashboard (last ${num(dashboard.lookback_hours)} h): ${str(dashboard.alert_level).toUpperCase()}`,
    `  plans ${num(dashboard.plan_count)}, deliveries ${num(dashboard.delivery_count)} (${num(dashboard.failed_delivery_count)} failed), acknowledgements ${num(dashboard.acknowledgement_count)}, suppressed providers ${num(dashboard.suppressed_provider_count)}`,
    `  outstanding acknowledgements: ${num(dashboard.outstanding_acknowledgement_count)}`
  ];
  for (const o of objects(dashboard.outstanding_acknowledgements)) lines.push(`    - ${str(o.health_id)} on ${str(o.provider)}`);
  return lines.join('\n');
}
