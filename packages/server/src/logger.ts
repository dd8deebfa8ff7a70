import pino from 'pino';

export type Log = pino.Logger;

/** Structured JSON logs; every request line carries its request id. */
export function createLogger(level: string, destination?: pino.DestinationStream): Log {
  return pino({ level, base: { service: 'callplane' } }, destination);
}
