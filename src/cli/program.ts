import { Command, CommanderError, Option } from 'commander';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { normaliseThresholds } from '../domain/health.js';
import type { JsonObject } from '../domain/records.js';
import { clampPage } from '../domain/run-history.js';
import type { Instant } from '../domain/time.js';
import { StoreError, type EvidenceStore } from '../store/evidence-store.js';
import { openEvidenceStore } from '../store/open-store.js';
import { buildHealthReport } from '../usecases/health.js';
import { readRunDashboard, readRunHistory } from '../usecases/run-history.js';
import { planRetries, trendSuppressions } from '../usecases/standalone.js';
import { runWorkerPass } from '../usecases/worker-pass.js';
import { digestAndDeliver, type DigestDelivery } from '../usecases/owner-digest-delivery.js';
import { acknowledgeHealthAlert, deliverHealthAlert, readAlertDashboard, readAlertHistory } from '../usecases/health-alerts.js';
import { ACK_STATES } from '../domain/health-alert-ack.js';
import { selectConnectors } from '../delivery/connector-config.js';
import { artifactFile, loadConnectorConfig, loadRetryPolicy, loadRoutingPolicy } from './config-file.js';
import { InputError, UsageError } from './errors.js';
import {
  renderAcknowledgement,
  renderAlertDashboard,
  renderAlertHistory,
  renderDashboard,
  renderDigestDelivery,
  renderHealth,
  renderHealthAlert,
  renderHistory,
  renderRetryPlan,
  renderTrend,
  renderWorkerPass
} from './render.js';
import { ackState, decimal, oneProvider, providerList, resolveNow, wholeNumber } from './values.js';
import { errorCode, errorMessage } from '../error-text.js';

export const COMMAND = {
  worker: 'endpoint-remediation-sla-escalation-recurrence-automation',
  history: 'endpoint-remediation-sla-escalation-recurrence-automation-history',
  dashboard: 'endpoint-remediation-sla-escalation-recurrence-automation-dashboard',
  health: 'endpoint-remediation-sla-escalation-recurrence-automation-health',
  retryPlan: 'endpoint-remediation-sla-escalation-recurrence-retry-plan',
  trends: 'endpoint-remediation-sla-escalation-suppression-trends',
  deliverDigest: 'deliver-endpoint-remediation-sla-escalation-owner-digest',
  deliverHealthAlert: 'deliver-endpoint-remediation-sla-escalation-recurrence-automation-health-alert',
  ack: 'ack-endpoint-remediation-sla-escalation-recurrence-automation-health-alert',
  alertHistory: 'endpoint-remediation-sla-escalation-recurrence-automation-health-alert-history',
  alertDashboard: 'endpoint-remediation-sla-escalation-recurrence-automation-health-alert-dashboard'
} as const;

export const DEFAULT_SQLITE = '.cavra/evidence/metadata.db';
export const DEFAULT_WORKER_OUTPUT = '.cavra/release/endpoint-remediation-sla-escalation-recurrence-automation';
export const DEFAULT_DIGEST_OUTPUT = '.cavra/release/endpoint-remediation-sla-escalation-owner-digests';
export const DEFAULT_ALERT_OUTPUT = '.cavra/release/endpoint-remediation-sla-escalation-recurrence-automation-health-alerts';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
}

interface StoreFlags {
  metadataJson?: string;
  sqlite?: string;
  now?: string;
  json?: boolean;
  lookbackHours: number;
}

function withCommonOptions(command: Command, sqliteDefault: string | undefined, lookback = true): Command {
  command
    .option('--metadata-json <path>', 'evidence metadata JSON store (read and written)')
    .option('--sqlite <path>', 'evidence metadata SQLite store (read and written)', sqliteDefault)
    .option('--now <instant>', 'compute as of this ISO-8601 instant (default: $CAVRA_NOW, else the clock)')
    .option('--json', 'print the full JSON result');
  if (lookback) {
    command.option('--lookback-hours <hours>', 'history the computation reads (1-8784)', wholeNumber(1, 8784), 168);
  }
  return command;
}

