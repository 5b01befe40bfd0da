import { describe, expect, it } from 'vitest';
import { Wakeup } from '../../src/concurrency/wakeup.js';

/** Resolves after `ms` milliseconds (a real timer). */
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** How a sleep ended and after how many milliseconds. */
async function timed(sleep: Promise<boolean>): Promise<{ woken: boolean; ms: number }> {
  const started = performance.now();
  const woken = await sleep;
  return { woken, ms: performance.now() - started };
}

describe('Wakeup', () => {
  it('does not lose a wake that arrives between a loop looking for work and going to sleep', async () => {
    const wakeup = new Wakeup();
    const queue: string[] = [];
    const seen: string[] = [];
    const loop = (async () => {
      while (seen.length < 1) {
        wakeup.clear();
        // The look takes a while; the work arrives (and its wake) after it found nothing, before the sleep.
        const found = queue.splice(0);
        await delay(20);
        seen.push(...found);
        if (found.length === 0) await wakeup.sleep(5_000);
      }
    })();
    await delay(5);
    queue.push('job');
    wakeup.wake();
    const started = performance.now();
    await loop;
    expect(seen).toEqual(['job']);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('remembers a wake with nobody asleep: the next sleep returns at once, the one after sleeps', async () => {
    const wakeup = new Wakeup();
    wakeup.wake();
    wakeup.wake();
    expect(wakeup.pending).toBe(true);
    const first = await timed(wakeup.sleep(5_000));
    expect(first.woken).toBe(true);
    expect(first.ms).toBeLessThan(100);
    expect(wakeup.pending).toBe(false);
    // One remembered wake by default, however many came.
    const second = await timed(wakeup.sleep(30));
    expect(second.woken).toBe(false);
  });

  it('remembers up to `remember` wakes, one per sleep', async () => {
    const wakeup = new Wakeup({ remember: 2 });
    for (let i = 0; i < 3; i += 1) wakeup.wake();
    expect(await wakeup.sleep(5_000)).toBe(true);
    expect(await wakeup.sleep(5_000)).toBe(true);
    expect(await wakeup.sleep(30)).toBe(false);
  });

  it('remembers nothing with `remember` 0', async () => {
    const wakeup = new Wakeup({ remember: 0 });
    wakeup.wake();
    expect(wakeup.pending).toBe(false);
    expect(await wakeup.sleep(30)).toBe(false);
  });

  it('says when a sleep timed out', async () => {
    const wakeup = new Wakeup();
    const slept = await timed(wakeup.sleep(30));
    expect(slept.woken).toBe(false);
    expect(slept.ms).toBeGreaterThanOrEqual(25);
    expect(slept.ms).toBeLessThan(1_000);
  });

  it('wakes a sleeper early and says it was woken', async () => {
    const wakeup = new Wakeup();
    const sleep = timed(wakeup.sleep(5_000));
    await delay(20);
    wakeup.wake();
    const slept = await sleep;
    expect(slept.woken).toBe(true);
    expect(slept.ms).toBeLessThan(1_000);
    // The wake went to the sleeper: nothing is left for the next sleep.
    expect(wakeup.pending).toBe(false);
  });

  it('wakes exactly one of several sleepers, the one asleep longest', async () => {
    const wakeup = new Wakeup();
    const ended: number[] = [];
    const sleeps = [0, 1, 2].map((i) => wakeup.sleep(200).then((woken) => (ended.push(i), woken)));
    await delay(20);
    wakeup.wake();
    await delay(20);
    expect(ended).toEqual([0]);
    expect(await Promise.all(sleeps)).toEqual([true, false, false]);
  });

  it('gives a wake after a sleep timed out to the next sleep, not to the sleeper that left', async () => {
    const wakeup = new Wakeup();
    expect(await wakeup.sleep(10)).toBe(false);
    wakeup.wake();
    expect(await wakeup.sleep(5_000)).toBe(true);
  });

  it('forgets remembered wakes on clear', async () => {
    const wakeup = new Wakeup({ remember: 3 });
    wakeup.wake();
    wakeup.wake();
    wakeup.clear();
    expect(wakeup.pending).toBe(false);
    expect(await wakeup.sleep(30)).toBe(false);
  });

  it('pauses without taking a remembered wake, and a wake during the pause cuts it short', async () => {
    const wakeup = new Wakeup();
    wakeup.wake();
    expect((await timed(wakeup.pause(30))).woken).toBe(false);
    expect(wakeup.pending).toBe(true);
    expect(await wakeup.sleep(5_000)).toBe(true);
    const pause = timed(wakeup.pause(5_000));
    await delay(20);
    wakeup.wake();
    const paused = await pause;
    expect(paused.woken).toBe(true);
    expect(paused.ms).toBeLessThan(1_000);
  });

  it('wakes every sleeper on stop, and later sleeps and pauses return at once', async () => {
    const wakeup = new Wakeup();
    const sleeps = [wakeup.sleep(5_000), wakeup.sleep(5_000), wakeup.pause(5_000)];
    await delay(20);
    const started = performance.now();
    wakeup.stop();
    expect(await Promise.all(sleeps)).toEqual([true, true, true]);
    expect(await wakeup.sleep(5_000)).toBe(true);
    expect(await wakeup.sleep(5_000)).toBe(true);
    expect(await wakeup.pause(5_000)).toBe(true);
    expect(performance.now() - started).toBeLessThan(100);
  });
});
