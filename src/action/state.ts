import * as cache from '@actions/cache';
import { DefaultArtifactClient } from '@actions/artifact';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { errorMessage } from '../error-text.js';

// The evidence folder between ephemeral runners: restored from the Actions cache (a unique key per
// run attempt, restored by prefix), else from the artifact of the newest earlier successful run of
// this workflow, else the run starts empty. Every step is checked: the toolkit returns -1 or
// undefined instead of throwing, and a lost state must never be silent.

export type StateSource = 'cache' | 'artifact' | 'workspace' | 'empty' | 'off';

export interface RunContext {
  runId: string;
  attempt: string;
  repository: string;
  /** The workflow file name, from GITHUB_WORKFLOW_REF: earlier runs are looked up by it. */
  workflowFile: string;
  apiUrl: string;
  token: string;
}

export interface StateOptions {
  /** Evidence folders, relative to the working directory; identical on save and restore. */
  paths: string[];
  keyPrefix: string;
  artifactName: string;
  retentionDays: number;
  restoreFromArtifact: boolean;
  run: RunContext;
}

export interface Restored {
  source: StateSource;
  detail: string;
  warnings: string[];
  /** Evidence that was in the workspace before the restore (indexed earlier in the job), set aside
   * in this folder with the same relative paths, to be merged into the restored store. */
  earlier?: string;
}

export interface Saved {
  cacheKey: string;
  cacheSaved: boolean;
  artifactName: string;
  artifactId: number | undefined;
  warnings: string[];
}

export function runContext(env: NodeJS.ProcessEnv, token: string): RunContext {
  const workflowRef = env.GITHUB_WORKFLOW_REF ?? '';
  const file = workflowRef.split('@')[0]?.split('/').pop() ?? '';
  return {
    runId: env.GITHUB_RUN_ID ?? 'local',
    attempt: env.GITHUB_RUN_ATTEMPT ?? '1',
    repository: env.GITHUB_REPOSITORY ?? '',
    workflowFile: file,
    apiUrl: (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, ''),
    token
  };
}

/** Keys are namespaced by workflow, so two workflows of one repository never share state. */
function keyBase(options: StateOptions): string {
  const workflow = options.run.workflowFile.replace(/\.ya?ml$/, '').replace(/[^A-Za-z0-9._-]/g, '-') || 'workflow';
  return `${options.keyPrefix}-${workflow}-`;
}

export function cacheKey(options: StateOptions): string {
  return `${keyBase(options)}${options.run.runId}-${options.run.attempt}`;
}

function hasEvidence(paths: readonly string[]): boolean {
  return paths.some((path) => existsSync(path) && readdirSync(path).length > 0);
}

/** Copies the workspace's evidence aside before a restore writes over it. */
function setAside(paths: readonly string[]): string | undefined {
  if (!hasEvidence(paths)) return undefined;
  const aside = mkdtempSync(join(tmpdir(), 'cavra-earlier-'));
  for (const path of paths) if (existsSync(path)) cpSync(path, join(aside, path), { recursive: true });
  return aside;
}

export async function restoreEvidence(options: StateOptions): Promise<Restored> {
  const warnings: string[] = [];
  const earlier = setAside(options.paths);
  const restored = (source: StateSource, detail: string): Restored => ({ source, detail, warnings, ...(earlier ? { earlier } : {}) });
  if (cache.isFeatureAvailable()) {
    try {
      const matched = await cache.restoreCache([...options.paths], cacheKey(options), [keyBase(options)]);
      if (matched) return restored('cache', `cache key ${matched}`);
    } catch (error) {
      warnings.push(`Restoring the evidence from the cache failed: ${errorMessage(error)}`);
    }
  } else {
    warnings.push('The Actions cache service is not available to this run; looking elsewhere for the evidence.');
  }

  if (options.restoreFromArtifact) {
    try {
      const found = await restoreFromEarlierRun(options);
      if (found) return restored('artifact', found);
    } catch (error) {
      warnings.push(`Restoring the evidence from an earlier run's artifact failed: ${errorMessage(error)}`);
    }
  }

  if (earlier) {
    rmSync(earlier, { recursive: true, force: true });
    return { source: 'workspace', detail: `evidence already in ${options.paths.join(', ')}`, warnings };
  }
  warnings.push(
    'No earlier evidence was found (no cache entry and no earlier artifact): this run starts from an empty store, so health will report missing runs and stale evidence until history builds up.'
  );
  return { source: 'empty', detail: 'no earlier evidence', warnings };
}