export function buildProgram(io: CliIo): Command {
  const program = new Command('cavra')
    .description('CAVRA recurrence automation: the worker pass, its history, dashboard and health.')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text.trimEnd()), writeErr: (text) => io.err(text.trimEnd()) })
    .showSuggestionAfterError(false);
  const release = program.command('release').description('Release-governance commands.');
  const configure = (command: Command) =>
    command.exitOverride().configureOutput({ writeOut: (t) => io.out(t.trimEnd()), writeErr: () => {} }).allowExcessArguments(false);
  configure(release);

  const print = (flags: StoreFlags, result: JsonObject, render: (r: JsonObject) => string) =>
    io.out(flags.json ? JSON.stringify(result, null, 2) : render(result));

  const withStore = async <T>(flags: StoreFlags, work: (store: EvidenceStore, now: Instant) => T | Promise<T>): Promise<T> => {
    const now = resolveNow(flags.now, io.env);
    const store = openEvidenceStore({ metadataJson: flags.metadataJson, sqlite: flags.sqlite }, now);
    try {
      return await work(store, now);
    } finally {
      store.close();
    }
  };

  configure(withCommonOptions(release.command(COMMAND.worker), DEFAULT_SQLITE))
    .description('Run one worker pass: retry plan, suppression trend, owner digests and the run record.')
    .option('--retry-policy <path>', 'retry policy JSON or YAML')
    .option('--config <path>', 'connector configuration (read only with --execute)')
    .option('--output <path>', 'folder for delivery evidence files', DEFAULT_WORKER_OUTPUT)
    .option('--provider <name>', 'all, or a comma list of webhook, slack, teams, jira, servicenow', providerList, 'all')
    .option('--retries <n>', 'delivery retries per provider (0-10)', wholeNumber(0, 10), 2)
    .option('--timeout-seconds <s>', 'delivery timeout per attempt (0.1-120)', decimal(0.1, 120), 10)
    .option('--schedule-interval-minutes <n>', 'minutes between scheduled passes (1-1440)', wholeNumber(1, 1440), 60)
    .option('--max-digest-plans <n>', 'newest recurrence plans to digest (1-25)', wholeNumber(1, 25), 5)
    .addOption(new Option('--dry-run', 'plan and record only (the default)').conflicts('execute'))
    .option('--execute', 'deliver owner digests (needs --config)')
    .option('--generated-by <actor>', 'who ran the pass', 'release-manager')
    .action(async (flags) => {
      const retryPolicy = loadRetryPolicy(flags.retryPolicy);
      const execute = Boolean(flags.execute);
      // The seed reads --config only in execute mode; a bad one fails before anything is written.
      const delivery = execute && flags.config ? digestDelivery(flags, io.env) : undefined;
      await withStore(flags, async (store, now) => {
        const result = await runWorkerPass({
          store,
          now,
          lookbackHours: flags.lookbackHours,
          schedule: { intervalMinutes: flags.scheduleIntervalMinutes, enabled: true },
          execute,
          delivery,
          generatedBy: flags.generatedBy,
          retryPolicy,
          maxDigestPlans: flags.maxDigestPlans
        });
        print(flags, result, renderWorkerPass);
      });
    });

  configure(withCommonOptions(release.command(COMMAND.history), DEFAULT_SQLITE, false))
    .description('List recorded worker runs, newest first.')
    .option('--dry-run', 'only dry runs')
    .option('--no-dry-run', 'only executed runs')
    .option('--limit <n>', 'page size (1-500)', wholeNumber(1, 500), 50)
    .option('--offset <n>', 'records to skip', wholeNumber(0), 0)
    .action((flags) => {
      return withStore({ ...flags, lookbackHours: 0 }, (store, now) => {
        print(flags, readRunHistory(store, flags.dryRun, clampPage(flags.limit, flags.offset), now), renderHistory);
      });
    });

  configure(withCommonOptions(release.command(COMMAND.dashboard), DEFAULT_SQLITE))
    .description('Summarise the worker runs of the lookback window.')
    .action((flags) => {
      return withStore(flags, (store, now) => print(flags, readRunDashboard(store, now, flags.lookbackHours), renderDashboard));
    });

  configure(withCommonOptions(release.command(COMMAND.health), DEFAULT_SQLITE))
    .description("Report the worker's own health: missed and failed runs, connector failures, stale evidence.")
    .option('--expected-interval-minutes <n>', 'minutes between scheduled runs (1-1440)', wholeNumber(1, 1440), 30)
    .option('--stale-metadata-minutes <n>', 'age after which stage evidence is stale', wholeNumber(1), 120)
    .action((flags) => {
      return withStore(flags, (store, now) => {
        const thresholds = normaliseThresholds(flags.expectedIntervalMinutes, flags.staleMetadataMinutes);
        print(flags, buildHealthReport({ store, now, thresholds, lookbackHours: flags.lookbackHours }), renderHealth);
      });
    });

  configure(withCommonOptions(release.command(COMMAND.retryPlan), DEFAULT_SQLITE))
    .description('Plan retries of failed recurrence deliveries and record the plan.')
    .option('--retry-policy <path>', 'retry policy JSON or YAML')
    .option('--generated-by <actor>', 'who made the plan', 'release-manager')
    .action((flags) => {
      const policy = loadRetryPolicy(flags.retryPolicy);
      return withStore(flags, (store, now) =>
        print(flags, planRetries({ store, now, lookbackHours: flags.lookbackHours, generatedBy: flags.generatedBy, policy }), renderRetryPlan)
      );
    });

  configure(withCommonOptions(release.command(COMMAND.trends), DEFAULT_SQLITE))
    .description('Count suppressed and waiting routes by category, owner and provider, and record the trend.')
    .option('--generated-by <actor>', 'who made the trend', 'release-manager')
    .action((flags) => {
      return withStore(flags, (store, now) =>
        print(flags, trendSuppressions({ store, now, lookbackHours: flags.lookbackHours, generatedBy: flags.generatedBy }), renderTrend)
      );
    });

  const withDeliveryOptions = (command: Command, output: string) =>
    command
      .requiredOption('--config <path>', 'connector configuration JSON or YAML')
      .option('--output <path>', 'folder for delivery evidence files', output)
      .option('--provider <name>', 'all, or a comma list of webhook, slack, teams, jira, servicenow', providerList, 'all')
      .option('--retries <n>', 'retries per provider after the first attempt (0-10)', wholeNumber(0, 10), 2)
      .option('--timeout-seconds <s>', 'timeout of each attempt (0.1-120)', decimal(0.1, 120), 10)
      .option('--generated-by <actor>', 'who sent it', 'release-manager');

  configure(withDeliveryOptions(withCommonOptions(release.command(COMMAND.deliverDigest), undefined), DEFAULT_DIGEST_OUTPUT))
    .description('Build the owner digest of one recurrence plan, record it, and deliver it.')
    .argument('<recurrence-plan>', 'recurrence plan JSON (the plan, {"plan": ...} or its store record)')
    .option('--retry-plan <path>', 'retry plan JSON whose pending retries count against owners')
    .action(async (planPath: string, flags) => {
      requireStore(flags, COMMAND.deliverDigest);
      const recurrencePlan = artifactFile(planPath, 'RECURRENCE_PLAN', 'recurrence_plan');
      const retryPlan = flags.retryPlan ? artifactFile(flags.retryPlan, '--retry-plan', 'retry_plan') : undefined;
      const delivery = digestDelivery(flags, io.env);
      return withStore(flags, async (store, now) =>
        print(flags, await digestAndDeliver(store, recurrencePlan, retryPlan, delivery, now, flags.generatedBy), renderDigestDelivery)
      );
    });

  configure(withDeliveryOptions(withCommonOptions(release.command(COMMAND.deliverHealthAlert), undefined), DEFAULT_ALERT_OUTPUT))
    .description('Route the worker health to connectors: one notice per episode and provider, reminders, and a resolved notice.')
    .option('--routing-policy <path>', 'routing policy JSON or YAML (rules, default_providers, suppression_window_minutes)')
    .option('--suppression-window-minutes <n>', 'repeat window; 0 sends every time', wholeNumber(0))
    .option('--expected-interval-minutes <n>', 'minutes between scheduled runs (1-1440)', wholeNumber(1, 1440), 30)
    .option('--stale-metadata-minutes <n>', 'age after which stage evidence is stale', wholeNumber(1), 120)
    .option('--max-alerts <n>', 'alerts included in a notice (1-100)', wholeNumber(1, 100), 20)
    .option('--force', 'send to every eligible provider, even inside the window or acknowledged')
    .option('--no-force', 'respect the repeat window and acknowledgements (the default)')
    .action(async (flags) => {
      requireStore(flags, COMMAND.deliverHealthAlert);
      const policy = loadRoutingPolicy(flags.routingPolicy);
      const delivery = digestDelivery(flags, io.env);
      return withStore(flags, async (store, now) => {
        const result = await deliverHealthAlert({
          store,
          now,
          thresholds: normaliseThresholds(flags.expectedIntervalMinutes, flags.staleMetadataMinutes),
          lookbackHours: flags.lookbackHours,
          config: delivery.config,
          provider: flags.provider,
          policy,
          suppressionWindowOverride: flags.suppressionWindowMinutes,
          force: Boolean(flags.force),
          retry: delivery.retry,
          outputDir: flags.output,
          generatedBy: flags.generatedBy,
          maxAlerts: flags.maxAlerts
        });
        print(flags, result, renderHealthAlert);
      });
    });

  configure(withCommonOptions(release.command(COMMAND.ack), undefined, false))
    .description('Record an acknowledgement of a health alert on one provider.')
    .argument('<health-id>', 'the alert episode, erslah-...')
    .requiredOption('--provider <name>', 'webhook, slack, teams, jira or servicenow', oneProvider)
    .requiredOption('--acknowledged-by <who>', 'who acknowledges')
    .option('--acknowledgement-state <state>', `one of ${ACK_STATES.join(', ')}`, ackState, 'acknowledged')
    .option('--external-ref <ref>', 'ticket or message reference')
    .option('--notes <text>', 'notes')
    .option('--plan-id <id>', 'the health-alert plan acknowledged')
    .action((healthId: string, flags) => {
      requireStore(flags, COMMAND.ack);
      return withStore({ ...flags, lookbackHours: 0 }, (store, now) =>
        print(
          flags,
          acknowledgeHealthAlert(store, {
            healthId,
            provider: flags.provider,
            acknowledgedBy: flags.acknowledgedBy,
            state: flags.acknowledgementState,
            externalRef: flags.externalRef,
            notes: flags.notes,
            planId: flags.planId,
            now
          }),
          renderAcknowledgement
        )
      );
    });

  configure(withCommonOptions(release.command(COMMAND.alertHistory), DEFAULT_SQLITE))
    .description('List health-alert plans, deliveries and acknowledgements, newest first.')
    .option('--health-id <id>', 'one episode')
    .option('--provider <name>', 'one provider', oneProvider)
    .option('--metadata-kind <kind>', 'one record kind')
    .option('--acknowledgement-state <state>', 'acknowledgements in this state', ackState)
    .option('--suppressed', 'only plans that suppressed a provider')
    .option('--no-suppressed', 'only records that suppressed nothing')
    .option('--limit <n>', 'page size (1-500)', wholeNumber(1, 500), 50)
    .option('--offset <n>', 'records to skip', wholeNumber(0), 0)
    .action((flags) =>
      withStore(flags, (store, now) =>
        print(
          flags,
          readAlertHistory(
            store,
            { healthId: flags.healthId, provider: flags.provider, metadataKind: flags.metadataKind, acknowledgementState: flags.acknowledgementState, suppressed: flags.suppressed },
            clampPage(flags.limit, flags.offset),
            now,
            flags.lookbackHours
          ),
          renderAlertHistory
        )
      )
    );

  configure(withCommonOptions(release.command(COMMAND.alertDashboard), DEFAULT_SQLITE))
    .description('Summarise health-alert plans, deliveries and outstanding acknowledgements.')
    .action((flags) => withStore(flags, (store, now) => print(flags, readAlertDashboard(store, now, flags.lookbackHours), renderAlertDashboard)));

  return program;
}

