// LogMerge: kernel log lines never land inside a line of the app's stderr, and none is lost.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LogMerge } from '../runner/log-merge.js';

/** A merge whose writes all go, in order, into one string. */
function merged(maxWaitMs?: number): { merge: LogMerge; out: () => string } {
  let text = '';
  const merge = new LogMerge((chunk) => (text += chunk.toString()), (line) => (text += `[${line}]\n`), maxWaitMs);
  return { merge, out: () => text };
}

describe('LogMerge', () => {
  afterEach(() => vi.useRealTimers());

  it('writes a kernel line at once between lines of the app', () => {
    const { merge, out } = merged();
    merge.app(Buffer.from('one\n'));
    merge.log('kernel');
    merge.app(Buffer.from('two\n'));
    expect(out()).toBe('one\n[kernel]\ntwo\n');
  });

  it('holds a kernel line that comes inside a line of the app until that line ends', () => {
    const { merge, out } = merged();
    merge.app(Buffer.from('worker process 18 e'));
    merge.log('pid 1 exited');
    merge.log('second');
    expect(out()).toBe('worker process 18 e');
    merge.app(Buffer.from('xited with code 0\nnext li'));
    expect(out()).toBe('worker process 18 exited with code 0\n[pid 1 exited]\n[second]\nnext li');
  });

  it('writes a held line after maxWaitMs when the app leaves its line open (a prompt)', () => {
    vi.useFakeTimers();
    const { merge, out } = merged(50);
    merge.app(Buffer.from('password: '));
    merge.log('kernel');
    vi.advanceTimersByTime(49);
    expect(out()).toBe('password: ');
    vi.advanceTimersByTime(1);
    expect(out()).toBe('password: [kernel]\n');
  });

  it('flush writes what is still held', () => {
    const { merge, out } = merged();
    merge.app(Buffer.from('no newline'));
    merge.log('last words');
    merge.flush();
    expect(out()).toBe('no newline[last words]\n');
  });
});
