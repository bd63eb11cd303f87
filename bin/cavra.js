#!/usr/bin/env node
// The installed `cavra` command runs the self-contained CLI bundle (no node_modules needed).
// Its SQLite driver needs Node 24: older versions crash without a word, so say so first.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`cavra: Node.js 24 or later is needed (this is ${process.version})\n`);
  process.exit(1);
}
await import('../dist/cli/index.js');
