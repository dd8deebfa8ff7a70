// What `pnpm callplane simulate` shows: a progress line every second (on a terminal one line
// rewritten in place; otherwise a line every 5 s, for logs), the API's errors as they come, and a
// summary at the end.
import type { SimulatorStats } from './calls.js';

const MAX_ERRORS_SHOWN = 20;

export function progressLine(s: SimulatorStats): string {
  return (
    `${s.elapsedSeconds.toFixed(0).padStart(4)} s  calls ${s.calls} (answered ${s.answered}, unanswered ${s.unanswered}, ` +
    `rejected ${s.rejected}, live ${s.live})  events ${s.events}  sms ${s.sms}${s.voiceMessages ? `  voice ${s.voiceMessages}` : ''}  errors ${s.errors}`
  );
}

export function summaryLine(s: SimulatorStats): string {
  return (
    `simulated ${s.elapsedSeconds.toFixed(1)} s: ${s.calls} calls — ${s.answered} answered, ${s.unanswered} unanswered, ` +
    `${s.rejected} rejected; ${s.events} call events reported, ${s.sms} SMS, ${s.errors} errors` +
    (s.voiceMessages ? `; ${s.voiceMessages} voice messages (${s.voiceAnswered ?? 0} answered)` : '')
  );
}

/** Writes progress and errors to `out` (stderr: stdout keeps the summary, for pipes). */
export function progressPrinter(out: NodeJS.WriteStream) {
  const tty = !!out.isTTY;
  let ticks = 0;
  let shownErrors = 0;
  let onLine = false;
  const clear = () => {
    if (onLine) out.write('\r\x1b[2K');
    onLine = false;
  };
  return {
    progress(s: SimulatorStats) {
      ticks++;
      if (tty) {
        out.write(`\r\x1b[2K${progressLine(s)}`);
        onLine = true;
      } else if (ticks % 5 === 0) out.write(`${progressLine(s)}\n`);
    },
    error(err: Error) {
      if (shownErrors++ > MAX_ERRORS_SHOWN) return;
      clear();
      out.write(shownErrors > MAX_ERRORS_SHOWN ? `! more errors: the summary counts them\n` : `! ${err.message}\n`);
    },
    end: clear,
  };
}
