import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

// A local stand-in for the parts of GitHub's Actions service that the REAL @actions/cache 6 and
// @actions/artifact 6 talk to, on 127.0.0.1 (docs: /work/shared/reference/actions-runtime.md §4):
//
//   POST /twirp/github.actions.results.api.v1.CacheService/<method>      cache v2 (Twirp JSON)
//   POST /twirp/github.actions.results.api.v1.ArtifactService/<method>   artifacts of the current run
//   PUT|GET|HEAD /<account>/<container>/<blob>?<SAS>                      Azure Blob, path-style (IP host)
//   GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts             REST (findBy of another run)
//   GET /repos/{owner}/{repo}/actions/artifacts/{id}[/zip]                REST (zip answers 302 → blob)
//   GET /repos/{owner}/{repo}/actions/workflows/{file}/runs               REST (earlier runs of a workflow)
//   GET /repos/{owner}/{repo}/actions/runs/{run_id}                       REST
//
// Wire rules the packages depend on (each one was checked against their code):
// - Every Twirp answer, errors included, is JSON: the clients JSON.parse the body before looking at
//   the status, and a body that does not parse counts as RETRYABLE (5 attempts, 3 s+ backoff).
//   Errors are `{code, msg}` with Twirp's status mapping; 500/502/503/504 (and 429 for artifacts)
//   are retried, so failure paths here always use 4xx.
// - Twirp JSON uses proto (snake_case) names and int64 as strings; requests arrive the same way.
// - Blob URLs are `http://127.0.0.1:<port>/<account>/<container>/<blob>?sv=…&sp=…&se=…&sig=…`:
//   the Azure SDK takes the first path segment as the account for an IP host. Put Blob,
//   Put Block and Put Block List must answer 201 (anything else is an error, 500/503 retried).
// - Blob GET must be 200 with Content-Length (the cache checks the downloaded size) and, for an
//   artifact, `Content-Type: application/zip` so @actions/artifact unzips it. A failing artifact
//   blob GET is retried 5 times, 5 s apart, by the package: do not simulate one in a fast test.
// - A duplicate cache key answers HTTP 409 `already_exists` ("cache entry with the same key,
//   version, and scope already exists"), as GitHub does; a read-only token answers HTTP 200
//   `{ok:false, message:"cache write denied: token has no writable scopes"}`. saveCache → -1 for both.
// - @actions/github reads GITHUB_API_URL once, when first imported: set it before importing
//   @actions/artifact (its findBy paths go through it). Everything else is read at call time.

const SERVICE = {
  cache: 'github.actions.results.api.v1.CacheService',
  artifact: 'github.actions.results.api.v1.ArtifactService'
} as const;

const ACCOUNT = 'cavralocalblob';
const CACHE_CONTAINER = 'actions-cache';
const ARTIFACT_CONTAINER = 'actions-results';
const BLOB_API_VERSION = '2025-11-05';
const WRITE_DENIED_MESSAGE = 'cache write denied: token has no writable scopes';
const DUPLICATE_CACHE_MESSAGE = 'cache entry with the same key, version, and scope already exists';
const ARTIFACT_QUOTA_MESSAGE =
  'artifact storage quota has been hit. Unable to upload any new artifacts. Usage is recalculated every 6-12 hours.';

export const DEFAULT_REPOSITORY = 'cavra-org/cavra-recurrence';
export const DEFAULT_WORKFLOW_FILE = '.github/workflows/cavra.yml';

export interface RunnerRun {
  runId: number;
  /** GITHUB_RUN_ATTEMPT, default 1. */
  attempt?: number;
  /** owner/repo, default `cavra-org/cavra-recurrence`. */
  repository?: string;
  /** Default `<repository>/.github/workflows/cavra.yml@refs/heads/main`. */
  workflowRef?: string;
  /** GITHUB_REF, default the ref after `@` in workflowRef. */
  ref?: string;
  sha?: string;
  /** GITHUB_JOB, default `cavra`. */
  job?: string;
  /** GITHUB_EVENT_NAME, default `schedule`. */
  event?: string;
  /** GITHUB_WORKSPACE, default process.cwd() at the time of the call. The cache globs paths against process.cwd() but makes the archive relative to GITHUB_WORKSPACE: keep them equal, as on a runner. */
  workspace?: string;
  /** Sets RUNNER_TEMP (cache archives go there); default a directory the service creates and removes on close. */
  runnerTemp?: string;
  /** ACTIONS_CACHE_MODE as the runner exports it (`none`, `read`, `write`, `write-only`); default empty (= unrestricted). The package skips the call itself: save → -1, restore → undefined. */
  cacheMode?: 'none' | 'read' | 'write' | 'write-only';
  /** The runtime token has no writable cache scope (as with `permissions:` lacking `actions: write`, or an untrusted trigger): every CreateCacheEntry of this run is denied. */
  cacheReadOnly?: boolean;
}

export interface CacheEntry {
  id: number;
  key: string;
  version: string;
  /** The ref whose runs may read it (the saving run's GITHUB_REF); the default branch's entries are readable by every ref. */
  scope: string;
  bytes: Buffer;
  /** ms since epoch, strictly increasing across entries (newest-match ordering). */
  createdAt: number;
  lastAccessedAt: number;
  /** Run that saved it. */
  runId: number;
}

export interface ArtifactRecord {
  id: number;
  runId: number;
  attempt: number;
  repository: string;
  name: string;
  bytes: Buffer;
  size: number;
  /** `sha256:<hex>` of the uploaded bytes (the zip), as GitHub's REST `digest` field. */
  digest: string;
  mimeType: string;
  createdAt: string;
  expiresAt?: string;
  workflowRunBackendId: string;
  workflowJobRunBackendId: string;
}

