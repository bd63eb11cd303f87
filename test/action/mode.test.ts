import { describe, expect, test } from '@jest/globals';
import { decideMode } from '../../src/action/main.js';
import { parseInputs, INPUT_DEFAULTS } from '../../src/action/inputs.js';

describe('execute gating', () => {
  test.each([
    [false, 'workflow_dispatch', false, undefined],
    [false, 'schedule', false, undefined],
    [true, 'workflow_dispatch', true, undefined],
    [true, 'schedule', false, "execute: true is honoured only on workflow_dispatch; this 'schedule' run stays a dry run and sends nothing."],
    [true, 'push', false, "execute: true is honoured only on workflow_dispatch; this 'push' run stays a dry run and sends nothing."],
    [true, 'pull_request_target', false, "execute: true is honoured only on workflow_dispatch; this 'pull_request_target' run stays a dry run and sends nothing."]
  ])('execute %s on %s → execute %s', (requested, event, execute, warning) => {
    const mode = decideMode(requested, event);
    expect([mode.execute, mode.warning]).toEqual([execute, warning]);
  });
});

describe('inputs', () => {
  test('the defaults parse to typed values', () => {
    const { inputs, errors } = parseInputs(() => '');
    expect(errors).toEqual([]);
    expect(inputs).toMatchObject({
      execute: false,
      provider: 'all',
      'schedule-interval-minutes': 30,
      'expected-interval-minutes': undefined,
      'suppression-window-minutes': undefined,
      retries: 2,
      'timeout-seconds': 10,
      'restore-state': true,
      'retention-days': 30
    });
    expect(Object.keys(inputs!).sort()).toEqual(Object.keys(INPUT_DEFAULTS).sort());
  });

  test('GitHub cannot schedule more often than every 5 minutes: a smaller interval is refused', () => {
    expect(parseInputs((name) => (name === 'schedule-interval-minutes' ? '4' : '')).errors).toEqual(['input schedule-interval-minutes: must be at least 5']);
  });
});
