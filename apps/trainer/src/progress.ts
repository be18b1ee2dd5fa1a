// Progress on stderr (stdout stays for results and --json): a redrawn bar on a terminal, a line
// every few seconds otherwise, nothing with --quiet.

/** Where a command writes what it is doing. */
export interface Log {
  /** A line of information (not in --quiet). */
  info(line: string): void;
  /** A warning (always shown). */
  warn(line: string): void;
  /** A progress bar for `total` units of work. */
  bar(label: string, total: number): ProgressBar;
}

export interface ProgressBar {
  /** Sets the units done, with an optional note (e.g. the current loss). */
  update(done: number, note?: string): void;
  /** Ends the bar (prints its final state once). */
  done(note?: string): void;
}

interface LogOptions {
  quiet: boolean;
  /** Redraw in place (a terminal) or print lines. */
  tty: boolean;
  write: (text: string) => void;
  /** Milliseconds, for rates; injected so tests can fix it. */
  now: () => number;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** The progress line: `label [#####-----] 50/100 12.3/s ETA 4s note`. */
export function progressLine(label: string, done: number, total: number, elapsedSeconds: number, note = ''): string {
  const width = 24;
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(fraction * width);
  const rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
  const eta = rate > 0 ? (total - done) / rate : Number.POSITIVE_INFINITY;
  const rateText = rate >= 10 ? rate.toFixed(0) : rate.toFixed(1);
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${rateText}/s ETA ${done >= total ? '0s' : formatSeconds(eta)}${note ? ` ${note}` : ''}`;
}

/** A {@link Log} on a stream. */
export function createLog(options: LogOptions): Log {
  const { quiet, tty, write, now } = options;
  return {
    info: (line) => {
      if (!quiet) write(`${line}\n`);
    },
    warn: (line) => write(`warning: ${line}\n`),
    bar: (label, total) => {
      const start = now();
      let lastPrint = -Infinity;
      const render = (done: number, note: string | undefined, final: boolean): void => {
        if (quiet) return;
        const t = now();
        // Lines (not a terminal): at most one every 5 s, plus the last one.
        if (!tty && !final && t - lastPrint < 5000) return;
        if (tty && !final && t - lastPrint < 100) return;
        lastPrint = t;
        const line = progressLine(label, done, total, (t - start) / 1000, note);
        write(tty ? `\r\x1b[2K${line}${final ? '\n' : ''}` : `${line}\n`);
      };
      let current = 0;
      return {
        update: (done, note) => {
          current = done;
          render(done, note, false);
        },
        done: (note) => render(current === 0 ? total : current, note, true),
      };
    },
  };
}

/** The log of the running process: stderr, a bar when stderr is a terminal. */
export function processLog(quiet: boolean): Log {
  return createLog({
    quiet,
    tty: Boolean(process.stderr.isTTY),
    write: (text) => process.stderr.write(text),
    now: () => performance.now(),
  });
}