interface DeliveryFlags {
  config: string;
  provider: string;
  retries: number;
  timeoutSeconds: number;
  output: string;
}

/** Connector configuration and delivery settings from the flags; every problem is an InputError. */
export function digestDelivery(flags: DeliveryFlags, env: NodeJS.ProcessEnv): DigestDelivery {
  const config = loadConnectorConfig(flags.config, env);
  ensureWritableFolder(flags.output, '--output');
  try {
    selectConnectors(config, flags.provider);
  } catch (error) {
    throw new InputError(`${(error as Error).message} in --config ${flags.config}`);
  }
  if (config.connectors.size === 0) throw new InputError(`--config ${flags.config}: no enabled webhook, slack, teams, jira or servicenow connector`);
  return { config, provider: flags.provider, retry: { retries: flags.retries, timeoutSeconds: flags.timeoutSeconds }, outputDir: flags.output };
}

/** Evidence files are written after sending: a folder that cannot take them must fail before anything is sent. */
export function ensureWritableFolder(path: string, flag: string): void {
  try {
    mkdirSync(path, { recursive: true });
    accessSync(path, constants.W_OK);
  } catch (error) {
    throw new InputError(`${flag} ${path}: cannot write there (${errorCode(error)})`);
  }
}

/** Commands that record what they send or acknowledge need somewhere to record it. */
function requireStore(flags: { metadataJson?: string; sqlite?: string }, command: string): void {
  if (!flags.metadataJson && !flags.sqlite) {
    throw new InputError(`--metadata-json or --sqlite: ${command} records what it does (and what it has sent) in the evidence store; name at least one`);
  }
}

/** Runs the CLI and returns the exit code: 0 done, 1 bad input or configuration, 2 bad usage. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      const message = error.message.replace(/^error:\s*/i, '');
      io.err(`cavra: ${message}`);
      return error.code === 'commander.invalidArgument' ? 1 : 2;
    }
    if (error instanceof UsageError) {
      io.err(`cavra: ${error.message}`);
      return 2;
    }
    if (error instanceof InputError || error instanceof StoreError) {
      io.err(`cavra: ${error.message}`);
      return 1;
    }
    io.err(`cavra: ${errorMessage(error)}`);
    return 1;
  }
}
