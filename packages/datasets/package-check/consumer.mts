// Type-checked against the ESM declaration file (dist/index.d.ts).
import {
  type DatasetName,
  type ImageValidation,
  type LoadDatasetOptions,
  type LoadedDataset,
  type LoadReport,
  loadDataset,
  type Post,
  seededSplit,
  type Split,
  validateImages,
  createImagePathResolver,
  type ImageLookup,
} from '@mmaux/datasets';

const name: DatasetName = 'mvsa-single';
const options: LoadDatasetOptions = { seed: 3, onBadImage: 'blank', strict: false, normalizeText: true };
const loaded: Promise<LoadedDataset> = loadDataset(name, '/data/MVSA_Single', options);
const report: Promise<LoadReport> = loaded.then((d) => d.report);
const post: Post = { id: '1', text: 'hi', imagePath: null, label: 0, split: 'train', blankImage: true };
const splits: Split[] = seededSplit([{ id: 'a', label: 0 }], { seed: 1 });
const check: Promise<ImageValidation> = validateImages([post], { decode: 'full' });
const lookup: ImageLookup = createImagePathResolver(['/data/images'])('/data/images/1.jpg');
const problems: Promise<string[]> = loaded.then((d) => d.report.problemRows.map((r) => `${r.outcome} ${r.reason} ${r.id}`));
// @ts-expect-error onBadImage is a closed union
loadDataset('tir', '/data/tir', { onBadImage: 'ignore' });
// @ts-expect-error the data set names are a closed union
loadDataset('mvsa', '/data/mvsa');
export { report, splits, check, lookup, problems };
