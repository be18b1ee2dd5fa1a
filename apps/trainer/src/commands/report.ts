import { MmauxTrainerError } from '../errors.js';
import { parseFlags } from '../flags.js';
import { writeReport } from '../report/index.js';
import type { Command } from './context.js';
import { REPORT_INFO } from './report-help.js';

export const reportCommand: Command = {
  ...REPORT_INFO,
  async run(args, ctx) {
    const { positionals } = parseFlags('report', args, {}, 1);
    const dir = positionals[0];
    if (dir === undefined) throw new MmauxTrainerError('BAD_CONFIG', 'mmaux report: give a run or grid directory; see mmaux report --help.');
    const file = await writeReport(dir);
    if (ctx.json) ctx.printJson({ report: file });
    else ctx.print(`report written to ${file}`);
  },
};
