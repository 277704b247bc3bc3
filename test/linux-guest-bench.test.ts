// The syscall benchmark's arithmetic and table (the benchmark itself runs with `npm run bench -- syscall`).
import { describe, expect, it } from 'vitest';
import { median } from '../bench/lib-table.js';
import { formatTable, nsPerCall } from '../bench/syscall.js';

describe('bench syscall helpers', () => {
  it('takes the median of odd and even counts, unsorted input', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('reads ns_per_call from the nullsys output', () => {
    expect(nsPerCall('getppid calls=1000000\nns_per_call=125.3\n')).toBe(125.3);
    expect(nsPerCall('getppid calls=1000000\n')).toBeUndefined();
  });

  it('prints ratios against the native median, and the reason for a row that could not run', () => {
    const table = formatTable([
      { where: 'native', samples: [{ nsPerCall: 100, wallMs: 120 }, { nsPerCall: 140, wallMs: 100 }, { nsPerCall: 120, wallMs: 110 }] },
      { where: 'Linux guest', samples: [{ nsPerCall: 480, wallMs: 2000 }] },
      { where: 'ukify', unavailable: "'run' is not built yet" },
    ]).split('\n');
    expect(table).toEqual([
      'where        ns/call      min-max  vs native  wall s',
      'native         120.0  100.0-140.0      1.00x    0.11',
      'Linux guest    480.0  480.0-480.0      4.00x    2.00',
      "ukify        not available ('run' is not built yet)",
    ]);
  });
});
