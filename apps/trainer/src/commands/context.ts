import type { Log } from '../progress.js';

/** What every command gets from the CLI. */
export interface CommandContext {
  /** Progress and information (stderr). */
  log: Log;
  /** `--json`: print one JSON object on stdout and nothing else there. */
  json: boolean;
  /** Results for people (stdout); not used with --json. */
  print(text: string): void;
  /** The one JSON object of --json (stdout). */
  printJson(value: unknown): void;
  /** Set by Ctrl-C / SIGTERM: long work stops between steps, leaving a consistent state. */
  signal: AbortSignal;
}

/** A command: its name, its help and what it does with the arguments after its name. */
export interface Command {
  name: string;
  summary: string;
  help: string;
  run(args: string[], ctx: CommandContext): Promise<void>;
}

/** What `mmaux --help` and `mmaux <command> --help` print, kept in a small module apart from the command's code. */
export type CommandInfo = Pick<Command, 'name' | 'summary' | 'help'>;
