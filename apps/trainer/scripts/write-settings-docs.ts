// pnpm run docs: rewrites the settings tables of README.md from src/settings.ts, the table that
// `mmaux train --help` prints. test/cli-help.test.ts fails while the README differs from it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/files.js';
import { withSettingsSection } from '../src/settings-markdown.js';

const readme = fileURLToPath(new URL('../README.md', import.meta.url));
const before = readFileSync(readme, 'utf8');
const after = withSettingsSection(before);
if (after === before) {
  console.log(`${readme}: the settings tables are up to date`);
} else {
  await writeFileAtomic(readme, after);
  console.log(`${readme}: settings tables rewritten`);
}
