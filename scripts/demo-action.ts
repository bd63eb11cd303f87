// The README's main job: runs the committed action bundle exactly as a runner does (node
// dist/index.js, inputs as INPUT_* variables, the workspace as working directory) on a scratch copy
// of examples/evidence, as of just after that evidence ends, then prints the job summary and outputs.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseGithubOutput } from './github-output.js';
import { EXAMPLE_DEMO_NOW_ISO, EXAMPLE_DIR, EXAMPLE_INTERVAL_MINUTES } from './generate-evidence.js';

const root = resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'cavra-demo-'));
const workspace = join(scratch, 'workspace');
const runnerTemp = join(scratch, 'runner-temp');
mkdirSync(runnerTemp, { recursive: true });
cpSync(join(root, EXAMPLE_DIR), join(workspace, '.cavra', 'evidence'), {
  recursive: true,
  filter: (source) => !source.endsWith('.md')
});
const outputFile = join(runnerTemp, 'github-output');
const summaryFile = join(runnerTemp, 'step-summary.md');
writeFileSync(outputFile, '');
writeFileSync(summaryFile, '');

console.log(`Running dist/index.js on a copy of ${EXAMPLE_DIR} in ${workspace}, as of ${EXAMPLE_DEMO_NOW_ISO}\n`);
const run = spawnSync(process.execPath, [join(root, 'dist', 'index.js')], {
  cwd: workspace,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: {
    ...process.env,
    CAVRA_NOW: EXAMPLE_DEMO_NOW_ISO,
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: 'schedule',
    GITHUB_WORKFLOW: 'cavra-recurrence-automation',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: runnerTemp,
    'INPUT_SCHEDULE-INTERVAL-MINUTES': String(EXAMPLE_INTERVAL_MINUTES),
    // No Actions cache or artifact service outside a runner: the evidence is already in the workspace.
    'INPUT_RESTORE-STATE': 'false',
    'INPUT_SAVE-STATE': 'false'
  }
});

console.log('\n===== job summary (GITHUB_STEP_SUMMARY) =====\n');
console.log(readFileSync(summaryFile, 'utf8'));
console.log('===== outputs (GITHUB_OUTPUT) =====\n');
for (const [name, value] of Object.entries(parseGithubOutput(readFileSync(outputFile, 'utf8')))) console.log(`${name}: ${value}`);
process.exitCode = run.status ?? 1;
