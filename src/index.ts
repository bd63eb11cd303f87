import { run } from './action/main.js';

// The action's entry point (action.yml `main: dist/index.js`).
await run();