interface WorkflowRun {
  id: number;
  conclusion: string | null;
}

/** The newest earlier successful run of this workflow that has an evidence artifact, restored into place. */
async function restoreFromEarlierRun(options: StateOptions): Promise<string | undefined> {
  const { run } = options;
  if (!run.token || !run.repository || !run.workflowFile) return undefined;
  const [owner, repo] = run.repository.split('/') as [string, string];
  const url = `${run.apiUrl}/repos/${owner}/${repo}/actions/workflows/${encodeURIComponent(run.workflowFile)}/runs?status=success&per_page=10&exclude_pull_requests=true`;
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${run.token}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' }
  });
  if (!response.ok) throw new Error(`listing earlier runs answered HTTP ${response.status} (the token needs actions: read)`);
  const body = (await response.json()) as { workflow_runs?: WorkflowRun[] };
  const client = new DefaultArtifactClient();
  for (const earlier of (body.workflow_runs ?? []).filter((r) => String(r.id) !== run.runId)) {
    const findBy = { token: run.token, workflowRunId: earlier.id, repositoryOwner: owner, repositoryName: repo };
    const { artifacts } = await client.listArtifacts({ findBy });
    const candidate = artifacts
      .filter((a) => a.name.startsWith(`${options.artifactName}-`))
      .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))[0];
    if (!candidate) continue;
    const scratch = mkdtempSync(join(tmpdir(), 'cavra-artifact-'));
    try {
      await client.downloadArtifact(candidate.id, { path: scratch, findBy });
      let copied = 0;
      for (const path of options.paths) {
        const from = join(scratch, path);
        if (!existsSync(from)) continue;
        cpSync(from, path, { recursive: true });
        copied += 1;
      }
      if (copied > 0) return `artifact ${candidate.name} (id ${candidate.id}) of run ${earlier.id}`;
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  return undefined;
}

/** Every file under the folders, hidden ones included (the artifact package uploads exactly this list). */
function filesUnder(folders: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (path: string) => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
    else files.push(path);
  };
  folders.forEach(walk);
  return files;
}

export async function saveEvidence(options: StateOptions, outputFolder: string, cwd: string): Promise<Saved> {
  const warnings: string[] = [];
  const key = cacheKey(options);
  let cacheSaved = false;
  if (cache.isFeatureAvailable()) {
    try {
      const id = await cache.saveCache([...options.paths], key);
      cacheSaved = id !== -1;
      if (!cacheSaved) {
        warnings.push(`The evidence was not saved to the cache (key ${key}); the next run will fall back to this run's artifact. Check that the workflow grants actions: write.`);
      }
    } catch (error) {
      warnings.push(`Saving the evidence to the cache failed: ${errorMessage(error)}`);
    }
  } else {
    warnings.push('The Actions cache service is not available to this run; the evidence was not cached.');
  }

  const artifactName = `${options.artifactName}-${options.run.runId}-${options.run.attempt}`;
  let artifactId: number | undefined;
  try {
    const files = filesUnder([...options.paths, outputFolder]).map((file) => resolve(cwd, file));
    if (files.length === 0) warnings.push('There were no evidence files to upload.');
    else {
      const uploaded = await new DefaultArtifactClient().uploadArtifact(artifactName, files, cwd, { retentionDays: options.retentionDays });
      artifactId = uploaded.id;
      if (artifactId === undefined) warnings.push(`The evidence artifact ${artifactName} was uploaded without an id.`);
    }
  } catch (error) {
    warnings.push(`Uploading the evidence artifact ${artifactName} failed: ${errorMessage(error)}`);
  }
  return { cacheKey: key, cacheSaved, artifactName, artifactId, warnings };
}
