// The `mmaux` command: dispatches to a command, maps errors to exit codes, stops cleanly on
// Ctrl-C (the last completed epoch stays resumable). A command's code is imported only when it
// runs, so `mmaux --help`, `mmaux train --help` and `mmaux data check` never load TensorFlow.js,
// ONNX Runtime or transformers.js (tsup keeps each `import()` a chunk of its own).
import type { Command, CommandContext } from './commands/context.js';
import { DATA_CHECK_INFO } from './commands/data-check-help.js';
import { EXTRACT_INFO } from './commands/extract-help.js';
import { DEMO_INFO, GRID_INFO } from './commands/grid-help.js';
import { EVAL_INFO, PREDICT_INFO } from './commands/predict-help.js';
import { REPORT_INFO } from './commands/report-help.js';
import { TRAIN_INFO } from './commands/train-help.js';
import { WORKER_INFO } from './commands/worker-help.js';
import type { TrainerErrorCode } from './errors.js';
import { processLog } from './progress.js';

/** One command of the registry: what `mmaux --help` lists, and how to get the rest. */
interface CommandEntry {
  /** One word, or two for a subcommand (`data check`). */
  name: string;
  summary: string;
  /** The `--help` text, when a light module has it; otherwise the loaded command's own `help`. */
  help?: string;
  load(): Promise<Command>;
}

/** Adding a command is one entry; its module is loaded only when it runs (or shows its help). */
const COMMANDS: CommandEntry[] = [
  { ...DEMO_INFO, load: () => import('./commands/grid.js').then((m) => m.demoCommand) },
  { ...DATA_CHECK_INFO, load: () => import('./commands/data.js').then((m) => m.dataCheckCommand) },
  { ...EXTRACT_INFO, load: () => import('./commands/extract.js').then((m) => m.extractCommand) },
  { ...TRAIN_INFO, load: () => import('./commands/train.js').then((m) => m.trainCommand) },
  { ...EVAL_INFO, load: () => import('./commands/predict.js').then((m) => m.evalCommand) },
  { ...PREDICT_INFO, load: () => import('./commands/predict.js').then((m) => m.predictCommand) },
  { ...GRID_INFO, load: () => import('./commands/grid.js').then((m) => m.gridCommand) },
  { ...REPORT_INFO, load: () => import('./commands/report.js').then((m) => m.reportCommand) },
  { ...WORKER_INFO, load: () => import('./commands/worker.js').then((m) => m.workerCommand) },
];

/** Exit codes, as `--help` documents them. */
export const EXIT = { ok: 0, failed: 1, usage: 2, badInput: 3, exists: 4, interrupted: 130 } as const;

const USAGE = `Usage: mmaux <command> [options]   (mmaux <command> --help for each)

Multimodal post classification with image-text contrastive (ITC) and matching (ITM) auxiliary
losses (Sánchez Villegas et al., Findings of EACL 2024).

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(11)} ${c.summary}`).join('\n')}

Options of every command: --json (one JSON object on stdout; progress stays on stderr),
--quiet (no progress), --help.

Exit codes: 0 done; 1 unexpected failure; 2 bad command line or config; 3 bad data or input
(or problems found by data check); 4 output exists (use --force or --resume); 130 interrupted.`;

const TRAINER_EXIT: Partial<Record<TrainerErrorCode, number>> = {
  BAD_CONFIG: EXIT.usage,
  BAD_RUN_DIR: EXIT.badInput,
  ALREADY_EXISTS: EXIT.exists,
  NOT_FOUND: EXIT.badInput,
  BAD_INPUT: EXIT.badInput,
  INTERRUPTED: EXIT.interrupted,
  TRAINING_FAILED: EXIT.failed,
};

/** The packages' errors, told apart by `name` and `code` so that this file imports none of them (and no tfjs). */
function exitCodeOf(err: unknown): number {
  if (!(err instanceof Error) || typeof (err as { code?: unknown }).code !== 'string') return EXIT.failed;
  const code = (err as Error & { code: string }).code;
  switch (err.name) {
    case 'MmauxTrainerError':
      return TRAINER_EXIT[code as TrainerErrorCode] ?? EXIT.failed;
    case 'MmauxDatasetError':
    case 'MmauxEncoderError':
    case 'MmauxFusionError':
      return code === 'INVALID_OPTION' ? EXIT.usage : EXIT.badInput;
    default:
      return EXIT.failed;
  }
}

/** The registry entry `argv` names (the longest name that matches its first words) and the arguments after it. */
function findCommand(argv: string[]): { entry: CommandEntry; args: string[] } | undefined {
  let best: CommandEntry | undefined;
  for (const c of COMMANDS) {
    const words = c.name.split(' ');
    if (words.every((w, i) => argv[i] === w) && words.length > (best?.name.split(' ').length ?? 0)) best = c;
  }
  return best && { entry: best, args: argv.slice(best.name.split(' ').length) };
}

/** Runs the CLI on `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const wantsJson = argv.includes('--json');
  const quiet = argv.includes('--quiet');
  const [first, second] = argv;
  const found = findCommand(argv);
  if (found === undefined) {
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return first === undefined ? EXIT.usage : EXIT.ok;
    }
    // `mmaux data frobnicate` names both words: "data" alone is a group, not a command.
    const isGroup = COMMANDS.some((c) => c.name.startsWith(`${first} `));
    const name = isGroup ? `${first} ${second ?? ''}`.trim() : first;
    process.stderr.write(`mmaux: unknown command "${name}".\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  const { entry, args } = found;
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${entry.help ?? (await entry.load()).help}\n`);
    return EXIT.ok;
  }
  const controller = new AbortController();
  const ctx: CommandContext = {
    log: processLog(quiet),
    json: wantsJson,
    print: (text) => process.stdout.write(`${text}\n`),
    printJson: (value) => process.stdout.write(`${JSON.stringify(value)}\n`),
    signal: controller.signal,
  };
  const stop = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    process.stderr.write(`\n${signal}: stopping after the current step (again to quit at once)…\n`);
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    const command = await entry.load();
    await command.run(args, ctx);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    // Whatever stopped the work after Ctrl-C (an aborted extraction, say) is the interruption.
    const code = controller.signal.aborted ? EXIT.interrupted : exitCodeOf(err);
    const message = err instanceof Error ? err.message : String(err);
    if (wantsJson) process.stdout.write(`${JSON.stringify({ error: { code: (err as { code?: string }).code ?? 'FAILED', message } })}\n`);
    process.stderr.write(`mmaux ${entry.name}: ${message}\n`);
    if (code === EXIT.failed && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return code;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`mmaux: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = EXIT.failed;
  },
);
