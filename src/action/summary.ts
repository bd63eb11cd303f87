import { artifactOf, num, objects, str, type JsonObject } from '../domain/records.js';
import type { Restored, Saved } from './state.js';

// The job summary a reviewer reads: verdict and mode first, then what the pass found and sent. Tables
// are capped, and the whole summary is kept far below GitHub's 1 MiB limit whatever the store's size.

const MAX_ROWS = 10;
const MAX_SUMMARY_CHARS = 200_000;
const LEVEL_ICON: Record<string, string> = { healthy: '🟢', warning: '🟠', critical: '🔴' };

export interface ModeDecision {
  execute: boolean;
  reason: string;
  warning?: string;
}

function escape(text: unknown): string {
  return str(text).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function table(header: string[], rows: string[][]): string {
  if (rows.length === 0) return '';
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function more(total: number, shown: number, what: string): string {
  return total > shown ? `…and ${total - shown} more ${what} in the JSON result.` : '';
}

export type SummaryInput = {
  mode: ModeDecision;
  restored: Restored;
  saved: Saved | undefined;
  resultPath: string;
} & (
  | { pass: JsonObject; health: JsonObject; history: JsonObject; alert?: JsonObject; alerts?: JsonObject; acknowledgement?: JsonObject; failure?: undefined }
  | { failure: string }
);

export function jobSummary(input: SummaryInput): string {
  const parts: string[] = [];
  if ('failure' in input && input.failure !== undefined) {
    parts.push('## 🔴 CAVRA recurrence automation: the pass failed');
    parts.push(`\`${escape(input.failure)}\``);
    parts.push(`**Mode:** ${input.mode.reason}.`);
    parts.push(stateSection(input.restored, input.saved));
    return finish(parts);
  }
  const { pass, health, history } = input;
  const run = pass.run as JsonObject;
  const summary = run.summary as JsonObject;
  const level = str(health.alert_level);

  parts.push(`## ${LEVEL_ICON[level] ?? ''} CAVRA recurrence automation: ${level}`);
  const alerts = objects(health.alerts);
  parts.push(
    alerts.length === 0
      ? 'Before this pass: no missed or failed runs, no connector failures, and every stage had fresh evidence.'
      : ['Found before this pass:', ...alerts.map((a) => `- **${escape(a.severity)}** \`${escape(a.category)}\`: ${escape(a.message)}`)].join('\n')
  );
  if (input.acknowledgement) {
    const ack = input.acknowledgement;
    parts.push(`**Acknowledgement recorded:** ${escape(ack.acknowledgement_state)} of \`${escape(ack.health_id)}\` on ${escape(ack.provider)} by ${escape(ack.acknowledged_by)}.`);
  }
  parts.push(`**Mode:** ${input.mode.reason}. Run \`${escape(run.run_id)}\` (${escape(run.status)}), window ${escape((run.schedule as JsonObject).window_start)}.`);

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
    parts.push(more(retries.length, MAX_ROWS, 'retries'));
  }

  const digests = objects(pass.owner_digests);
  if (digests.length > 0) {
    parts.push('### Owner digests');
    const rows: string[][] = [];
    for (const entry of digests) {
      const event = entry.event as JsonObject;
      const delivery = entry.delivery as JsonObject | null;
      const sent = delivery
        ? objects(delivery.deliveries).map((d) => `${escape(d.provider)} ${d.success ? '✓' : `✗ ${escape(d.status_code ?? d.error_class)}`}`).join(', ')
        : escape(entry.skipped ?? 'not sent');
      for (const owner of objects(event.owners)) {
        rows.push([escape(owner.owner), String(num(owner.route_count)), String(num(owner.retry_count)), `\`${escape(event.recurrence_plan_id)}\``, sent]);
      }
    }
    parts.push(table(['owner', 'unresolved routes', 'pending retries', 'recurrence plan', 'delivery'], rows.slice(0, MAX_ROWS * 2)));
    parts.push(more(rows.length, MAX_ROWS * 2, 'owner rows'));
  }

  const categories = Object.entries(((run.suppression_trend as JsonObject).category_counts ?? {}) as Record<string, number>);
  if (categories.length > 0) {
    parts.push('### Suppression trend');
    parts.push(['```mermaid', 'pie showData title Suppressed and waiting routes by category', ...categories.map(([c, n]) => `  "${c}" : ${n}`), '```'].join('\n'));
  }

  // Alerts are routed only in execute mode; a dry run shows what is still awaiting acknowledgement.
  if (input.alert || objects(input.alerts?.outstanding_acknowledgements).length > 0) parts.push(alertSection(input.alert, input.alerts));

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
  parts.push(stateSection(input.restored, input.saved));
  parts.push(`Full result: \`${escape(input.resultPath)}\`.`);
  return finish(parts);
}

function alertSection(alert: JsonObject | undefined, dashboard: JsonObject | undefined): string {
  const lines = ['### Health alerts'];
  const plan = alert?.plan as JsonObject | null | undefined;
  if (alert && !plan) lines.push('Health was healthy after the pass and no alert episode was open: nothing was sent.');
  if (plan) {
    lines.push(`Episode \`${escape(plan.health_id)}\` (${escape(plan.fingerprint)}, ${escape(plan.episode_state)}), step ${escape(plan.lifecycle_step)}.`);
    const rows: string[][] = [];
    for (const delivery of objects(alert?.deliveries)) {
      for (const d of objects(delivery.deliveries)) rows.push([escape(d.provider), d.success ? 'sent' : `failed (${escape(d.status_code ?? d.error_class)})`, '']);
    }
    for (const s of objects(plan.suppressed_providers)) rows.push([escape(s.provider), 'suppressed', escape(s.reason)]);
    for (const s of objects(alert?.skipped)) rows.push([escape(s.provider), 'skipped', escape(s.reason)]);
    lines.push(table(['provider', 'notice', 'why'], rows));
  }
  const outstanding = objects(dashboard?.outstanding_acknowledgements);
  if (outstanding.length > 0) {
    lines.push(`Outstanding acknowledgements: ${outstanding.map((o) => `\`${escape(o.health_id)}\` on ${escape(o.provider)}`).join(', ')}.`);
  } else if (dashboard) lines.push('No acknowledgement is outstanding.');
  return lines.join('\n\n');
}

function stateSection(restored: Restored, saved: Saved | undefined): string {
  const lines = ['### Evidence', `- Restored from: **${restored.source}** (${escape(restored.detail)}).`];
  if (saved) {
    lines.push(`- Cache: ${saved.cacheSaved ? `saved as \`${escape(saved.cacheKey)}\`` : '**not saved**'}.`);
    lines.push(
      `- Artifact: ${saved.artifactId !== undefined ? `\`${escape(saved.artifactName)}\` (id ${saved.artifactId}), holding the evidence store and the results` : '**not uploaded**'}.`
    );
    for (const w of saved.warnings) lines.push(`- ⚠️ ${escape(w)}`);
  } else lines.push('- Not saved (save-state is false, or the store could not be read).');
  for (const w of restored.warnings) lines.push(`- ⚠️ ${escape(w)}`);
  return lines.join('\n');
}

function finish(parts: string[]): string {
  const text = parts.filter(Boolean).join('\n\n') + '\n';
  return text.length <= MAX_SUMMARY_CHARS ? text : `${text.slice(0, MAX_SUMMARY_CHARS)}\n\n…summary cut at ${MAX_SUMMARY_CHARS} characters; the JSON result has everything.\n`;
}
