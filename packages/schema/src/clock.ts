/** The one source of "now" for every time-based rule. */
export interface Clock {
  now(): Date;
  readonly manual: boolean;
}

export class SystemClock implements Clock {
  readonly manual = false;
  now(): Date {
    return new Date();
  }
}

/** A clock that only moves when told to; starts at real time unless given a start. */
export class ManualClock implements Clock {
  readonly manual = true;
  private current: number;
  constructor(start: Date = new Date()) {
    this.current = start.getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  advance(seconds: number): Date {
    if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError('seconds must be a non-negative number');
    this.current += Math.round(seconds * 1000);
    return this.now();
  }
  set(to: Date): void {
    this.current = to.getTime();
  }
}

export const addSeconds = (d: Date, s: number) => new Date(d.getTime() + s * 1000);
