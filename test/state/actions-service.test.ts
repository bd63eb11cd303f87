import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { setEnv, startActionsService, type ActionsService, type RunnerRun } from '../helpers/actions-service.js';

// The REAL @actions/cache 6 and @actions/artifact 6 against the local stand-in of GitHub's
// Actions service (test/helpers/actions-service.ts). Failure paths use 4xx answers, which the
// toolkit does not retry, so every test stays fast.

type CacheModule = typeof import('@actions/cache');
type ArtifactModule = typeof import('@actions/artifact');

const REPO = 'cavra-org/cavra-recurrence';
const [OWNER, NAME] = REPO.split('/') as [string, string];
const EVIDENCE = '.cavra/evidence';

let service: ActionsService;
let cache: CacheModule;
let artifacts: ArtifactModule;
let restoreApiUrl: () => void;
const scratch: string[] = [];

beforeAll(async () => {
  service = await startActionsService();
  // @actions/github (used by the artifact package's findBy paths) reads GITHUB_API_URL once, when
  // it is first imported; everything else is read at call time.
  restoreApiUrl = setEnv({ GITHUB_API_URL: service.url });
  cache = await import('@actions/cache');
  artifacts = await import('@actions/artifact');
});

afterAll(async () => {
  restoreApiUrl();
  await service.close();
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cavra-state-'));
  scratch.push(dir);
  return dir;
}

function writeFiles(root: string, files: Record<string, string>): string[] {
  return Object.entries(files).map(([rel, content]) => {
    const file = join(root, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    return file;
  });
}

/** Every file under root (hidden ones included) as relative path → content. */
function readTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(root, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(root);
  return out;
}

function evidence(runId: number): Record<string, string> {
  return {
    [`${EVIDENCE}/metadata.json`]: JSON.stringify({ schema_version: 'cavra.evidence.metadata.v1', run: runId }),
    [`${EVIDENCE}/records/plan-${runId}.json`]: JSON.stringify({ recurrence_plan_id: `plan-${runId}` }),
    [`${EVIDENCE}/.index/state`]: `last-run=${runId}\n`
  };
}

/**
 * Run `fn` as a step of run `run` would: the runner's env vars, cwd = the workspace (cache paths
 * are globbed against process.cwd(), archived relative to GITHUB_WORKSPACE), and the toolkit's
 * stdout (workflow commands such as ::warning::) captured instead of printed.
 */
async function asRunner<T>(run: RunnerRun, cwd: string, fn: () => Promise<T>): Promise<{ result: T; out: string }> {
  const restoreEnv = setEnv({ ...service.runnerEnv({ ...run, repository: run.repository ?? REPO, workspace: cwd }), RUNNER_DEBUG: undefined });
  const previousCwd = process.cwd();
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array) => {
    lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write);
  process.chdir(cwd);
  try {
    const result = await fn();
    return { result, out: lines.join('') };
  } finally {
    process.chdir(previousCwd);
    spy.mockRestore();
    restoreEnv();
  }
}

function twirpCalls(method: string): number {
  return service.requests.filter((r) => r.path.endsWith(`/${method}`)).length;
}

describe('@actions/cache 6 (v2 service) against the stand-in', () => {
  test('save then restore a folder with hidden entries into another run', async () => {
    const ws1 = workspace();
    writeFiles(ws1, evidence(101));
    const mark = service.requests.length;
    const saved = await asRunner({ runId: 101 }, ws1, () => cache.saveCache([EVIDENCE], 'cavra-evidence-101-1'));
    expect(saved.result).toBeGreaterThan(0);

    const entry = service.caches.get('cavra-evidence-101-1');
    expect(entry).toBeDefined();
    // version = sha256(paths | compression | salt): zstd is used when it is on PATH.
    const compression = spawnSync('zstd', ['--version']).status === 0 ? 'zstd-without-long' : 'gzip';
    expect(entry!.version).toBe(createHash('sha256').update([EVIDENCE, compression, '1.0'].join('|')).digest('hex'));
    expect(entry!.scope).toBe('refs/heads/main');
    // A small archive is one Put Blob (x-ms-blob-type: BlockBlob), not blocks.
    const puts = service.requests.slice(mark).filter((r) => r.kind === 'blob' && r.method === 'PUT');
    expect(puts.map((r) => r.status)).toEqual([201]);

    const ws2 = workspace();
    const restored = await asRunner({ runId: 102 }, ws2, () =>
      cache.restoreCache([EVIDENCE], 'cavra-evidence-102-1', ['cavra-evidence-'])
    );
    expect(restored.result).toBe('cavra-evidence-101-1');
    expect(restored.out).toContain('Cache hit for restore-key: cavra-evidence-101-1');
    expect(readTree(ws2)).toEqual(readTree(ws1));
    expect(readTree(ws2)[`${EVIDENCE}/.index/state`]).toBe('last-run=101\n');
  });

  test('a restore key picks the newest matching entry; an exact primary key wins over it', async () => {
    for (const runId of [103, 104]) {
      const ws = workspace();
      writeFiles(ws, evidence(runId));
      const { result } = await asRunner({ runId }, ws, () => cache.saveCache([EVIDENCE], `cavra-evidence-${runId}-1`));
      expect(result).toBeGreaterThan(0);
    }

    const ws = workspace();
    const newest = await asRunner({ runId: 105 }, ws, () => cache.restoreCache([EVIDENCE], 'cavra-evidence-105-1', ['cavra-evidence-']));
    expect(newest.result).toBe('cavra-evidence-104-1');
    expect(JSON.parse(readFileSync(join(ws, EVIDENCE, 'metadata.json'), 'utf8'))).toEqual({ schema_version: 'cavra.evidence.metadata.v1', run: 104 });

    const exactWs = workspace();
    const exact = await asRunner({ runId: 105 }, exactWs, () => cache.restoreCache([EVIDENCE], 'cavra-evidence-103-1', ['cavra-evidence-']));
    expect(exact.result).toBe('cavra-evidence-103-1');
    expect(exact.out).toContain('Cache hit for: cavra-evidence-103-1');
  });

  test('misses return undefined: no matching key, a different path list (version), another branch, eviction', async () => {
    const ws = workspace();
    const noKey = await asRunner({ runId: 106 }, ws, () => cache.restoreCache([EVIDENCE], 'other-106', ['other-']));
    expect(noKey.result).toBeUndefined();

    // Same key, but './.cavra/evidence' is a different path list, hence a different version.
    const otherVersion = await asRunner({ runId: 106 }, ws, () => cache.restoreCache([`./${EVIDENCE}`], 'cavra-evidence-104-1'));
    expect(otherVersion.result).toBeUndefined();

    // A feature branch reads the default branch's entries, but not another branch's.
    const featureWs = workspace();
    writeFiles(featureWs, evidence(107));
    const featureRun = { runId: 107, workflowRef: `${REPO}/.github/workflows/cavra.yml@refs/heads/feature` };
    expect((await asRunner(featureRun, featureWs, () => cache.saveCache([EVIDENCE], 'feature-evidence-107'))).result).toBeGreaterThan(0);
    expect((await asRunner(featureRun, workspace(), () => cache.restoreCache([EVIDENCE], 'x', ['cavra-evidence-']))).result).toBe('cavra-evidence-104-1');
    expect((await asRunner({ runId: 108 }, workspace(), () => cache.restoreCache([EVIDENCE], 'feature-evidence-107'))).result).toBeUndefined();

    expect(service.evictCaches('cavra-evidence-104')).toBe(1);
    const afterEviction = await asRunner({ runId: 108 }, workspace(), () => cache.restoreCache([EVIDENCE], 'x', ['cavra-evidence-']));
    expect(afterEviction.result).toBe('cavra-evidence-103-1');
    expect(readTree(ws)).toEqual({});
  });

  test('refused saves return -1 without retrying: duplicate key, reservation conflict, write denied, read-only token, blob 403', async () => {
    const ws = workspace();
    writeFiles(ws, evidence(109));

    const before = twirpCalls('CreateCacheEntry');
    const duplicate = await asRunner({ runId: 109 }, ws, () => cache.saveCache([EVIDENCE], 'cavra-evidence-101-1'));
    expect(duplicate.result).toBe(-1);
    // 409 → ReserveCacheError → logged with core.info, not as a warning.
    expect(duplicate.out).toContain('Failed to save: Unable to reserve cache with key cavra-evidence-101-1, another job may be creating this cache.');
    expect(duplicate.out).not.toContain('::warning::');
    expect(twirpCalls('CreateCacheEntry')).toBe(before + 1);
    expect(service.caches.get('cavra-evidence-101-1')!.runId).toBe(101);

    service.failNext.cacheReserve = true;
    expect((await asRunner({ runId: 109 }, ws, () => cache.saveCache([EVIDENCE], 'cavra-evidence-109-1'))).result).toBe(-1);
    expect(service.failNext.cacheReserve).toBe(false);

    service.failNext.cacheWriteDenied = true;
    const denied = await asRunner({ runId: 109 }, ws, () => cache.saveCache([EVIDENCE], 'cavra-evidence-109-1'));
    expect(denied.result).toBe(-1);
    expect(denied.out).toContain('::warning::Failed to save: Unable to reserve cache with key cavra-evidence-109-1. More details: cache write denied: token has no writable scopes');

    const readOnly = await asRunner({ runId: 110, cacheReadOnly: true }, ws, () => cache.saveCache([EVIDENCE], 'cavra-evidence-110-1'));
    expect(readOnly.result).toBe(-1);
    expect(readOnly.out).toContain('cache write denied:');

    service.failNext.cacheBlob = true;
    const blob = await asRunner({ runId: 111 }, ws, () => cache.saveCache([EVIDENCE], 'cavra-evidence-111-1'));
    expect(blob.result).toBe(-1);
    expect(blob.out).toContain('::warning::Failed to save:');
    expect(service.caches.has('cavra-evidence-111-1')).toBe(false);

    service.failNext.cacheRestore = true;
    const unreadable = await asRunner({ runId: 111 }, workspace(), () => cache.restoreCache([EVIDENCE], 'cavra-evidence-101-1'));
    expect(unreadable.result).toBeUndefined();
    expect(unreadable.out).toContain('::warning::Failed to restore:');

    // The runner's cache mode is enforced by the package itself, before any request.
    const calls = service.requests.length;
    const readMode = await asRunner({ runId: 112, cacheMode: 'read' }, ws, () => cache.saveCache([EVIDENCE], 'cavra-evidence-112-1'));
    expect(readMode.result).toBe(-1);
    expect(readMode.out).toContain("Cache save skipped: the effective cache-mode 'read' does not permit writes.");
    expect(service.requests.length).toBe(calls);

    // None of it was retried (a 5xx would have been, with 3 s+ backoff).
    expect(service.requests.filter((r) => r.status >= 500)).toEqual([]);
  });
});

describe('@actions/artifact 6 against the stand-in', () => {
  const files = {
    [`${EVIDENCE}/metadata.json`]: JSON.stringify({ schema_version: 'cavra.evidence.metadata.v1', run: 201 }),
    [`${EVIDENCE}/records/plan-201.json`]: JSON.stringify({ recurrence_plan_id: 'plan-201' }),
    [`${EVIDENCE}/.index/state`]: 'last-run=201\n',
    'cavra-out/summary.md': '# CAVRA run 201\n'
  };
  let uploadedId = 0;
  let source = '';

  test('upload (hidden paths listed explicitly), then list and download it from another run with findBy', async () => {
    source = workspace();
    const paths = writeFiles(source, files);
    const mark = service.requests.length;
    const upload = await asRunner({ runId: 201 }, source, () =>
      new artifacts.DefaultArtifactClient().uploadArtifact('cavra-evidence-201-1', paths, source, { retentionDays: 7 })
    );
    expect(upload.result.id).toBeGreaterThan(0);
    uploadedId = upload.result.id!;
    const record = service.artifacts.find((a) => a.id === uploadedId)!;
    expect(record).toMatchObject({ runId: 201, name: 'cavra-evidence-201-1', mimeType: 'application/zip', size: upload.result.size });
    // uploadArtifact returns the bare hex digest; the service (and REST `digest`) say sha256:<hex>.
    expect(record.digest).toBe(`sha256:${upload.result.digest}`);
    expect(record.expiresAt).toBeDefined();
    // Artifact bytes always go as staged blocks plus a block list, even when small.
    const blobPuts = service.requests.slice(mark).filter((r) => r.kind === 'blob' && r.method === 'PUT');
    expect(blobPuts.map((r) => r.status)).toEqual([201, 201]);

    // Another run (the next scheduled one) finds and downloads it through the REST API.
    const token = service.githubToken();
    const findBy = { token, workflowRunId: 201, repositoryOwner: OWNER, repositoryName: NAME };
    const dest = workspace();
    const later = await asRunner({ runId: 202 }, workspace(), async () => {
      const client = new artifacts.DefaultArtifactClient();
      const listed = await client.listArtifacts({ findBy, latest: true });
      const found = listed.artifacts.find((a) => a.name === 'cavra-evidence-201-1')!;
      const downloaded = await client.downloadArtifact(found.id, { path: dest, findBy, expectedHash: found.digest });
      return { listed, found, downloaded };
    });
    expect(later.result.listed.artifacts).toHaveLength(1);
    expect(later.result.found).toMatchObject({ id: uploadedId, size: record.size, digest: record.digest });
    expect(later.result.found.createdAt).toBeInstanceOf(Date);
    expect(later.result.downloaded).toEqual({ downloadPath: dest, digestMismatch: false });
    expect(readTree(dest)).toEqual(files);
    const zipHop = service.requests.find((r) => r.path === `/repos/${REPO}/actions/artifacts/${uploadedId}/zip`);
    expect(zipHop?.status).toBe(302);
  });

  test('the same run (a later attempt) lists and downloads it through the Twirp service', async () => {
    const dest = workspace();
    const { result } = await asRunner({ runId: 201, attempt: 2 }, workspace(), async () => {
      const client = new artifacts.DefaultArtifactClient();
      const listed = await client.listArtifacts();
      const got = await client.getArtifact('cavra-evidence-201-1');
      const downloaded = await client.downloadArtifact(got.artifact.id, { path: dest });
      return { listed, got, downloaded };
    });
    expect(result.listed.artifacts.map((a) => a.id)).toEqual([uploadedId]);
    expect(result.got.artifact.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(result.downloaded.digestMismatch).toBe(false);
    expect(readTree(dest)).toEqual(files);
  });

  test('refused uploads reject: same name twice in a run (409), service refusal (403), blob refusal (403)', async () => {
    const paths = Object.keys(files).map((rel) => join(source, rel));
    const client = new artifacts.DefaultArtifactClient();

    const again = asRunner({ runId: 201, attempt: 2 }, source, () => client.uploadArtifact('cavra-evidence-201-1', paths, source));
    await expect(again).rejects.toThrow(
      'Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict: an artifact with this name already exists on the workflow run'
    );

    service.failNext.artifactUpload = true;
    const quota = await asRunner({ runId: 203 }, source, () =>
      client.uploadArtifact('cavra-evidence-203-1', paths, source).then(
        () => undefined,
        (error: unknown) => error as Error
      )
    );
    expect(quota.result?.message).toContain('Failed to CreateArtifact: Received non-retryable error: Failed request: (403) Forbidden: artifact storage quota has been hit');
    // DefaultArtifactClient.uploadArtifact returns the inner promise without awaiting it, so its
    // own "Artifact upload failed" warning never fires: the caller must raise the warning itself.
    expect(quota.out).not.toContain('::warning::');

    service.failNext.artifactBlob = true;
    const blob = asRunner({ runId: 204 }, source, () => client.uploadArtifact('cavra-evidence-204-1', paths, source));
    await expect(blob).rejects.toMatchObject({ statusCode: 403, code: 'AuthenticationFailed' });

    expect(service.artifacts.map((a) => a.name)).toEqual(['cavra-evidence-201-1']);
    expect(service.requests.filter((r) => r.status >= 500)).toEqual([]);
  });
});

describe('REST and auth', () => {
  test('workflow runs: newest first, filtered by conclusion, token required', async () => {
    service.addRun({ id: 301, conclusion: 'success', createdAt: '2026-12-01T10:00:00Z' });
    service.addRun({ id: 302, conclusion: 'failure', createdAt: '2026-12-01T11:00:00Z' });
    service.addRun({ id: 303, conclusion: 'success', createdAt: '2026-12-01T12:00:00Z' });
    service.addRun({ id: 304, conclusion: 'success', createdAt: '2026-12-01T13:00:00Z', workflowPath: '.github/workflows/other.yml' });
    const path = `/repos/${REPO}/actions/workflows/cavra.yml/runs?status=success&per_page=100`;

    const ok = await fetch(service.url + path, { headers: { Authorization: `Bearer ${service.githubToken()}` } });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { total_count: number; workflow_runs: { id: number; conclusion: string; path: string; run_attempt: number }[] };
    // Runs registered by runnerEnv are in_progress (conclusion null) and so not listed.
    expect(body.workflow_runs.map((r) => r.id)).toEqual([303, 301]);
    expect(body.total_count).toBe(2);
    expect(body.workflow_runs[0]).toMatchObject({ conclusion: 'success', path: '.github/workflows/cavra.yml', run_attempt: 1, status: 'completed' });

    const byPath = await fetch(service.url + path.replace('cavra.yml', encodeURIComponent('.github/workflows/cavra.yml')), {
      headers: { Authorization: `Bearer ${service.githubToken()}` }
    });
    expect(byPath.status).toBe(404); // the file name or the numeric id, not the path

    expect((await fetch(service.url + path)).status).toBe(401);
    const runtime = service.runnerEnv({ runId: 305 }).ACTIONS_RUNTIME_TOKEN!;
    expect((await fetch(service.url + path, { headers: { Authorization: `Bearer ${runtime}` } })).status).toBe(401);
  });

  test('Twirp calls without the runtime token get a JSON 401', async () => {
    const res = await fetch(`${service.url}/twirp/github.actions.results.api.v1.CacheService/GetCacheEntryDownloadURL`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}'
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'unauthenticated' });
  });
});
