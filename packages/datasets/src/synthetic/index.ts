// Synthetic posts whose labels need both modalities (the embedded default data set).
export { generateSyntheticDataset } from './generate-dataset.js';
export type { SyntheticDatasetOptions, SyntheticDatasetResult } from './generate-dataset.js';
export { generateSyntheticPosts } from './generate-posts.js';
export type { SyntheticPlan, SyntheticPost, SyntheticPostsOptions, SyntheticSplit } from './generate-posts.js';
export { renderSyntheticImage } from './render-image.js';
export { sceneToSvg } from './scene.js';
export type { SyntheticItem, SyntheticItemKind, SyntheticScene, SyntheticTexture } from './scene.js';
export { SYNTHETIC_TASKS } from './tasks.js';
export type { SyntheticTask, SyntheticTaskInfo } from './tasks.js';
