// Words, colours and templates of the synthetic posts. Everything that differs between classes
// is a *factor* (object, context thing, tone); templates, paraphrases, distractors, positions,
// sizes, textures and noise are drawn independently of the class.
import type { SyntheticItemKind, SyntheticTexture } from './scene.js';

/** @internal Main-object shapes of the relation task, with the words a text may use. */
export const SHAPES: ReadonlyArray<{ kind: SyntheticItemKind; words: readonly string[] }> = [
  { kind: 'circle', words: ['circle', 'round disc', 'ball'] },
  { kind: 'square', words: ['square', 'block'] },
  { kind: 'triangle', words: ['triangle', 'three-cornered shape'] },
  { kind: 'star', words: ['star', 'five-pointed star'] },
  { kind: 'diamond', words: ['diamond', 'rhombus'] },
  { kind: 'hexagon', words: ['hexagon', 'six-sided tile'] },
];

/** @internal Main-object colours of the relation task. */
export const COLOURS: ReadonlyArray<{ name: string; hex: string; words: readonly string[] }> = [
  { name: 'red', hex: '#d62728', words: ['red', 'crimson', 'bright red'] },
  { name: 'blue', hex: '#1f5fd6', words: ['blue', 'royal blue', 'cobalt'] },
  { name: 'green', hex: '#2a9d3a', words: ['green', 'emerald', 'grass-green'] },
  { name: 'yellow', hex: '#f2c20f', words: ['yellow', 'golden', 'lemon'] },
  { name: 'purple', hex: '#8e44ad', words: ['purple', 'violet', 'plum'] },
  { name: 'orange', hex: '#f57c00', words: ['orange', 'tangerine', 'amber'] },
];

/** @internal Context things of the relation task, their colour and the phrases naming them. */
export const CONTEXTS: ReadonlyArray<{ kind: SyntheticItemKind; hex: string; words: readonly string[] }> = [
  { kind: 'tree', hex: '#3f8f3a', words: ['a tree', 'the old tree', 'some trees'] },
  { kind: 'sun', hex: '#f5b700', words: ['the sun', 'the sunshine', 'a sunny sky'] },
  { kind: 'house', hex: '#c9a47e', words: ['a house', 'our house', 'the cabin'] },
  { kind: 'cloud', hex: '#9aa5b1', words: ['a cloud', 'the clouds', 'a grey cloud'] },
  { kind: 'moon', hex: '#c9a93a', words: ['the moon', 'a crescent moon', 'moonlight'] },
  { kind: 'flower', hex: '#e05d9c', words: ['a flower', 'some flowers', 'the blossoms'] },
];

/** @internal Relation templates: `{obj}` = "a red circle", `{ctx}` = "a tree". */
export const RELATION_TEMPLATES: ReadonlyArray<{ id: string; text: string }> = [
  { id: 'next-to', text: '{obj} next to {ctx}' },
  { id: 'look', text: 'look at this: {obj} and {ctx}' },
  { id: 'spotted', text: 'spotted {obj} near {ctx}' },
  { id: 'in-front', text: '{ctx} with {obj} in front' },
  { id: 'there-is', text: 'there is {obj} right by {ctx}' },
  { id: 'background', text: '{obj}, {ctx} in the background' },
  { id: 'found', text: 'found {obj} under {ctx} this morning' },
  { id: 'my', text: 'my new picture: {obj} beside {ctx}' },
];

/** @internal Tones. */
export type Tone = 'positive' | 'neutral' | 'negative';

/** @internal What posts in the sentiment and sarcasm tasks talk about. */
export const SUBJECTS: ReadonlyArray<{ phrase: string; noun: string }> = [
  { phrase: 'the weather', noun: 'weather' },
  { phrase: 'my day', noun: 'day' },
  { phrase: 'this morning', noun: 'morning' },
  { phrase: 'the trip', noun: 'trip' },
  { phrase: 'lunch', noun: 'lunch' },
  { phrase: 'the game', noun: 'game' },
  { phrase: 'the concert', noun: 'concert' },
  { phrase: 'work today', noun: 'shift' },
  { phrase: 'the view', noun: 'view' },
  { phrase: 'the new phone', noun: 'phone' },
];

