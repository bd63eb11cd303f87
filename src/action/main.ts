import * as core from '@actions/core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { normaliseThresholds } from '../domain/health.js';
import { clampPage } from '../domain/run-history.js';
import { num, str, type JsonObject } from '../domain/records.js';
import { loadRetryPolicy } from '../cli/config-file.js';
import { resolveNow } from '../cli/values.js';
import { openEvidenceStore } from '../store/open-store.js';
import { buildHealthReport } from '../usecases/health.js';
import { readRunHistory } from '../usecases/run-history.js';
import { runWorkerPass } from '../usecases/worker-pass.js';
import { parseInputs } from './inputs.js';
import { jobSummary } from './summary.js';

/** One dry-run worker pass and the health report, with outputs and a job summary. */
export async function run(): Promise<void> {
  try {
    const { inputs, errors } = parseInputs((name) => core.getInput(name));
    if (!inputs) {
      core.setFailed(errors.join('\n'));
      return;
    }
    const now = resolveNow(undefined, process.env);
    const interval = inputs['schedule-interval-minutes'];
    const retryPolicy = loadRetryPolicy(inputs['retry-policy'] || undefined);
    const generatedBy = inputs['generated-by'] || `github-actions:${process.env.GITHUB_WORKFLOW ?? 'workflow'}`;
    const store = openEvidenceStore({ metadataJson: inputs['metadata-json'] || undefined, sqlite: inputs.sqlite || undefined }, now);
    let pass: JsonObject;
    let health: JsonObject;
    let history: JsonObject;
    try {
      // Health as this run found it: after its own pass the latest run is always fresh, so a missed
      // schedule or a failure streak would never show.
      const thresholds = normaliseThresholds(inputs['expected-interval-minutes'] || interval, inputs['stale-metadata-minutes']);
      health = buildHealthReport({ store, now, thresholds, lookbackHours: inputs['lookback-hours'] });
      pass = await runWorkerPass({
        store,
        now,
        lookbackHours: inputs['lookback-hours'],
        schedule: { intervalMinutes: interval, enabled: true },
        execute: false,
        generatedBy,
        retryPolicy,
        maxDigestPlans: inputs['max-digest-plans']
      });
      history = readRunHistory(store, undefined, clampPage(10, 0));
    } finally {
      store.close();
    }

    mkdirSync(inputs.output, { recursive: true });
    const resultPath = join(inputs.output, 'automation-run.json');
    writeFileSync(resultPath, `${JSON.stringify(pass, null, 2)}\n`);
    writeFileSync(join(inputs.output, 'health.json'), `${JSON.stringify(health, null, 2)}\n`);

    const run = pass.run as JsonObject;
    const summary = run.summary as JsonObject;
    core.setOutput('run-id', str(run.run_id));
    core.setOutput('status', str(run.status));
    core.setOutput('dry-run', 'true');
    core.setOutput('alert-level', str(health.alert_level));
    core.setOutput('health-fingerprint', str(health.fingerprint));
    core.setOutput('retryable-count', num(summary.retryable_count));
    core.setOutput('owner-digest-count', num(summary.owner_digest_count));
    core.setOutput('suppression-event-count', num(summary.suppression_event_count));
    core.setOutput('missed-run-count', num(health.missed_run_count));
    core.setOutput('failed-job-count', num(health.failed_job_count));
    core.setOutput('result-path', resultPath);

    core.info(`Run ${str(run.run_id)}: ${num(summary.retryable_count)} retryable, ${num(summary.owner_digest_count)} owner digests, ${num(summary.suppression_event_count)} suppression events.`);
    core.info(`Health: ${str(health.alert_level)} (${str(health.fingerprint)}).`);
    if (health.alert_level !== 'healthy') core.warning(`Recurrence automation health is ${str(health.alert_level)}: see the job summary.`);
    await core.summary.addRaw(jobSummary({ pass, health, history, resultPath })).write();
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
