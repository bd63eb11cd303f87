#!/usr/bin/env node
// The installed `cavra` command runs the self-contained CLI bundle (no node_modules needed).
import '../dist/cli/index.js';