/** @internal Sentiment templates by text tone: `{subj}` = "the weather", `{noun}` = "weather". */
export const SENTIMENT_TEMPLATES: Readonly<Record<Tone, ReadonlyArray<{ id: string; text: string }>>> = {
  positive: [
    { id: 'pos-amazing', text: '{subj} is amazing' },
    { id: 'pos-love', text: 'love {subj} so much' },
    { id: 'pos-best', text: 'best {noun} ever' },
    { id: 'pos-happy', text: 'so happy about {subj}' },
    { id: 'pos-smile', text: '{subj} made me smile' },
    { id: 'pos-wonderful', text: 'what a wonderful {noun}' },
  ],
  neutral: [
    { id: 'neu-at', text: '{subj} at 5pm' },
    { id: 'neu-here', text: 'here is {subj}' },
    { id: 'neu-picture', text: 'a picture of {subj}' },
    { id: 'neu-update', text: 'quick update on {subj}' },
    { id: 'neu-taken', text: 'taken during {subj}' },
    { id: 'neu-posting', text: 'posting about {subj}' },
  ],
  negative: [
    { id: 'neg-awful', text: '{subj} is awful' },
    { id: 'neg-hate', text: 'hate {subj} so much' },
    { id: 'neg-worst', text: 'worst {noun} ever' },
    { id: 'neg-sad', text: 'so sad about {subj}' },
    { id: 'neg-ruined', text: '{subj} ruined everything' },
    { id: 'neg-terrible', text: 'what a terrible {noun}' },
  ],
};

/** @internal Sarcasm templates by wording (positive or negative). */
export const SARCASM_TEMPLATES: Readonly<Record<'positive' | 'negative', ReadonlyArray<{ id: string; text: string }>>> = {
  positive: [
    { id: 'pos-love', text: 'just love {subj}' },
    { id: 'pos-beautiful', text: 'what a beautiful {noun}' },
    { id: 'pos-best', text: 'best {noun} of my life' },
    { id: 'pos-lucky', text: 'so lucky with {subj}' },
    { id: 'pos-perfect', text: '{subj} is just perfect' },
    { id: 'pos-cant-wait', text: "can't wait for more of {subj}" },
  ],
  negative: [
    { id: 'neg-hate', text: 'just hate {subj}' },
    { id: 'neg-ugly', text: 'what an ugly {noun}' },
    { id: 'neg-worst', text: 'worst {noun} of my life' },
    { id: 'neg-unlucky', text: 'so unlucky with {subj}' },
    { id: 'neg-terrible', text: '{subj} is just terrible' },
    { id: 'neg-never', text: 'never again, {subj}' },
  ],
};

/** @internal Tone words added to a polar text (counted as part of its tone). */
export const TONE_EMOJI: Readonly<Record<'positive' | 'negative', readonly string[]>> = {
  positive: ['😍', '😊', '🎉', ':)', '!!'],
  negative: ['😡', '😢', '👎', ':(', '...'],
};

/** @internal Label-free words around a text: openers and closers (handles, hashtags, links). */
export const OPENERS: readonly string[] = ['', '', '', 'ok, ', 'today: ', '@sam ', 'RT @citynews: ', 'update: ', 'well, '];
/** @internal Label-free closers. */
export const CLOSERS: readonly string[] = ['', '', '', ' #monday', ' #weekend', ' #nofilter', ' via @maria', ' (pic from yesterday)', ' https://t.co/'];

/** @internal Light backgrounds for the relation task (label-free). */
export const PASTELS: readonly string[] = ['#f4efe6', '#e8f0f7', '#eef6ea', '#f7eaf0', '#f0f0f0', '#f6f1dc', '#e9e6f5'];

/** @internal Backgrounds and motifs that carry an image's tone. */
export const TONE_LOOK: Readonly<Record<Tone, { backgrounds: readonly string[]; motifs: ReadonlyArray<{ kind: SyntheticItemKind; hex: string }> }>> = {
  positive: {
    backgrounds: ['#fff1bf', '#ffdcae', '#ffd3e1', '#d9f7c9'],
    motifs: [
      { kind: 'face-smile', hex: '#ffd23f' },
      { kind: 'sun', hex: '#ffb300' },
      { kind: 'heart', hex: '#e8315b' },
    ],
  },
  neutral: {
    backgrounds: ['#e3e3e3', '#e9e3d6', '#dde5e0', '#dcdfe6'],
    motifs: [
      { kind: 'face-flat', hex: '#d7d2c8' },
      { kind: 'cloud', hex: '#a9b2bc' },
      { kind: 'box', hex: '#c8a97e' },
    ],
  },
  negative: {
    backgrounds: ['#4b5563', '#3b4a5e', '#5d5a6e', '#44505a'],
    motifs: [
      { kind: 'face-frown', hex: '#8fb3d9' },
      { kind: 'rain-cloud', hex: '#7b8794' },
      { kind: 'broken-heart', hex: '#7a1f2b' },
    ],
  },
};

/** @internal Textures (label-free). */
export const TEXTURES: readonly SyntheticTexture[] = ['plain', 'stripes', 'dots', 'grid', 'waves'];
