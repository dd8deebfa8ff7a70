/** A seeded pseudo-random source (mulberry32), so that a run can be repeated with `seed`. */
export interface Random {
  /** In [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Seconds to the next arrival of a Poisson process of `rate` per second. */
  arrivalGap(rate: number): number;
  /** A random Chinese mobile number, E.164 (+86 137 …). */
  mobile(): string;
  digits(n: number): string;
}

export function seededRandom(seed: number = Date.now()): Random {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 10)).join('');
  return {
    next,
    between: (min, max) => min + next() * (max - min),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)]!,
    arrivalGap: (rate) => -Math.log(1 - next()) / rate,
    mobile: () => `+86137${digits(8)}`,
    digits,
  };
}
