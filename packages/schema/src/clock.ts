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

/**
 * A clock that only moves when told to. Given a start, it starts there; without one it starts at
 * real time, and a server on a database whose manual clock has run before resumes that clock's
 * time instead (`resumes`: see modules/system/system.service.ts).
 */
export class ManualClock implements Clock {
  readonly manual = true;
  readonly resumes: boolean;
  private current: number;
  constructor(start?: Date) {
    this.resumes = start === undefined;
    this.current = (start ?? new Date()).getTime();
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
