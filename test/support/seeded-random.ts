/** A seeded random source (mulberry32), so that simulated results are the same on every run. */

/** Returns a function like Math.random whose sequence depends only on `seed`. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Returns a random source that yields `values` in order and fails the test if asked for more. */
export function scriptedRandom(values: number[]): () => number {
  let next = 0;
  return () => {
    if (next >= values.length) throw new Error(`scriptedRandom: asked for value ${next + 1}, only ${values.length} scripted`);
    return values[next++]!;
  };
}
