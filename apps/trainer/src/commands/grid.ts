import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MmauxTrainerError } from '../errors.js';
import { parseFlags, readConfigFile } from '../flags.js';
import { type GridConfig, resolveGridConfig, runGrid } from '../grid.js';
import { enqueueStudy } from '../queue/enqueue-study.js';
import { openQueue } from '../queue/open-queue.js';
import { parseRedisUrl } from '../queue/redis-url.js';
import { formatStudyStatus, type StudyStatus, studyStatus } from '../queue/study-status.js';
import { readJsonObject } from '../read-files.js';
import { GRID_FILES, type GridResults } from '../run-files.js';
import type { Command, CommandContext } from './context.js';
import { DEMO_INFO, GRID_INFO } from './grid-help.js';
import { positiveFlag } from './worker.js';

function printResults(ctx: CommandContext, grid: GridConfig, results: GridResults): void {
  if (ctx.json) {
    ctx.printJson({ out: resolve(grid.out), ...results });
    return;
  }
  ctx.print(`${results.markdown}\n\nGrid directory: ${resolve(grid.out)} (report: ${join(resolve(grid.out), GRID_FILES.report)})`);
}

export const gridCommand: Command = {
  ...GRID_INFO,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(
      'grid',
      args,
      { out: { type: 'string' }, queue: { type: 'string' }, wait: { type: 'boolean' }, 'shard-posts': { type: 'string' }, attempts: { type: 'string' } },
      2,
    );
    const status = positionals[0] === 'status';
    const file = positionals[status ? 1 : 0];
    if (file === undefined) throw new MmauxTrainerError('BAD_CONFIG', `mmaux grid${status ? ' status' : ''}: give the grid config file (YAML or JSON); see mmaux grid --help.`);
    if (!status && positionals.length > 1) throw new MmauxTrainerError('BAD_CONFIG', `mmaux grid: unexpected argument "${positionals[1]}"; see mmaux grid --help.`);
    const raw = readConfigFile(file);
    if (typeof values.out === 'string') raw.out = values.out;
    const grid = resolveGridConfig(raw, file);
    if (typeof values.queue !== 'string') {
      if (status || values.wait) throw new MmauxTrainerError('BAD_CONFIG', `mmaux grid: ${status ? 'status' : '--wait'} needs --queue URL (the queue the study was enqueued on).`);
      printResults(ctx, grid, await runGrid(grid, { log: ctx.log, signal: ctx.signal, where: file }));
      return;
    }
    const target = parseRedisUrl(values.queue);
    const queue = await openQueue(target);
    try {
      if (status) {
        const s = await studyStatus(grid, queue, target.redacted, file);
        if (ctx.json) ctx.printJson(s);
        else ctx.print(formatStudyStatus(s));
        return;
      }
      const attempts = positiveFlag('grid', 'attempts', values.attempts, 3, true);
      const summary = await enqueueStudy(grid, { root: process.cwd(), target, queue, log: ctx.log, where: file, shardPosts: positiveFlag('grid', 'shard-posts', values['shard-posts'], 2000, true), attempts });
      ctx.log.info(
        summary.state === 'running'
          ? `study ${summary.study} is already on ${target.redacted} and not finished; nothing added (mmaux grid status ${file} --queue … shows it).`
          : `queued study ${summary.study} on ${target.redacted}: ${summary.runs} run(s) (${summary.finished} finished before), ${summary.extractJobs} extraction job(s); start workers with mmaux worker --queue URL --root ${process.cwd()}.`,
      );
      if (!values.wait) {
        if (ctx.json) ctx.printJson(summary);
        return;
      }
      const final = await waitForTables(grid, queue, target.redacted, file, ctx);
      if (final.tables !== 'completed') throw new MmauxTrainerError('TRAINING_FAILED', `the tables job of study ${final.study} ${final.tables}; see mmaux grid status ${file} --queue ….`);
      printResults(ctx, grid, (await readJsonObject('mmaux grid', join(resolve(grid.out), GRID_FILES.results))) as unknown as GridResults);
      if (final.failed.length > 0) {
        ctx.log.warn(`${final.failed.length} job(s) failed: ${final.failed.map((j) => `${j.job}: ${j.error}`).join('; ')}`);
        process.exitCode = 1;
      }
    } finally {
      await queue.close();
    }
  },
};

/** Polls the study until its tables job ended (or Ctrl-C), showing runs done as progress. */
async function waitForTables(grid: GridConfig, queue: Awaited<ReturnType<typeof openQueue>>, redacted: string, file: string, ctx: CommandContext): Promise<StudyStatus> {
  let bar: ReturnType<CommandContext['log']['bar']> | undefined;
  for (;;) {
    const s = await studyStatus(grid, queue, redacted, file);
    bar ??= ctx.log.bar('runs', s.runs.total);
    bar.update(s.runs.done + s.runs.failed, `${s.runs.active} active, ${s.runs.failed} failed`);
    if (s.tables === 'completed' || s.tables === 'failed' || s.tables === 'absent') {
      bar.done();
      return s;
    }
    if (ctx.signal.aborted) throw new MmauxTrainerError('INTERRUPTED', `stopped waiting; the study stays on the queue (mmaux grid status ${file} --queue …).`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * The demo: the paper's four settings of one model on a synthetic task, three seeds, offline.
 * The default task is sarcasm, whose label needs both modalities (either one alone is at chance)
 * and which the built-in encoders' features can solve; relation (TIR-like) needs object identity
 * across modalities, which those features do not carry well (it stays near chance), so it is an
 * option for pretrained encoders.
 */
export function demoGrid(out: string, task = 'sarcasm'): Record<string, unknown> {
  return {
    datasets: [{ dataset: 'synthetic', task, size: 400 }],
    models: ['attention'],
    settings: ['base', '+C', '+M', '+C+M'],
    seeds: [1, 2, 3],
    epochs: 15,
    hiddenDim: 128,
    cacheDir: join(out, 'features'),
    out,
  };
}

export const demoCommand: Command = {
  ...DEMO_INFO,
  async run(args, ctx) {
    const { values } = parseFlags('demo', args, { out: { type: 'string' }, task: { type: 'string' }, force: { type: 'boolean' } });
    const out = typeof values.out === 'string' ? values.out : join('.mmaux', 'demo');
    if (values.force) await rm(resolve(out), { recursive: true, force: true });
    const grid = resolveGridConfig(demoGrid(out, typeof values.task === 'string' ? values.task : undefined), 'mmaux demo');
    printResults(ctx, grid, await runGrid(grid, { log: ctx.log, signal: ctx.signal, where: 'mmaux demo' }));
  },
};
