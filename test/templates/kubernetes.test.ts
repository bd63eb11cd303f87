import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CronJob } from 'kubernetes-models/batch/v1';
import { PersistentVolumeClaim, Pod, ServiceAccount } from 'kubernetes-models/v1';

// The Kubernetes manifests: valid against the Kubernetes OpenAPI schemas (kubernetes-models), and
// the CronJob is the one the operator guide describes: every 30 minutes, never two at once,
// non-root and locked down, state on a PVC, connector secrets optional and never inline.
// The image recipe (examples/docker/Dockerfile) cannot be built here (no Docker engine); its
// structure and the files it copies are checked instead.

const CRONJOB_FILE = 'examples/kubernetes/cavra-recurrence-automation-cronjob.yaml';
const SHELL_FILE = 'examples/kubernetes/cavra-evidence-shell.yaml';
const SCRIPT = 'examples/scripts/cavra-recurrence-run.sh';
const DOCKERFILE = 'examples/docker/Dockerfile';

/** YAML 1.1, as kubectl reads it (so `defaultMode: 0440` is octal, as Kubernetes sees it). */
function documents(file: string): Record<string, any>[] {
  return parseAllDocuments(readFileSync(file, 'utf8'), { version: '1.1' }).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as Record<string, any>;
  });
}

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'batch/v1/CronJob': CronJob,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Pod': Pod
};

function validate(doc: Record<string, any>): void {
  const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (!Model) throw new Error(`no model for ${doc.apiVersion} ${doc.kind}`);
  new Model(doc).validate();
}

const docs = documents(CRONJOB_FILE);
const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
const cronJob = byKind('CronJob')[0]!;
const podSpec = cronJob.spec.jobTemplate.spec.template.spec;
const container = podSpec.containers[0];
const env: Record<string, string> = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
const scriptText = readFileSync(SCRIPT, 'utf8');

describe('the Kubernetes manifests', () => {
  test('every document is valid against the Kubernetes schemas', () => {
    expect(docs.map((d) => d.kind).sort()).toEqual(['CronJob', 'PersistentVolumeClaim', 'ServiceAccount']);
    for (const doc of [...docs, ...documents(SHELL_FILE)]) expect(() => validate(doc)).not.toThrow();
  });

  test('the validator does reject a broken CronJob (it is really checking)', () => {
    const broken = structuredClone(cronJob);
    broken.spec.jobTemplate.spec.template.spec.containers[0].resources.limits.cpu = { cores: 1 };
    broken.spec.jobTemplate.spec.backoffLimit = 'one';
    expect(() => validate(broken)).toThrow(/backoffLimit|cpu/);
  });

  test('runs every 30 minutes, one at a time, with bounded history and retries', () => {
    expect(cronJob.metadata.name).toBe('cavra-recurrence-automation');
    expect(cronJob.spec).toMatchObject({
      schedule: '*/30 * * * *',
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 5,
      suspend: false
    });
    expect(cronJob.spec.startingDeadlineSeconds).toBeGreaterThan(0);
    expect(cronJob.spec.startingDeadlineSeconds).toBeLessThan(30 * 60);
    expect(cronJob.spec.jobTemplate.spec.backoffLimit).toBe(1);
    expect(cronJob.spec.jobTemplate.spec.activeDeadlineSeconds).toBeLessThan(30 * 60);
    expect(podSpec.restartPolicy).toBe('Never');
  });

  test('runs non-root, read-only, without capabilities or a service account token', () => {
    expect(podSpec.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' }
    });
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] }
    });
    expect(podSpec.automountServiceAccountToken).toBe(false);
    const account = byKind('ServiceAccount')[0]!;
    expect(account.automountServiceAccountToken).toBe(false);
    expect(podSpec.serviceAccountName).toBe(account.metadata.name);
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
  });

  test('keeps state on the cavra-state PVC and reads the optional connector secrets read-only', () => {
    const volumes = Object.fromEntries(podSpec.volumes.map((v: { name: string }) => [v.name, v]));
    const mounts = Object.fromEntries(container.volumeMounts.map((m: { name: string }) => [m.name, m]));
    expect(byKind('PersistentVolumeClaim')[0]!.metadata.name).toBe('cavra-state');
    expect(volumes.state.persistentVolumeClaim).toEqual({ claimName: 'cavra-state' });
    expect(mounts.state).toEqual({ name: 'state', mountPath: '/var/lib/cavra' });
    expect(volumes.connectors.secret).toEqual({ secretName: 'cavra-connectors', optional: true, defaultMode: 0o440 });
    expect(mounts.connectors).toEqual({ name: 'connectors', mountPath: '/etc/cavra/connectors', readOnly: true });
    expect(container.envFrom).toEqual([{ secretRef: { name: 'cavra-connector-env', optional: true } }]);
    // Every path the worker writes is on the PVC (or the in-memory /tmp); the config is in the secret.
    for (const name of ['CAVRA_METADATA_JSON', 'CAVRA_METADATA_SQLITE', 'CAVRA_OUTPUT_DIR', 'CAVRA_HEALTH_ALERT_OUTPUT_DIR']) {
      expect(env[name]).toMatch(/^\/var\/lib\/cavra\//);
    }
    expect(dirname(env.CAVRA_CONNECTOR_CONFIG!)).toBe(mounts.connectors.mountPath);
    expect(mounts.tmp.mountPath).toBe('/tmp');
    expect(volumes.tmp.emptyDir).toBeDefined();
  });

  test('dry run by default, recorded as the CronJob, through the shared script', () => {
    expect(env).toMatchObject({
      CAVRA_RECURRENCE_EXECUTE: 'false',
      CAVRA_RECURRENCE_PROVIDER: 'all',
      CAVRA_SCHEDULE_INTERVAL_MINUTES: '30',
      CAVRA_GENERATED_BY: 'kubernetes:cronjob/cavra-recurrence-automation'
    });
    expect(container.command).toEqual(['cavra-recurrence-run']);
    // Every setting is one the script reads.
    const read = new Set([...scriptText.matchAll(/\$\{(CAVRA_\w+):-/g)].map((m) => m[1]));
    for (const name of Object.keys(env)) expect(read).toContain(name);
  });

  test('no secret value is written in the manifests', () => {
    const secretName = /(TOKEN|SECRET|PASSWORD|API_KEY|AUTHORIZATION|WEBHOOK_URL|_URL)$/;
    const tokenLike = (value: string) =>
      /^(xox[abpr]-|gh[pousr]_|eyJ|Bearer |Basic )|https?:\/\/[^\s/]*@|hooks\.slack\.com|webhook\.office\.com|\?.*(sig|token|key)=/i.test(value) ||
      // a long run of letters and digits with several digits: a key, not a kebab-case path
      value.split(/[/:.,\s]/).some((part) => part.length >= 20 && (part.match(/\d/g) ?? []).length >= 3 && /[A-Za-z]/.test(part));
    expect(tokenLike('https://hooks.slack.com/services/T000/B000/XXXX')).toBe(true);
    expect(tokenLike('3f9a0c1d2e4b5a6978c0d1e2f3a4b5c6')).toBe(true);
    expect(tokenLike('/var/lib/cavra/release/endpoint-remediation-sla-escalation-recurrence-automation')).toBe(false);
    for (const doc of [...docs, ...documents(SHELL_FILE)]) {
      expect(doc.kind).not.toBe('Secret');
      const containers = doc.kind === 'CronJob' ? doc.spec.jobTemplate.spec.template.spec.containers : (doc.spec?.containers ?? []);
      for (const c of containers) {
        for (const e of c.env ?? []) {
          if (secretName.test(e.name)) expect([e.name, e.value]).toEqual([e.name, undefined]);
          if (typeof e.value === 'string') expect([e.name, tokenLike(e.value)]).toEqual([e.name, false]);
        }
      }
    }
  });

  test('the evidence pod uses the same image, volume and lock-down, and expires', () => {
    const shell = documents(SHELL_FILE)[0]!;
    expect(shell.spec.containers[0].image).toBe(container.image);
    expect(shell.spec.securityContext).toEqual(podSpec.securityContext);
    expect(shell.spec.containers[0].securityContext).toEqual(container.securityContext);
    expect(shell.spec.volumes.find((v: { name: string }) => v.name === 'state').persistentVolumeClaim).toEqual({ claimName: 'cavra-state' });
    expect(shell.spec.activeDeadlineSeconds).toBeLessThanOrEqual(3600);
    expect(shell.spec.automountServiceAccountToken).toBe(false);
  });
});

