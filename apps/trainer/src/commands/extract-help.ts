// `mmaux extract`'s name, summary and help: read by `mmaux --help` without loading the command.
import { runSettingsHelpFor } from '../settings-help.js';
import type { CommandInfo } from './context.js';

export const EXTRACT_INFO: CommandInfo = {
  name: 'extract',
  summary: 'encode a data set into the feature cache (resumable, with progress)',
  help: `Usage: mmaux extract [--config FILE] --dataset NAME [--data PATH] [--text-encoder SPEC] [--image-encoder SPEC] [--cache-dir DIR] [--cache-dtype float32|float16] [--patch-grid N] [--json]

Runs the text and image encoders over every post of the data set and stores the features in
the cache (keyed by encoder id and input content), so training never encodes again. What is
cached already is skipped; an interrupted extraction continues where it stopped. A post whose
image cannot be decoded is skipped (--on-bad-image blank: encoded with a blank image) and
listed, one line per reason on stderr and every post in --json ("skipped"); fix the file and
run again to encode just it. --strict stops at the first one. Every run setting is accepted
(mmaux train --help lists them); these decide what is extracted:

${runSettingsHelpFor(['dataset', 'data', 'task', 'size', 'textFile', 'textEncoder', 'imageEncoder', 'maxLength', 'cacheDir', 'cacheDtype', 'patchGrid', 'onBadImage', 'strict'])}

Examples:
  mmaux extract --dataset synthetic --task sentiment
  mmaux extract --dataset mvsa-single --data ~/data/MVSA_Single --text-encoder hf:Xenova/bert-base-uncased --image-encoder hf:Xenova/vit-base-patch16-224-in21k --cache-dtype float16 --patch-grid 7`,
};
