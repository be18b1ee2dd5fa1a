import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { blankImage, encodePng } from '@mmaux/datasets';

/** 20 posts without image files (blank images), with two repeated texts. */
export function childPosts(): Array<{ id: string; text: string; imagePath: string | null }> {
  return Array.from({ length: 20 }, (_, i) => ({ id: `p${i}`, text: `post ${i % 18} says ${['hi', 'bye', 'meh'][i % 3]}`, imagePath: null }));
}

/** Posts with small PNG files of different colours in `dir` (some without an image). */
export async function postsWithImages(dir: string, n: number): Promise<Array<{ id: string; text: string; imagePath: string | null; blankImage?: boolean }>> {
  mkdirSync(dir, { recursive: true });
  const posts = [];
  for (let i = 0; i < n; i++) {
    let imagePath: string | null = null;
    if (i % 5 !== 4) {
      imagePath = join(dir, `img-${i}.png`);
      writeFileSync(imagePath, await encodePng(blankImage(12 + i, 10, [(i * 37) % 256, (i * 91) % 256, (i * 53) % 256])));
    }
    posts.push({ id: `post-${i}`, text: `text of post ${i} ${i % 2 ? '#happy' : '@someone'}`, imagePath, ...(imagePath ? {} : { blankImage: true }) });
  }
  return posts;
}