describe('the image recipe (not built here: no Docker engine)', () => {
  const dockerfile = readFileSync(DOCKERFILE, 'utf8');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('#'))
    .map((l) => l.trim());
  const ignore = readFileSync(`${DOCKERFILE}.dockerignore`, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('!'))
    .map((l) => l.slice(1).replace(/\/$/, ''));

  test('node:24-slim, non-root 10001, the cavra CLI as entrypoint, the script where the CronJob runs it', () => {
    expect(instructions[0]).toBe('FROM node:24-slim');
    expect(instructions).toContain('USER 10001:10001');
    expect(instructions).toContain('ENTRYPOINT ["cavra"]');
    expect(dockerfile).toMatch(/--uid 10001 --gid 10001/);
    expect(dockerfile).toMatch(/COPY --chmod=0755 examples\/scripts\/cavra-recurrence-run\.sh \/usr\/local\/bin\/cavra-recurrence-run/);
    expect(dockerfile).toMatch(/ln -s \/opt\/cavra\/bin\/cavra\.js \/usr\/local\/bin\/cavra/);
    expect(instructions.join("\n")).not.toMatch(/npm (ci|install)|node_modules/);
  });

  test('copies only files that exist, all let through by its .dockerignore', () => {
    const sources = instructions
      .filter((l) => l.startsWith('COPY '))
      .map((l) => l.split(/\s+/).filter((w) => !w.startsWith('--')))
      .flatMap((words) => words.slice(1, -1))
      .map((s) => s.replace(/\/$/, ''));
    expect(sources).toEqual(['package.json', 'bin', 'dist', SCRIPT]);
    for (const source of sources) {
      expect(existsSync(source)).toBe(true);
      expect(ignore).toContain(source);
    }
    expect(statSync('bin/cavra.js').mode & 0o111).not.toBe(0);
    expect(existsSync('dist/cli/index.js')).toBe(true);
    expect(existsSync('dist/prebuilds/linux-x64.node') && existsSync('dist/prebuilds/linux-arm64.node')).toBe(true);
  });
});