export type RunConclusion = 'success' | 'failure' | 'cancelled' | 'skipped' | 'timed_out' | null;

export interface WorkflowRun {
  id: number;
  attempt: number;
  runNumber: number;
  repository: string;
  /** `.github/workflows/cavra.yml` */
  workflowPath: string;
  status: string;
  conclusion: RunConclusion;
  event: string;
  headBranch: string;
  headSha: string;
  createdAt: string;
}

export type WorkflowRunInput = Partial<WorkflowRun> & { id: number };

export interface FailNext {
  /** Next CreateCacheEntry: HTTP 409 `already_exists` (another job is creating this key) → saveCache -1. */
  cacheReserve?: boolean;
  /** Next CreateCacheEntry: HTTP 200 `{ok:false, message:"cache write denied: …"}` → saveCache -1 (CacheWriteDeniedError, warning). */
  cacheWriteDenied?: boolean;
  /** Next cache blob PUT: HTTP 403 AuthenticationFailed → saveCache -1. */
  cacheBlob?: boolean;
  /** Next GetCacheEntryDownloadURL: HTTP 403 `cache read denied: …` → restoreCache undefined. */
  cacheRestore?: boolean;
  /** Next CreateArtifact: HTTP 403 `permission_denied` (storage quota hit) → uploadArtifact rejects. */
  artifactUpload?: boolean;
  /** Next artifact blob PUT (block or block list): HTTP 403 AuthenticationFailed → uploadArtifact rejects. */
  artifactBlob?: boolean;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query (SAS signatures are not recorded). */
  path: string;
  status: number;
  /** `cache`, `artifact`, `blob`, `rest` or `unknown`. */
  kind: string;
}

export interface ActionsServiceOptions {
  /** Branch whose cache entries every ref can read; default `refs/heads/main`. */
  defaultBranch?: string;
}

