// Type-checked against the CommonJS declaration file (dist/index.d.cts).
import datasets = require('@mmaux/datasets');

const options: datasets.LoadDatasetOptions = { textFile: 'texts.jsonl', imageDir: 'spc_imgs_twitter' };
const loaded: Promise<datasets.LoadedDataset> = datasets.loadDataset('micd', '/data/micd', options);
const text: string = datasets.normalizeTweet('@user hi');
const reasons: datasets.SkipReason = 'duplicate-id';
// @ts-expect-error split names are train, val and test
const bad: datasets.Split = 'dev';
export = { loaded, text, reasons, bad };
