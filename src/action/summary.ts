import { artifactOf, num, objects, str, type JsonObject } from '../domain/records.js';

// The job summary a reviewer reads: verdict first, then what the pass found. Tables are capped so
// the summary stays far below GitHub's 1 MiB limit whatever the size of the store.

const MAX_ROWS = 10;

const LEVEL_ICON: Record<string, string> = { healthy: '🟢', warning: '🟠', critical: '🔴' };

function escape(text: unknown): string {
  return str(text).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function table(header: string[], rows: string[][]): string {
  if (rows.length === 0) return '';
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export interface SummaryInput {
  pass: JsonObject;
  health: JsonObject;
  history: JsonObject;
  resultPath: string;
}

export function jobSummary({ pass, health, history, resultPath }: SummaryInput): string {
  const run = pass.run as JsonObject;
  const summary = run.summary as JsonObject;
  const level = str(health.alert_level);
  const parts: string[] = [];

  parts.push(`## ${LEVEL_ICON[level] ?? ''} CAVRA recurrence automation: ${level}`);
  const alerts = objects(health.alerts);
  parts.push(
    alerts.length === 0
      ? 'Before this pass: no missed or failed runs, no connector failures, and every stage had fresh evidence.'
      : ['Found before this pass:', ...alerts.map((a) => `- **${escape(a.severity)}** \`${escape(a.category)}\`: ${escape(a.message)}`)].join('\n')
  );
  parts.push(
    `**Mode:** ${run.dry_run === false ? 'executed' : 'dry run: nothing was sent; owner digests were planned and recorded only'}. ` +
      `Run \`${escape(run.run_id)}\` (${escape(run.status)}), window ${escape((run.schedule as JsonObject).window_start)}.`
  );

  parts.push('### This pass');
  parts.push(
    table(
      ['retryable', 'waiting', 'suppressed retries', 'owner digests', 'unresolved routes', 'suppression events', 'follow-up actions'],
      [
        [
          summary.retryable_count,
          summary.waiting_retry_count,
          summary.suppressed_retry_count,
          summary.owner_digest_count,
          summary.owner_digest_route_count,
          summary.suppression_event_count,
          summary.follow_up_action_count
        ].map((n) => String(num(n)))
      ]
    )
  );

  const retries = objects((run.retry_plan as JsonObject).retry_decisions).filter((d) => d.action !== 'suppress');
  if (retries.length > 0) {
    parts.push('### Retries due or waiting');
    parts.push(
      table(
        ['action', 'provider', 'recurrence plan', 'failures', 'next retry'],
        retries.slice(0, MAX_ROWS).map((d) => [escape(d.action), escape(d.provider), `\`${escape(d.recurrence_plan_id)}\``, String(num(d.retry_count)), escape(d.next_retry_at)])
      )
    );
    if (retries.length > MAX_ROWS) parts.push(`…and ${retries.length - MAX_ROWS} more in the JSON result.`);
  }

  const digests = objects(run.owner_digest_events);
  if (digests.length > 0) {
    parts.push('### Owner digests');
    const rows: string[][] = [];
    for (const digest of digests) {
      for (const owner of objects(digest.owners)) {
        rows.push([escape(owner.owner), String(num(owner.route_count)), String(num(owner.retry_count)), `\`${escape(digest.recurrence_plan_id)}\``]);
      }
    }
    parts.push(table(['owner', 'unresolved routes', 'pending retries', 'recurrence plan'], rows.slice(0, MAX_ROWS * 2)));
    if (rows.length > MAX_ROWS * 2) parts.push(`…and ${rows.length - MAX_ROWS * 2} more owner rows in the JSON result.`);
  }

  const categories = Object.entries(((run.suppression_trend as JsonObject).category_counts ?? {}) as Record<string, number>);
  if (categories.length > 0) {
    parts.push('### Suppression trend');
    parts.push(['```mermaid', 'pie showData title Suppressed and waiting routes by category', ...categories.map(([c, n]) => `  "${c}" : ${n}`), '```'].join('\n'));
  }

  const runs = objects(history.items);
  if (runs.length > 0) {
    parts.push('### Latest worker runs');
    parts.push(
      table(
        ['created', 'run', 'mode', 'status', 'retryable', 'digests', 'events'],
        runs.slice(0, MAX_ROWS).map((record) => {
          const r = artifactOf(record);
          const s = (r.summary ?? {}) as JsonObject;
          return [
            escape(record.created_at),
            `\`${escape(record.session_id)}\``,
            r.dry_run === false ? 'execute' : 'dry-run',
            escape(str(r.status) || 'succeeded'),
            String(num(s.retryable_count)),
            String(num(s.owner_digest_count)),
            String(num(s.suppression_event_count))
          ];
        })
      )
    );
  }

  parts.push(
    `### Health figures\n` +
      table(
        ['missed runs', 'failed jobs', 'connector failures', 'stale stages', 'latest run age (min)'],
        [[health.missed_run_count, health.failed_job_count, health.connector_delivery_failure_count, health.stale_metadata_count].map((n) => String(num(n))).concat(String(health.latest_run_age_minutes ?? 'n/a'))]
      )
  );
  parts.push(`Full result: \`${escape(resultPath)}\`.`);
  return parts.filter(Boolean).join('\n\n') + '\n';
}