export interface ActionsService {
  /** `http://127.0.0.1:<port>`: ACTIONS_RESULTS_URL (with a trailing `/`) and GITHUB_API_URL. */
  url: string;
  /** The variables a runner sets for a node action of this run; see RunnerRun. Registers the run (in_progress) unless it is known. */
  runnerEnv(run: RunnerRun): Record<string, string>;
  /** A token the REST endpoints accept (what `${{ github.token }}` would be); the runtime token is refused there, as on GitHub. */
  githubToken(run?: { runId?: number; repository?: string }): string;
  /** Finalized cache entries by key. */
  caches: Map<string, CacheEntry>;
  /** Finalized artifacts, oldest first. */
  artifacts: ArtifactRecord[];
  /** Workflow runs the REST API serves. */
  runs: WorkflowRun[];
  /** Add or update (by id) a workflow run; conclusion defaults to `success` (status `completed`). */
  addRun(run: WorkflowRunInput): WorkflowRun;
  /** Drop cache entries (all, or those whose key matches), as eviction would. Returns how many. */
  evictCaches(match?: string | ((entry: CacheEntry) => boolean)): number;
  /** One-shot failures, each consumed by the next matching request. */
  failNext: FailNext;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

interface RunContext {
  runId: number;
  attempt: number;
  repository: string;
  ref: string;
  job: string;
  workflowRunBackendId: string;
  workflowJobRunBackendId: string;
  cacheReadOnly: boolean;
}

interface StoredBlob {
  container: string;
  committed?: Buffer;
  contentType: string;
  etag: string;
  lastModified: Date;
  blocks: Map<string, Buffer>;
}

interface PendingCache {
  key: string;
  version: string;
  scope: string;
  blobPath: string;
  runId: number;
}

interface PendingArtifact {
  ctx: RunContext;
  name: string;
  blobPath: string;
  mimeType: string;
  expiresAt?: string;
}

class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Twirp error codes → HTTP status (twirp spec). */
const TWIRP_STATUS: Record<string, number> = {
  invalid_argument: 400,
  malformed: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  bad_route: 404,
  already_exists: 409,
  failed_precondition: 412,
  unimplemented: 501
};

function twirpError(code: keyof typeof TWIRP_STATUS, message: string): HttpError {
  return new HttpError(TWIRP_STATUS[code] ?? 400, code, message);
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** A stable UUID-shaped id from a seed (GitHub's backend ids are UUIDs). */
function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function md5Base64(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('base64');
}

function str(body: Record<string, unknown>, snake: string, camel: string): string | undefined {
  const v = body[snake] ?? body[camel];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object' && 'value' in (v as Record<string, unknown>)) return String((v as Record<string, unknown>).value);
  return String(v);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

function blobError(res: ServerResponse, status: number, code: string, message: string, method: string): void {
  const requestId = randomUUID();
  const xml = `\uFEFF<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}\nRequestId:${requestId}\nTime:${new Date().toISOString()}</Message></Error>`;
  const headers: Record<string, string> = {
    'content-type': 'application/xml',
    'x-ms-error-code': code,
    'x-ms-request-id': requestId,
    'x-ms-version': BLOB_API_VERSION
  };
  if (method === 'HEAD') {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const body = Buffer.from(xml, 'utf8');
  res.writeHead(status, { ...headers, 'content-length': String(body.length) });
  res.end(body);
}

export async function startActionsService(options: ActionsServiceOptions = {}): Promise<ActionsService> {
  const defaultBranch = options.defaultBranch ?? 'refs/heads/main';
  const sasKey = randomBytes(32);
  const tempRoot = mkdtempSync(join(tmpdir(), 'cavra-actions-service-'));
  let runnerTempCount = 0;

  const caches = new Map<string, CacheEntry>();
  const artifacts: ArtifactRecord[] = [];
  const runs: WorkflowRun[] = [];
  const requests: RecordedRequest[] = [];
  const failNext: FailNext = {};

  const contexts = new Map<string, RunContext>(); // by workflow_job_run_backend_id
  const githubTokens = new Map<string, { runId?: number; repository?: string }>();
  const blobs = new Map<string, StoredBlob>(); // by `/<container>/<blob>`
  const pendingCaches = new Map<string, PendingCache>(); // by key
  const pendingArtifacts = new Map<string, PendingArtifact>(); // by `<runBackendId>/<name>`
  const cacheBlobPath = new Map<string, string>(); // finalized entry key → blob
  const artifactBlobPath = new Map<number, string>(); // finalized artifact id → blob
  let nextCacheId = 1001;
  let nextArtifactId = 5001;
  let lastCacheCreatedAt = 0;

  let url = '';

  const consume = (flag: keyof FailNext): boolean => {
    if (!failNext[flag]) return false;
    failNext[flag] = false;
    return true;
  };

  // ---- signed blob URLs -------------------------------------------------------------------------

  const sign = (blobPath: string, permissions: string, expiry: string): string =>
    createHmac('sha256', sasKey).update(`${blobPath}\n${permissions}\n${expiry}`).digest('base64');

  const signedUrl = (blobPath: string, permissions: 'r' | 'cw', ttlMs: number): string => {
    const se = new Date(Date.now() + ttlMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const q = new URLSearchParams({ sv: BLOB_API_VERSION, sr: 'b', sp: permissions, se, sig: sign(blobPath, permissions, se) });
    return `${url}/${ACCOUNT}${blobPath}?${q.toString()}`;
  };

  /** `null` when the SAS is good for `needed`; else the reason. */
  const sasProblem = (blobPath: string, query: URLSearchParams, needed: 'r' | 'w'): string | null => {
    const sp = query.get('sp') ?? '';
    const se = query.get('se') ?? '';
    const sig = query.get('sig') ?? '';
    if (!sig || sig !== sign(blobPath, sp, se)) return 'Signature did not match.';
    if (Number.isNaN(Date.parse(se)) || Date.parse(se) < Date.now()) return 'Signed expiry time has passed.';
    if (!sp.includes(needed)) return 'This request is not authorized to perform this operation using this permission.';
    return null;
  };

  // ---- tokens -----------------------------------------------------------------------------------

  const contextFor = (run: RunnerRun): RunContext => {
    const repository = run.repository ?? DEFAULT_REPOSITORY;
    const attempt = run.attempt ?? 1;
    const workflowRef = run.workflowRef ?? `${repository}/${DEFAULT_WORKFLOW_FILE}@${defaultBranch}`;
    const ref = run.ref ?? workflowRef.split('@')[1] ?? defaultBranch;
    const job = run.job ?? 'cavra';
    // Artifacts belong to the run (every attempt sees them), so the run backend id ignores the attempt.
    const workflowRunBackendId = uuidFrom(`run:${repository}:${run.runId}`);
    const workflowJobRunBackendId = uuidFrom(`job:${repository}:${run.runId}:${attempt}:${job}`);
    return { runId: run.runId, attempt, repository, ref, job, workflowRunBackendId, workflowJobRunBackendId, cacheReadOnly: run.cacheReadOnly ?? false };
  };

  const runtimeToken = (ctx: RunContext): string => {
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'none' };
    const payload = {
      // @actions/artifact reads the backend ids from this claim: Actions.Results:<run>:<job>.
      scp: `Actions.ExampleScope Actions.Results:${ctx.workflowRunBackendId}:${ctx.workflowJobRunBackendId}`,
      // The cache scopes, as GitHub's tokens carry them (Permission 1 read, 3 read+write).
      ac: JSON.stringify([{ Scope: ctx.ref, Permission: ctx.cacheReadOnly ? 1 : 3 }]),
      iss: 'local-actions-service',
      aud: 'vso:local',
      nbf: now - 60,
      iat: now - 60,
      exp: now + 6 * 3600,
      run_id: String(ctx.runId),
      run_attempt: String(ctx.attempt),
      repository: ctx.repository
    };
    return `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}.`;
  };

  const ctxFromAuth = (req: IncomingMessage): RunContext => {
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m) throw twirpError('unauthenticated', 'missing bearer token');
    const parts = m[1]!.split('.');
    let scp = '';
    try {
      const payload = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')) as { scp?: string; exp?: number };
      scp = payload.scp ?? '';
      if (typeof payload.exp === 'number' && payload.exp * 1000 < Date.now()) throw new Error('expired');
    } catch {
      throw twirpError('unauthenticated', 'invalid runtime token');
    }
    const scope = scp.split(' ').find((s) => s.startsWith('Actions.Results:'));
    const ids = scope?.split(':') ?? [];
    const ctx = ids.length === 3 ? contexts.get(ids[2]!) : undefined;
    if (!ctx || ctx.workflowRunBackendId !== ids[1]) throw twirpError('unauthenticated', 'runtime token not issued by this service');
    return ctx;
  };

  // ---- runs -------------------------------------------------------------------------------------

  const addRun = (input: WorkflowRunInput): WorkflowRun => {
    const existing = runs.find((r) => r.id === input.id);
    const conclusion: RunConclusion = input.conclusion === undefined ? (existing?.conclusion ?? 'success') : input.conclusion;
    const run: WorkflowRun = {
      id: input.id,
      attempt: input.attempt ?? existing?.attempt ?? 1,
      runNumber: input.runNumber ?? existing?.runNumber ?? input.id,
      repository: input.repository ?? existing?.repository ?? DEFAULT_REPOSITORY,
      workflowPath: input.workflowPath ?? existing?.workflowPath ?? DEFAULT_WORKFLOW_FILE,
      status: input.status ?? (input.conclusion !== undefined ? (conclusion === null ? 'in_progress' : 'completed') : (existing?.status ?? (conclusion === null ? 'in_progress' : 'completed'))),
      conclusion,
      event: input.event ?? existing?.event ?? 'schedule',
      headBranch: input.headBranch ?? existing?.headBranch ?? defaultBranch.replace(/^refs\/heads\//, ''),
      headSha: input.headSha ?? existing?.headSha ?? createHash('sha1').update(`sha:${input.id}`).digest('hex'),
      createdAt: input.createdAt ?? existing?.createdAt ?? new Date().toISOString()
    };
    if (existing) Object.assign(existing, run);
    else runs.push(run);
    return existing ?? run;
  };

  const runnerEnv = (run: RunnerRun): Record<string, string> => {
    const ctx = contextFor(run);
    contexts.set(ctx.workflowJobRunBackendId, ctx);
    const workflowRef = run.workflowRef ?? `${ctx.repository}/${DEFAULT_WORKFLOW_FILE}@${defaultBranch}`;
    const workflowPath = workflowRef.slice(ctx.repository.length + 1).split('@')[0] ?? DEFAULT_WORKFLOW_FILE;
    const sha = run.sha ?? createHash('sha1').update(`sha:${run.runId}`).digest('hex');
    const event = run.event ?? 'schedule';
    if (!runs.some((r) => r.id === run.runId)) {
      addRun({ id: run.runId, attempt: ctx.attempt, repository: ctx.repository, workflowPath, conclusion: null, status: 'in_progress', event, headSha: sha, headBranch: ctx.ref.replace(/^refs\/(heads|tags)\//, '') });
    }
    let runnerTemp = run.runnerTemp;
    if (!runnerTemp) {
      runnerTemp = join(tempRoot, `runner-temp-${++runnerTempCount}`);
      mkdirSync(runnerTemp, { recursive: true });
    }
    const owner = ctx.repository.split('/')[0] ?? '';
    const env: Record<string, string> = {
      ACTIONS_RUNTIME_TOKEN: runtimeToken(ctx),
      ACTIONS_RESULTS_URL: `${url}/`,
      ACTIONS_CACHE_SERVICE_V2: 'true',
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: url,
      GITHUB_GRAPHQL_URL: `${url}/graphql`,
      GITHUB_REPOSITORY: ctx.repository,
      GITHUB_REPOSITORY_OWNER: owner,
      GITHUB_RUN_ID: String(ctx.runId),
      GITHUB_RUN_ATTEMPT: String(ctx.attempt),
      GITHUB_RUN_NUMBER: String(runs.find((r) => r.id === ctx.runId)?.runNumber ?? ctx.runId),
      GITHUB_WORKFLOW: 'cavra',
      GITHUB_WORKFLOW_REF: workflowRef,
      GITHUB_WORKFLOW_SHA: sha,
      GITHUB_REF: ctx.ref,
      GITHUB_REF_NAME: ctx.ref.replace(/^refs\/(heads|tags)\//, ''),
      GITHUB_REF_TYPE: ctx.ref.startsWith('refs/tags/') ? 'tag' : 'branch',
      GITHUB_SHA: sha,
      GITHUB_EVENT_NAME: event,
      GITHUB_JOB: ctx.job,
      GITHUB_ACTOR: 'github-actions[bot]',
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      RUNNER_TEMP: runnerTemp,
      GITHUB_WORKSPACE: run.workspace ?? process.cwd(),
      // Empty = unset for the package; overrides a value inherited from a real runner.
      ACTIONS_CACHE_MODE: run.cacheMode ?? ''
    };
    return env;
  };

  const githubToken = (run: { runId?: number; repository?: string } = {}): string => {
    const token = `ghs_${randomBytes(18).toString('base64url')}`;
    githubTokens.set(token, run);
    return token;
  };

  // ---- cache service ----------------------------------------------------------------------------

  const cacheVisible = (entry: CacheEntry, ctx: RunContext): boolean => entry.scope === ctx.ref || entry.scope === defaultBranch;

  const cacheMethods: Record<string, (ctx: RunContext, body: Record<string, unknown>) => unknown> = {
    CreateCacheEntry: (ctx, body) => {
      const key = str(body, 'key', 'key') ?? '';
      const version = str(body, 'version', 'version') ?? '';
      if (!key || !version) throw twirpError('invalid_argument', 'key and version are required');
      if (consume('cacheWriteDenied') || ctx.cacheReadOnly) return { ok: false, message: WRITE_DENIED_MESSAGE };
      if (consume('cacheReserve') || caches.has(key) || pendingCaches.has(key)) throw twirpError('already_exists', DUPLICATE_CACHE_MESSAGE);
      const blobPath = `/${CACHE_CONTAINER}/${ctx.workflowRunBackendId}/${randomUUID()}`;
      pendingCaches.set(key, { key, version, scope: ctx.ref, blobPath, runId: ctx.runId });
      return { ok: true, signed_upload_url: signedUrl(blobPath, 'cw', 6 * 3600_000) };
    },
    FinalizeCacheEntryUpload: (_ctx, body) => {
      const key = str(body, 'key', 'key') ?? '';
      const version = str(body, 'version', 'version') ?? '';
      const sizeBytes = Number(str(body, 'size_bytes', 'sizeBytes') ?? '0');
      const pending = pendingCaches.get(key);
      if (!pending || pending.version !== version) return { ok: false, message: `no reserved cache entry for key ${key} and this version` };
      const blob = blobs.get(pending.blobPath);
      if (!blob?.committed) return { ok: false, message: `cache archive for key ${key} was not uploaded` };
      if (blob.committed.length !== sizeBytes) {
        return { ok: false, message: `uploaded cache archive is ${blob.committed.length} bytes, size_bytes says ${sizeBytes}` };
      }
      pendingCaches.delete(key);
      const createdAt = Math.max(Date.now(), lastCacheCreatedAt + 1);
      lastCacheCreatedAt = createdAt;
      const entry: CacheEntry = { id: nextCacheId++, key, version, scope: pending.scope, bytes: blob.committed, createdAt, lastAccessedAt: createdAt, runId: pending.runId };
      caches.set(key, entry);
      cacheBlobPath.set(key, pending.blobPath);
      return { ok: true, entry_id: String(entry.id) };
    },
    GetCacheEntryDownloadURL: (ctx, body) => {
      const key = str(body, 'key', 'key') ?? '';
      const version = str(body, 'version', 'version') ?? '';
      const restoreKeys = ((body.restore_keys ?? body.restoreKeys ?? []) as unknown[]).map(String);
      if (consume('cacheRestore')) throw twirpError('permission_denied', 'cache read denied: token has no readable scopes');
      const candidates = [...caches.values()].filter((e) => e.version === version && cacheVisible(e, ctx));
      let match = candidates.find((e) => e.key === key);
      for (const prefix of restoreKeys) {
        if (match) break;
        match = candidates.filter((e) => e.key.startsWith(prefix)).sort((a, b) => b.createdAt - a.createdAt)[0];
      }
      if (!match) return { ok: false };
      match.lastAccessedAt = Date.now();
      const blobPath = cacheBlobPath.get(match.key)!;
      return { ok: true, signed_download_url: signedUrl(blobPath, 'r', 3600_000), matched_key: match.key };
    }
  };
  // ---- artifact service -------------------------------------------------------------------------

  const checkIds = (ctx: RunContext, body: Record<string, unknown>): void => {
    const run = str(body, 'workflow_run_backend_id', 'workflowRunBackendId');
    const job = str(body, 'workflow_job_run_backend_id', 'workflowJobRunBackendId');
    if (run !== ctx.workflowRunBackendId || job !== ctx.workflowJobRunBackendId) {
      throw twirpError('permission_denied', 'backend ids do not match the runtime token');
    }
  };

  const runArtifacts = (ctx: RunContext): ArtifactRecord[] =>
    artifacts.filter((a) => a.workflowRunBackendId === ctx.workflowRunBackendId);

  const artifactMethods: Record<string, (ctx: RunContext, body: Record<string, unknown>) => unknown> = {
    CreateArtifact: (ctx, body) => {
      checkIds(ctx, body);
      const name = str(body, 'name', 'name') ?? '';
      if (!name) throw twirpError('invalid_argument', 'name is required');
      if (consume('artifactUpload')) throw twirpError('permission_denied', ARTIFACT_QUOTA_MESSAGE);
      if (runArtifacts(ctx).some((a) => a.name === name)) {
        throw twirpError('already_exists', `an artifact with this name already exists on the workflow run`);
      }
      const mimeType = str(body, 'mime_type', 'mimeType') ?? 'application/zip';
      const expiresAt = str(body, 'expires_at', 'expiresAt');
      const blobPath = `/${ARTIFACT_CONTAINER}/${ctx.workflowRunBackendId}/workflow-job-run-${ctx.workflowJobRunBackendId}/artifacts/${createHash('sha256').update(name).digest('hex')}.zip`;
      const pending: PendingArtifact = { ctx, name, blobPath, mimeType };
      if (expiresAt) pending.expiresAt = expiresAt;
      pendingArtifacts.set(`${ctx.workflowRunBackendId}/${name}`, pending);
      return { ok: true, signed_upload_url: signedUrl(blobPath, 'cw', 6 * 3600_000) };
    },
    FinalizeArtifact: (ctx, body) => {
      checkIds(ctx, body);
      const name = str(body, 'name', 'name') ?? '';
      const pending = pendingArtifacts.get(`${ctx.workflowRunBackendId}/${name}`);
      if (!pending) throw twirpError('not_found', `no artifact named ${name} was created in this run`);
      const blob = blobs.get(pending.blobPath);
      if (!blob?.committed) throw twirpError('failed_precondition', `artifact ${name} was not uploaded`);
      const size = Number(str(body, 'size', 'size') ?? '0');
      if (size !== blob.committed.length) throw twirpError('invalid_argument', `size ${size} does not match the uploaded ${blob.committed.length} bytes`);
      const digest = `sha256:${sha256Hex(blob.committed)}`;
      const hash = str(body, 'hash', 'hash');
      if (hash !== undefined && hash !== digest) throw twirpError('invalid_argument', `hash ${hash} does not match the uploaded bytes (${digest})`);
      pendingArtifacts.delete(`${ctx.workflowRunBackendId}/${name}`);
      const record: ArtifactRecord = {
        id: nextArtifactId++,
        runId: ctx.runId,
        attempt: ctx.attempt,
        repository: ctx.repository,
        name,
        bytes: blob.committed,
        size: blob.committed.length,
        digest,
        mimeType: pending.mimeType,
        createdAt: new Date().toISOString(),
        workflowRunBackendId: ctx.workflowRunBackendId,
        workflowJobRunBackendId: ctx.workflowJobRunBackendId
      };
      if (pending.expiresAt) record.expiresAt = pending.expiresAt;
      artifacts.push(record);
      artifactBlobPath.set(record.id, pending.blobPath);
      return { ok: true, artifact_id: String(record.id) };
    },
    ListArtifacts: (ctx, body) => {
      const run = str(body, 'workflow_run_backend_id', 'workflowRunBackendId');
      if (run !== ctx.workflowRunBackendId) throw twirpError('permission_denied', 'backend ids do not match the runtime token');
      const nameFilter = str(body, 'name_filter', 'nameFilter');
      const idFilter = str(body, 'id_filter', 'idFilter');
      const list = runArtifacts(ctx).filter(
        (a) => (nameFilter === undefined || a.name === nameFilter) && (idFilter === undefined || String(a.id) === idFilter)
      );
      return {
        artifacts: list.map((a) => ({
          workflow_run_backend_id: a.workflowRunBackendId,
          workflow_job_run_backend_id: a.workflowJobRunBackendId,
          database_id: String(a.id),
          name: a.name,
          size: String(a.size),
          created_at: a.createdAt, // protobuf Timestamp in JSON: an RFC 3339 string
          digest: a.digest
        }))
      };
    },
    GetSignedArtifactURL: (ctx, body) => {
      const run = str(body, 'workflow_run_backend_id', 'workflowRunBackendId');
      if (run !== ctx.workflowRunBackendId) throw twirpError('permission_denied', 'backend ids do not match the runtime token');
      const name = str(body, 'name', 'name') ?? '';
      const artifact = runArtifacts(ctx).find((a) => a.name === name);
      if (!artifact) throw twirpError('not_found', `artifact ${name} not found`);
      return { signed_url: signedUrl(artifactBlobPath.get(artifact.id)!, 'r', 3600_000) };
    },
    DeleteArtifact: (ctx, body) => {
      const run = str(body, 'workflow_run_backend_id', 'workflowRunBackendId');
      if (run !== ctx.workflowRunBackendId) throw twirpError('permission_denied', 'backend ids do not match the runtime token');
      const name = str(body, 'name', 'name') ?? '';
      const index = artifacts.findIndex((a) => a.workflowRunBackendId === ctx.workflowRunBackendId && a.name === name);
      if (index < 0) throw twirpError('not_found', `artifact ${name} not found`);
      const [removed] = artifacts.splice(index, 1);
      blobs.delete(artifactBlobPath.get(removed!.id)!);
      return { ok: true, artifact_id: String(removed!.id) };
    }
  };
  const handleTwirp = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<string> => {
    const [, , service, method] = path.split('/');
    const kind = service === SERVICE.cache ? 'cache' : service === SERVICE.artifact ? 'artifact' : 'unknown';
    const table = kind === 'cache' ? cacheMethods : kind === 'artifact' ? artifactMethods : undefined;
    const body = await readBody(req);
    try {
      if (req.method !== 'POST') throw twirpError('bad_route', `unsupported method ${req.method}`);
      const handler = table && method ? table[method] : undefined;
      if (!handler) throw twirpError('bad_route', `no handler for path ${path}`);
      const ctx = ctxFromAuth(req);
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) throw twirpError('malformed', 'only application/json is served here');
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw twirpError('malformed', 'the request body is not JSON');
      }
      sendJson(res, 200, handler(ctx, parsed));
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      sendJson(res, error.status, { code: error.code, msg: error.message });
    }
    return kind;
  };

  // ---- blob storage -----------------------------------------------------------------------------

  const blobHeaders = (blob: StoredBlob): Record<string, string> => ({
    etag: blob.etag,
    'last-modified': blob.lastModified.toUTCString(),
    'x-ms-request-id': randomUUID(),
    'x-ms-version': BLOB_API_VERSION,
    date: new Date().toUTCString()
  });

  const touch = (blob: StoredBlob): void => {
    blob.etag = `"0x${randomBytes(8).toString('hex').toUpperCase()}"`;
    blob.lastModified = new Date();
  };

  const handleBlob = async (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> => {
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    const blobPath = path.slice(ACCOUNT.length + 1); // `/<container>/<blob>`
    const container = blobPath.split('/')[1] ?? '';
    const problem = sasProblem(blobPath, query, method === 'PUT' ? 'w' : 'r');
    if (problem) return blobError(res, 403, 'AuthenticationFailed', `Server failed to authenticate the request. ${problem}`, method);

    if (method === 'PUT') {
      if ((container === CACHE_CONTAINER && consume('cacheBlob')) || (container === ARTIFACT_CONTAINER && consume('artifactBlob'))) {
        return blobError(res, 403, 'AuthenticationFailed', 'Server failed to authenticate the request. (simulated)', method);
      }
      let blob = blobs.get(blobPath);
      if (!blob) {
        blob = { container, contentType: 'application/octet-stream', etag: '', lastModified: new Date(), blocks: new Map() };
        touch(blob);
        blobs.set(blobPath, blob);
      }
      const comp = query.get('comp');
      const common = { 'x-ms-request-id': randomUUID(), 'x-ms-version': BLOB_API_VERSION, date: new Date().toUTCString(), 'x-ms-request-server-encrypted': 'true', 'content-length': '0' };
      if (comp === 'block') {
        const blockId = query.get('blockid');
        if (!blockId) return blobError(res, 400, 'InvalidQueryParameterValue', 'blockid is required', method);
        blob.blocks.set(blockId, body);
        res.writeHead(201, { ...common, 'content-md5': md5Base64(body) });
        res.end();
        return;
      }
      if (comp === 'blocklist') {
        const xml = body.toString('utf8');
        const ids = [...xml.matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)].map((m) => m[2]!);
        const parts: Buffer[] = [];
        for (const id of ids) {
          const block = blob.blocks.get(id);
          if (!block) return blobError(res, 400, 'InvalidBlockList', `The specified block list is invalid (unknown block ${id}).`, method);
          parts.push(block);
        }
        blob.committed = Buffer.concat(parts);
        blob.blocks.clear();
        const ct = req.headers['x-ms-blob-content-type'];
        if (typeof ct === 'string' && ct) blob.contentType = ct;
        touch(blob);
        res.writeHead(201, { ...common, ...blobHeaders(blob), 'x-ms-content-crc64': 'AAAAAAAAAAA=' });
        res.end();
        return;
      }
      if (comp) return blobError(res, 400, 'InvalidQueryParameterValue', `comp=${comp} is not served here`, method);
      if (req.headers['x-ms-blob-type'] !== 'BlockBlob') {
        return blobError(res, 400, 'MissingRequiredHeader', 'An HTTP header that is mandatory for this request is not specified (x-ms-blob-type: BlockBlob).', method);
      }
      blob.committed = body;
      blob.blocks.clear();
      const ct = req.headers['x-ms-blob-content-type'];
      if (typeof ct === 'string' && ct) blob.contentType = ct;
      touch(blob);
      res.writeHead(201, { ...common, ...blobHeaders(blob), 'content-md5': md5Base64(body) });
      res.end();
      return;
    }

    if (method !== 'GET' && method !== 'HEAD') return blobError(res, 405, 'UnsupportedHttpVerb', `${method} is not served here`, method);
    const blob = blobs.get(blobPath);
    if (!blob?.committed) return blobError(res, 404, 'BlobNotFound', 'The specified blob does not exist.', method);
    const bytes = blob.committed;
    const headers: Record<string, string> = {
      ...blobHeaders(blob),
      'content-type': blob.contentType,
      'accept-ranges': 'bytes',
      'x-ms-blob-type': 'BlockBlob',
      'x-ms-server-encrypted': 'true'
    };
    const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? req.headers['x-ms-range'] ?? ''));
    if (range) {
      const start = Number(range[1]);
      const end = Math.min(range[2] ? Number(range[2]) : bytes.length - 1, bytes.length - 1);
      if (start >= bytes.length) return blobError(res, 416, 'InvalidRange', 'The range specified is invalid for the current size of the resource.', method);
      const slice = bytes.subarray(start, end + 1);
      res.writeHead(206, { ...headers, 'content-length': String(slice.length), 'content-range': `bytes ${start}-${end}/${bytes.length}` });
      res.end(method === 'HEAD' ? undefined : slice);
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': String(bytes.length), 'content-md5': md5Base64(bytes) });
    res.end(method === 'HEAD' ? undefined : bytes);
  };

  // ---- REST API ---------------------------------------------------------------------------------

  const restError = (res: ServerResponse, status: number, message: string): void =>
    sendJson(res, status, { message, documentation_url: 'https://docs.github.com/rest', status: String(status) });

  const sameRepo = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

  const restArtifact = (a: ArtifactRecord): Record<string, unknown> => {
    const run = runs.find((r) => r.id === a.runId);
    const api = `${url}/repos/${a.repository}/actions/artifacts/${a.id}`;
    return {
      id: a.id,
      node_id: Buffer.from(`MDg6QXJ0aWZhY3Q${a.id}`).toString('base64'),
      name: a.name,
      size_in_bytes: a.size,
      url: api,
      archive_download_url: `${api}/zip`,
      expired: a.expiresAt !== undefined && Date.parse(a.expiresAt) < Date.now(),
      digest: a.digest,
      created_at: a.createdAt,
      updated_at: a.createdAt,
      expires_at: a.expiresAt ?? new Date(Date.parse(a.createdAt) + 90 * 86400_000).toISOString(),
      workflow_run: { id: a.runId, repository_id: 1, head_repository_id: 1, head_branch: run?.headBranch ?? 'main', head_sha: run?.headSha ?? '' }
    };
  };

  const restRun = (r: WorkflowRun): Record<string, unknown> => ({
    id: r.id,
    name: 'cavra',
    node_id: Buffer.from(`WorkflowRun${r.id}`).toString('base64'),
    head_branch: r.headBranch,
    head_sha: r.headSha,
    path: r.workflowPath,
    display_title: 'cavra',
    run_number: r.runNumber,
    run_attempt: r.attempt,
    event: r.event,
    status: r.status,
    conclusion: r.conclusion,
    workflow_id: workflowId(r.workflowPath),
    url: `${url}/repos/${r.repository}/actions/runs/${r.id}`,
    html_url: `https://github.com/${r.repository}/actions/runs/${r.id}`,
    created_at: r.createdAt,
    updated_at: r.createdAt,
    run_started_at: r.createdAt,
    repository: { full_name: r.repository }
  });

  const workflowIds = new Map<string, number>();
  const workflowId = (workflowPath: string): number => {
    if (!workflowIds.has(workflowPath)) workflowIds.set(workflowPath, 161_000_000 + workflowIds.size + 1);
    return workflowIds.get(workflowPath)!;
  };

  const RUN_STATUSES = new Set(['queued', 'in_progress', 'completed', 'requested', 'waiting', 'pending']);

  const handleRest = (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): void => {
    const auth = req.headers.authorization ?? '';
    const m = /^(?:token|bearer)\s+(\S+)$/i.exec(auth);
    if (!m) return restError(res, 401, 'Requires authentication');
    if (!githubTokens.has(m[1]!)) return restError(res, 401, 'Bad credentials');
    const method = req.method ?? 'GET';
    const seg = path.split('/').map((s) => decodeURIComponent(s)); // ['', 'repos', owner, repo, 'actions', ...]
    const repository = `${seg[2]}/${seg[3]}`;
    const rest = seg.slice(4);
    const perPage = Math.min(Math.max(Number(query.get('per_page') ?? 30) || 30, 1), 100);
    const page = Math.max(Number(query.get('page') ?? 1) || 1, 1);
    const paginate = <T>(list: T[]): T[] => list.slice((page - 1) * perPage, page * perPage);

    // GET /repos/{o}/{r}/actions/runs/{run_id}/artifacts
    if (method === 'GET' && rest[0] === 'actions' && rest[1] === 'runs' && rest[3] === 'artifacts' && rest.length === 4) {
      const runId = Number(rest[2]);
      const name = query.get('name');
      const list = artifacts.filter((a) => a.runId === runId && sameRepo(a.repository, repository) && (name === null || a.name === name));
      return sendJson(res, 200, { total_count: list.length, artifacts: paginate(list).map(restArtifact) });
    }
    // GET /repos/{o}/{r}/actions/runs/{run_id}
    if (method === 'GET' && rest[0] === 'actions' && rest[1] === 'runs' && rest.length === 3) {
      const run = runs.find((r) => r.id === Number(rest[2]) && sameRepo(r.repository, repository));
      return run ? sendJson(res, 200, restRun(run)) : restError(res, 404, 'Not Found');
    }
    // /repos/{o}/{r}/actions/artifacts/{id}[/zip]
    if (rest[0] === 'actions' && rest[1] === 'artifacts' && rest.length >= 3) {
      const artifact = artifacts.find((a) => a.id === Number(rest[2]) && sameRepo(a.repository, repository));
      if (!artifact) return restError(res, 404, 'Not Found');
      if (method === 'GET' && rest.length === 3) return sendJson(res, 200, restArtifact(artifact));
      if (method === 'DELETE' && rest.length === 3) {
        artifacts.splice(artifacts.indexOf(artifact), 1);
        res.writeHead(204);
        res.end();
        return;
      }
      if (method === 'GET' && rest.length === 4 && rest[3] === 'zip') {
        if (artifact.expiresAt !== undefined && Date.parse(artifact.expiresAt) < Date.now()) return restError(res, 410, 'Artifact has expired');
        res.writeHead(302, { location: signedUrl(artifactBlobPath.get(artifact.id)!, 'r', 60_000), 'content-length': '0' });
        res.end();
        return;
      }
    }
    // GET /repos/{o}/{r}/actions/workflows/{workflow_id|file}/runs
    if (method === 'GET' && rest[0] === 'actions' && rest[1] === 'workflows' && rest[3] === 'runs' && rest.length === 4) {
      const workflow = rest[2]!;
      const status = query.get('status');
      const branch = query.get('branch');
      const event = query.get('event');
      // Like GitHub: the workflow's numeric id or its file NAME (a path with '/' is not found). A
      // workflow is known here once a run of it is (runnerEnv registers the current run).
      const ofWorkflow = runs.filter(
        (r) => sameRepo(r.repository, repository) && (basename(r.workflowPath) === workflow || String(workflowId(r.workflowPath)) === workflow)
      );
      if (ofWorkflow.length === 0) return restError(res, 404, 'Not Found');
      const list = ofWorkflow
        .filter(
          (r) =>
            (status === null || (RUN_STATUSES.has(status) ? r.status === status : r.conclusion === status)) &&
            (branch === null || r.headBranch === branch) &&
            (event === null || r.event === event)
        )
        .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id - a.id);
      return sendJson(res, 200, { total_count: list.length, workflow_runs: paginate(list).map(restRun) });
    }
    return restError(res, 404, 'Not Found');
  };

  // ---- server -----------------------------------------------------------------------------------

  const server: Server = createServer((req, res) => {
    const parsed = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = parsed.pathname;
    const record: RecordedRequest = { method: req.method ?? '', path, status: 0, kind: 'unknown' };
    requests.push(record);
    res.on('finish', () => {
      record.status = res.statusCode;
    });
    const route = async (): Promise<void> => {
      if (path.startsWith('/twirp/')) {
        record.kind = await handleTwirp(req, res, path);
      } else if (path.startsWith(`/${ACCOUNT}/`)) {
        record.kind = 'blob';
        await handleBlob(req, res, path, parsed.searchParams);
      } else if (path.startsWith('/repos/')) {
        record.kind = 'rest';
        await readBody(req);
        handleRest(req, res, path, parsed.searchParams);
      } else {
        await readBody(req);
        restError(res, 404, 'Not Found');
      }
    };
    route().catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 400, { code: 'malformed', msg: `stand-in failure: ${String(error)}` });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    runnerEnv,
    githubToken,
    caches,
    artifacts,
    runs,
    addRun,
    evictCaches: (match) => {
      let count = 0;
      for (const entry of [...caches.values()]) {
        const hit = match === undefined ? true : typeof match === 'string' ? entry.key.startsWith(match) : match(entry);
        if (!hit) continue;
        caches.delete(entry.key);
        const blobPath = cacheBlobPath.get(entry.key);
        if (blobPath) blobs.delete(blobPath);
        cacheBlobPath.delete(entry.key);
        count++;
      }
      return count;
    },
    failNext,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(tempRoot, { recursive: true, force: true });
          resolve();
        });
      })
  };
}

/**
 * Set process.env variables (undefined deletes) and return a function that puts every touched
 * variable back. @actions/cache and @actions/artifact read the env at call time, EXCEPT
 * @actions/github, which reads GITHUB_API_URL once when it is first imported (artifact `findBy`):
 * set that before the first `import('@actions/artifact')`.
 */
export function setEnv(vars: Record<string, string | undefined>): () => void {
  const saved = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(vars)) {
    saved.set(name, process.env[name]);
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
