import * as core from '@actions/core';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConnectorConfigError, resolveConnectorConfig, selectConnectors, type ConnectorConfig } from '../delivery/connector-config.js';
import type { RoutingPolicy } from '../domain/health-alert.js';
import { normaliseThresholds } from '../domain/health.js';
import type { RetryPolicy } from '../domain/retry-plan.js';
import { num, str, type JsonObject } from '../domain/records.js';
import { clampPage } from '../domain/run-history.js';
import { loadRetryPolicy, loadRoutingPolicy } from '../cli/config-file.js';
import { resolveNow } from '../cli/values.js';
import { StoreError, type EvidenceStore } from '../store/evidence-store.js';
import { openEvidenceStore } from '../store/open-store.js';
import { buildHealthReport } from '../usecases/health.js';
import { acknowledgeHealthAlert, deliverHealthAlert, readAlertDashboard } from '../usecases/health-alerts.js';
import { readRunHistory } from '../usecases/run-history.js';
import { mergeEvidence } from '../usecases/merge-evidence.js';
import { runWorkerPass } from '../usecases/worker-pass.js';
import { parseInputs, type ActionInputs } from './inputs.js';
import { restoreEvidence, runContext, saveEvidence, type Restored, type Saved, type StateOptions } from './state.js';
import { jobSummary, type ModeDecision } from './summary.js';
import { errorMessage } from '../error-text.js';

/** Execute only on a manual dispatch; a requested execute anywhere else is a dry run with a warning. */
export function decideMode(requested: boolean, eventName: string): ModeDecision {
  if (!requested) return { execute: false, reason: 'dry run (the default): nothing was sent' };
  if (eventName === 'workflow_dispatch') return { execute: true, reason: 'executed: requested on a manual workflow_dispatch' };
  return {
    execute: false,
    reason: `dry run: execute was requested on a '${eventName || 'unknown'}' event, and only a manual workflow_dispatch may deliver`,
    warning: `execute: true is honoured only on workflow_dispatch; this '${eventName || 'unknown'}' run stays a dry run and sends nothing.`
  };
}

/** The connectors input, masked as soon as it is read, with every secret it resolves to masked too. */
function connectorsFromInput(text: string, env: NodeJS.ProcessEnv): ConnectorConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // Never echo the parser's message: it quotes the secret text.
    throw new ConnectorConfigError('input connectors: not valid JSON');
  }
  const config = resolveConnectorConfig(raw, env, 'input connectors');
  config.secrets.forEach((secret) => core.setSecret(secret));
  return config;
}

function storeFolders(inputs: ActionInputs): string[] {
  return [...new Set([inputs['metadata-json'], inputs.sqlite].filter(Boolean).map((path) => dirname(path)))];
}

export async function run(): Promise<void> {
  try {
    await runAction();
  } catch (error) {
    core.setFailed(errorMessage(error));
  }
}

