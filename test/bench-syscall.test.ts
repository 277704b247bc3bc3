// The syscall benchmark's four-way tables, target lines and redis report (host only: nothing is
// booted; the benchmark itself runs with `npm run bench -- syscall`).
import { describe, expect, it } from 'vitest';
import { formatTable, redisFailure, redisMedian, redisReport, redisTimeoutMs, rowMedian, verdict, type RedisResults } from '../bench/syscall.js';
import type { RedisRun } from '../harness/load-tools.js';

const s = (nsPerCall: number, wallMs = 1000): { nsPerCall: number; wallMs: number } => ({ nsPerCall, wallMs });

function redisRun(set: number, get: number, errors: string[] = []): RedisRun {
  return { tests: [{ name: 'SET', rps: set, maxMs: 5 }, { name: 'GET', rps: get, maxMs: 5 }], errors, status: 0 };
}

describe('bench syscall: four ways', () => {
  it('adds a column of ratios against a named row, and leaves it out without one', () => {
    const rows = [
      { where: 'native', samples: [s(100, 100)] },
      { where: 'Linux guest', samples: [s(500, 2000), s(400, 2000), s(600, 2000)] },
      { where: 'ukify trap', samples: [s(250, 400)] },
      { where: 'ukify rewritten', unavailable: 'ukify build failed' },
    ];
    expect(formatTable(rows, 'Linux guest').split('\n')).toEqual([
      'where            ns/call      min-max  vs native  vs Linux guest  wall s',
      'native             100.0  100.0-100.0      1.00x          0.200x    0.10',
      'Linux guest        500.0  400.0-600.0      5.00x          1.000x    2.00',
      'ukify trap         250.0  250.0-250.0      2.50x          0.500x    0.40',
      'ukify rewritten  not available (ukify build failed)',
    ]);
    expect(formatTable(rows).split('\n')[0]).toBe('where            ns/call      min-max  vs native  wall s');
  });

  it('takes no median of a row without samples', () => {
    expect(rowMedian({ where: 'x', samples: [] })).toBeUndefined();
    expect(rowMedian({ where: 'x', unavailable: 'no' })).toBeUndefined();
    expect(rowMedian({ where: 'x', samples: [s(3), s(1), s(2)] })).toBe(2);
  });

  it('says whether a ratio target is met, by how much when not, and when a figure is missing', () => {
    expect(verdict('rewritten / Linux guest', 40, 500, 0.1)).toBe('target: rewritten / Linux guest 0.080x against 0.1x: met');
    expect(verdict('rewritten / Linux guest', 50, 500, 0.1)).toBe('target: rewritten / Linux guest 0.100x against 0.1x: met');
    expect(verdict('rewritten / Linux guest', 60, 500, 0.1)).toBe('target: rewritten / Linux guest 0.120x against 0.1x: NOT met (1.2x)');
    expect(verdict('vDSO / trap', undefined, 500, 0.2)).toBe('target: vDSO / trap at most 0.2x: not measured (a row has no figure)');
  });
});

describe('bench syscall: redis', () => {
  const results: RedisResults[] = [
    { where: 'Linux guest', runs: [redisRun(5000, 6000), redisRun(5200, 5800), redisRun(4800, 6200)] },
    { where: 'ukify trap', runs: [redisRun(8000, 9000), redisRun(8000, 9000)] },
    { where: 'ukify rewritten', runs: [redisRun(10000, 9000, ['Error: Connection reset by peer']), { tests: [], errors: [], status: 1 }], stopped: 'run 3 failed (redis-benchmark exit status 1)' },
  ];

  it('takes the median rate per test, leaving out runs without that test', () => {
    expect(redisMedian(results[0], 'SET')).toBe(5000);
    expect(redisMedian(results[0], 'GET')).toBe(6000);
    expect(redisMedian(results[2], 'SET')).toBe(10000);
    expect(redisMedian({ where: 'x', unavailable: 'no' }, 'SET')).toBeUndefined();
  });

  it('prints rates against the Linux guest, the runs, errors (a failed run counts one), why a server stopped, the first error and the ratio rewritten / trap', () => {
    expect(redisReport(results).split('\n')).toEqual([
      'where            SET req/s  SET min-max  SET vs Linux  GET req/s  GET min-max  GET vs Linux  runs  errors',
      'Linux guest           5000    4800-5200         1.00x       6000    5800-6200         1.00x     3       0',
      'ukify trap            8000    8000-8000         1.60x       9000    9000-9000         1.50x     2       0',
      'ukify rewritten      10000  10000-10000         2.00x       9000    9000-9000         1.50x     2       2',
      'ukify rewritten: run 3 failed (redis-benchmark exit status 1)',
      'ukify rewritten: first error: Error: Connection reset by peer',
      'ukify rewritten / ukify trap (requests/s, higher is faster): SET 1.25x, GET 1.00x (no target: figures for the closing note)',
    ]);
  });

  it('fails a run that did not end well or lacks a test, and gives a run 3 ms a request, at least a minute', () => {
    expect(redisFailure(redisRun(1, 1))).toBeUndefined();
    expect(redisFailure({ tests: [], errors: ['error: redis-benchmark had not ended after 60 s'], status: 1 })).toBe('redis-benchmark exit status 1: error: redis-benchmark had not ended after 60 s');
    expect(redisFailure({ tests: [{ name: 'SET', rps: 1, maxMs: 1 }], errors: [], status: 0 })).toBe('redis-benchmark reported 1 of 2 tests');
    expect(redisTimeoutMs(2_000)).toBe(60_000);
    expect(redisTimeoutMs(100_000)).toBe(300_000);
  });

  it('keeps the reason of a server that did not run, and gives no ratio without it', () => {
    const lines = redisReport([{ where: 'Linux guest', unavailable: 'no kernel' }, results[1] as RedisResults, { where: 'ukify rewritten', unavailable: 'build failed' }]).split('\n');
    expect(lines[1]).toBe('Linux guest      not available (no kernel)');
    expect(lines[2]).toBe('ukify trap            8000    8000-8000             -       9000    9000-9000             -     2       0');
    expect(lines.at(-1)).toBe('ukify rewritten / ukify trap (requests/s, higher is faster): SET -, GET - (no target: figures for the closing note)');
  });
});
