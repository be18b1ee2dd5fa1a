// The `mmaux` command: dispatches to a command, maps errors to exit codes, stops cleanly on
// Ctrl-C (the last completed epoch stays resumable).
import { MmauxDatasetError } from '@mmaux/datasets';
import { MmauxEncoderError } from '@mmaux/encoders';
import { MmauxFusionError } from '@mmaux/fusion';
import { dataCheckCommand, extractCommand } from './commands/data.js';
import type { Command, CommandContext } from './commands/context.js';
import { demoCommand, gridCommand } from './commands/grid.js';
import { evalCommand, predictCommand } from './commands/predict.js';
import { reportCommand } from './commands/report.js';
import { trainCommand } from './commands/train.js';
import { MmauxTrainerError } from './errors.js';
import { processLog } from './progress.js';

const COMMANDS: Command[] = [demoCommand, dataCheckCommand, extractCommand, trainCommand, evalCommand, predictCommand, gridCommand, reportCommand];

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

function exitCodeOf(err: unknown): number {
  if (err instanceof MmauxTrainerError) {
    return { BAD_CONFIG: EXIT.usage, BAD_RUN_DIR: EXIT.badInput, ALREADY_EXISTS: EXIT.exists, NOT_FOUND: EXIT.badInput, BAD_INPUT: EXIT.badInput, INTERRUPTED: EXIT.interrupted, TRAINING_FAILED: EXIT.failed }[err.code];
  }
  if (err instanceof MmauxDatasetError) return err.code === 'INVALID_OPTION' ? EXIT.usage : EXIT.badInput;
  if (err instanceof MmauxEncoderError || err instanceof MmauxFusionError) return err.code === 'INVALID_OPTION' ? EXIT.usage : EXIT.badInput;
  return EXIT.failed;
}

/** Runs the CLI on `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const wantsJson = argv.includes('--json');
  const quiet = argv.includes('--quiet');
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
  const [first, second] = argv;
  const name = first === 'data' ? `data ${second ?? ''}`.trim() : first;
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return first === undefined ? EXIT.usage : EXIT.ok;
    }
    process.stderr.write(`mmaux: unknown command "${name}".\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  const args = argv.slice(command.name.split(' ').length);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${command.help}\n`);
    return EXIT.ok;
  }
  try {
    await command.run(args, ctx);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    // Whatever stopped the work after Ctrl-C (an aborted extraction, say) is the interruption.
    const code = controller.signal.aborted ? EXIT.interrupted : exitCodeOf(err);
    const message = err instanceof Error ? err.message : String(err);
    if (wantsJson) process.stdout.write(`${JSON.stringify({ error: { code: (err as { code?: string }).code ?? 'FAILED', message } })}\n`);
    process.stderr.write(`mmaux ${command.name}: ${message}\n`);
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