async function runAction(): Promise<void> {
  // Masked before anything else can print it.
  const connectorsText = core.getInput('connectors');
  if (connectorsText) core.setSecret(connectorsText);

  const { inputs, errors } = parseInputs((name) => core.getInput(name));
  if (!inputs) {
    core.setFailed(errors.join('\n'));
    return;
  }
  const env = process.env;
  const mode = decideMode(inputs.execute, env.GITHUB_EVENT_NAME ?? '');
  if (mode.warning) core.warning(mode.warning);

  let config: ConnectorConfig | undefined;
  let now: number;
  let policies: Policies;
  try {
    now = resolveNow(undefined, env);
    // Policy files are read up front, so a bad one fails the step before any state moves.
    policies = { retry: loadRetryPolicy(inputs['retry-policy'] || undefined), routing: loadRoutingPolicy(inputs['routing-policy'] || undefined) };
    if (mode.execute) {
      if (!connectorsText.trim()) {
        throw new ConnectorConfigError(
          'input connectors: execute mode needs the connector configuration (for example connectors: ${{ secrets.CAVRA_CONNECTORS_JSON }}); nothing was sent'
        );
      }
      config = connectorsFromInput(connectorsText, env);
      selectConnectors(config, inputs.provider);
    }
  } catch (error) {
    core.setFailed(errorMessage(error));
    return;
  }

  const state: StateOptions = {
    paths: storeFolders(inputs),
    keyPrefix: inputs['cache-key-prefix'],
    artifactName: inputs['artifact-name'],
    retentionDays: inputs['retention-days'],
    restoreFromArtifact: inputs['restore-from-artifact'],
    run: runContext(env, inputs['github-token'])
  };
  if (inputs['github-token']) core.setSecret(inputs['github-token']);

  let restored: Restored = { source: 'off', detail: 'restore-state is false', warnings: [] };
  if (inputs['restore-state']) {
    restored = await core.group('Restore evidence', () => restoreEvidence(state));
  }
  restored.warnings.forEach((w) => core.warning(w));
  core.setOutput('state-source', restored.source);
  core.info(`Evidence: ${restored.source} (${restored.detail}).`);

  let results: { pass: JsonObject; health: JsonObject; history: JsonObject; alert?: JsonObject; alerts?: JsonObject } | undefined;
  let failure: string | undefined;
  let storeUnreadable = false;
  try {
    results = await pass(inputs, now, mode.execute, config, policies, restored.earlier);
  } catch (error) {
    failure = errorMessage(error);
    storeUnreadable = error instanceof StoreError;
  }

  // The results go into the artifact with the evidence, so they are written first.
  const resultPath = results ? writeResults(inputs.output, results) : '';

  // A store that could not be read is left as it is: nothing saved over the good copies elsewhere.
  let saved: Saved | undefined;
  if (inputs['save-state'] && !storeUnreadable) {
    saved = await core.group('Save evidence', () => saveEvidence(state, inputs.output, process.cwd()));
    saved.warnings.forEach((w) => core.warning(w));
  }
  core.setOutput('state-saved', String(saved?.cacheSaved ?? false));
  core.setOutput('artifact-id', saved?.artifactId === undefined ? '' : String(saved.artifactId));

  if (results) setOutputs(results, resultPath, mode.execute);
  const summary = results
    ? jobSummary({ ...results, resultPath, mode, restored, saved })
    : jobSummary({ failure: failure ?? 'unknown error', mode, restored, saved, resultPath: '' });
  await writeSummary(summary);
  if (failure) core.setFailed(failure);
}

/** Outside a runner there is no summary file: the summary goes to the log instead. */
async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    core.info(markdown);
    return;
  }
  try {
    await core.summary.addRaw(markdown).write();
  } catch (error) {
    core.warning(`The job summary could not be written: ${errorMessage(error)}`);
  }
}

interface Policies {
  retry: RetryPolicy;
  routing: RoutingPolicy;
}

async function pass(inputs: ActionInputs, now: number, execute: boolean, config: ConnectorConfig | undefined, policies: Policies, earlier: string | undefined) {
  const interval = inputs['schedule-interval-minutes'];
  const generatedBy = inputs['generated-by'] || `github-actions:${process.env.GITHUB_WORKFLOW ?? 'workflow'}`;
  const thresholds = normaliseThresholds(inputs['expected-interval-minutes'] ?? interval, inputs['stale-metadata-minutes']);
  const retry = { retries: inputs.retries, timeoutSeconds: inputs['timeout-seconds'] };
  const store = openEvidenceStore({ metadataJson: inputs['metadata-json'] || undefined, sqlite: inputs.sqlite || undefined }, now);
  try {
    if (earlier) mergeEarlierEvidence(inputs, earlier, store, now);
    const acknowledgement = inputs['acknowledge-health-id'] ? recordAcknowledgement(inputs, store, now) : undefined;
    // Health as this run found it: after its own pass the latest run is always fresh, so a missed
    // schedule or a failure streak would never show.
    const health = buildHealthReport({ store, now, thresholds, lookbackHours: inputs['lookback-hours'] });
    const passResult = await runWorkerPass({
      store,
      now,
      lookbackHours: inputs['lookback-hours'],
      schedule: { intervalMinutes: interval, enabled: true },
      execute,
      delivery: config ? { config, provider: inputs.provider, retry, outputDir: inputs.output } : undefined,
      generatedBy,
      retryPolicy: policies.retry,
      maxDigestPlans: inputs['max-digest-plans']
    });
    const alert = config
      ? await deliverHealthAlert({
          store,
          now,
          thresholds,
          lookbackHours: inputs['lookback-hours'],
          config,
          provider: inputs.provider,
          policy: policies.routing,
          suppressionWindowOverride: inputs['suppression-window-minutes'],
          force: false,
          retry,
          outputDir: inputs.output,
          generatedBy,
          maxAlerts: 20
        })
      : undefined;
    const history = readRunHistory(store, undefined, clampPage(10, 0), now);
    const alerts = readAlertDashboard(store, now, inputs['lookback-hours']);
    return { pass: passResult, health, history, alerts, ...(alert ? { alert } : {}), ...(acknowledgement ? { acknowledgement } : {}) };
  } finally {
    store.close();
  }
}

/** An acknowledgement from a manual dispatch, recorded in the evidence the next runs restore. */
function recordAcknowledgement(inputs: ActionInputs, store: EvidenceStore, now: number): JsonObject {
  const result = acknowledgeHealthAlert(store, {
    healthId: inputs['acknowledge-health-id']!,
    provider: inputs['acknowledge-provider']!,
    acknowledgedBy: inputs['acknowledged-by'] || `github:${process.env.GITHUB_ACTOR ?? 'unknown'}`,
    state: inputs['acknowledgement-state'],
    now
  });
  const ack = result.acknowledgement as JsonObject;
  core.info(`Recorded ${str(ack.acknowledgement_state)} of ${str(ack.health_id)} on ${str(ack.provider)} by ${str(ack.acknowledged_by)}.`);
  core.setOutput('acknowledgement-id', str(ack.acknowledgement_id));
  return ack;
}

/** Records indexed earlier in this job (by CAVRA steps) join the restored state instead of being lost. */
function mergeEarlierEvidence(inputs: ActionInputs, earlier: string, into: EvidenceStore, now: number): void {
  const from = openEvidenceStore(
    {
      metadataJson: inputs['metadata-json'] ? join(earlier, inputs['metadata-json']) : undefined,
      sqlite: inputs.sqlite && existsSync(join(earlier, inputs.sqlite)) ? join(earlier, inputs.sqlite) : undefined
    },
    now
  );
  try {
    const merged = mergeEvidence(from, into);
    core.info(`Merged ${merged} record(s) that were in the workspace before the restore.`);
  } catch (error) {
    // Name the workspace file, not the folder it was set aside in.
    if (error instanceof StoreError) throw new StoreError(`${error.message.split(`${earlier}/`).join('')} (evidence that was in the workspace before the restore)`);
    throw error;
  } finally {
    from.close();
    rmSync(earlier, { recursive: true, force: true });
  }
}

function writeResults(output: string, results: { pass: JsonObject; health: JsonObject; alert?: JsonObject }): string {
  mkdirSync(output, { recursive: true });
  const resultPath = join(output, 'automation-run.json');
  writeFileSync(resultPath, `${JSON.stringify(results.pass, null, 2)}\n`);
  writeFileSync(join(output, 'health.json'), `${JSON.stringify(results.health, null, 2)}\n`);
  if (results.alert) writeFileSync(join(output, 'health-alert.json'), `${JSON.stringify(results.alert, null, 2)}\n`);
  return resultPath;
}

function setOutputs(results: { pass: JsonObject; health: JsonObject; alert?: JsonObject }, resultPath: string, execute: boolean): void {
  const run = results.pass.run as JsonObject;
  const summary = run.summary as JsonObject;
  const plan = results.alert?.plan as JsonObject | null | undefined;
  core.setOutput('run-id', str(run.run_id));
  core.setOutput('status', str(run.status));
  core.setOutput('dry-run', String(!execute));
  core.setOutput('alert-level', str(results.health.alert_level));
  core.setOutput('health-fingerprint', str(results.health.fingerprint));
  core.setOutput('health-id', plan ? str(plan.health_id) : '');
  core.setOutput('retryable-count', num(summary.retryable_count));
  core.setOutput('owner-digest-count', num(summary.owner_digest_count));
  core.setOutput('suppression-event-count', num(summary.suppression_event_count));
  core.setOutput('missed-run-count', num(results.health.missed_run_count));
  core.setOutput('failed-job-count', num(results.health.failed_job_count));
  core.setOutput('result-path', resultPath);
  core.info(`Run ${str(run.run_id)} (${str(run.status)}): ${num(summary.retryable_count)} retryable, ${num(summary.owner_digest_count)} owner digests, ${num(summary.suppression_event_count)} suppression events.`);
  core.info(`Health as found: ${str(results.health.alert_level)} (${str(results.health.fingerprint)}).`);
  if (results.health.alert_level !== 'healthy') core.warning(`Recurrence automation health is ${str(results.health.alert_level)}: see the job summary.`);
  if (str(run.status) === 'partial') core.warning('Some owner-digest deliveries failed: see the delivery evidence in the artifact.');
}
