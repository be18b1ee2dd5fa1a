import { type Dirent, lstatSync, readdirSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, normalize, resolve, sep } from 'node:path';
import { MmauxDatasetError } from './errors.js';

/** @internal Is `child` inside `parent` or equal to it (both absolute and normalised)? */
export function isInside(child: string, parent: string): boolean {
  if (child === parent) return true;
  const prefix = parent.endsWith(sep) ? parent : parent + sep;
  return child.startsWith(prefix);
}

type EntryKind = 'file' | 'symlink' | 'other';

/** The outcome of looking up one image path ({@link createImagePathResolver}). */
export type ImageLookup =
  | { ok: true; path: string }
  | { ok: false; problem: 'missing-image' | 'image-escapes-root'; detail: string };

/**
 * @internal Finds image files cheaply (one `readdir` per folder, `realpath` only for symlinks
 * and once per folder) and refuses paths that leave the allowed roots: `../` segments, absolute
 * paths elsewhere, a symlinked file or folder whose target is outside. Nothing is opened or
 * decoded.
 */
export class ImageResolver {
  private readonly roots: string[];
  private readonly realRoots: string[];
  private readonly realDirs = new Map<string, string | null>();
  private readonly listings = new Map<string, Map<string, EntryKind> | null>();

  /**
   * @param roots - folders images may live in (absolute); their real paths are allowed too
   * @param check - `false`: only the path check, no file system access per image
   */
  constructor(
    roots: string[],
    private readonly check: boolean,
  ) {
    this.roots = roots.map((r) => resolve(r));
    this.realRoots = this.roots.map((r) => {
      try {
        return realpathSync(r);
      } catch {
        return r;
      }
    });
  }

  /** The first root, for messages. */
  get root(): string {
    return this.roots[0]!;
  }

  private inRoots(p: string, roots: string[]): boolean {
    return roots.some((r) => isInside(p, r));
  }

  private realDir(dir: string): string | null {
    let real = this.realDirs.get(dir);
    if (real === undefined) {
      try {
        real = realpathSync(dir);
      } catch {
        real = null;
      }
      this.realDirs.set(dir, real);
    }
    return real;
  }

  /**
   * What `p` is, without following a symlink, or undefined when it does not exist. One
   * `readdir` per folder answers for all its files (much cheaper than one `lstat` each); a
   * name not listed is confirmed with `lstat`, for case-insensitive file systems.
   */
  private kind(p: string): EntryKind | undefined {
    const dir = dirname(p);
    let listing = this.listings.get(dir);
    if (listing === undefined) {
      let entries: Dirent[] | null;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        entries = null;
      }
      listing = entries === null ? null : new Map(entries.map((e) => [e.name, e.isFile() ? 'file' : e.isSymbolicLink() ? 'symlink' : 'other']));
      this.listings.set(dir, listing);
    }
    const listed = listing?.get(basename(p));
    if (listed !== undefined) return listed;
    const st = lstatSync(p, { throwIfNoEntry: false });
    if (st === undefined) return undefined;
    return st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : 'other';
  }

  /**
   * Looks up the candidates in order (e.g. `T123.jpg`, then `T123.png`); the first that exists
   * wins. A candidate that escapes the roots stops the search.
   */
  lookup(candidates: readonly string[]): ImageLookup {
    const tried: string[] = [];
    for (const candidate of candidates) {
      const p = isAbsolute(candidate) ? normalize(candidate) : resolve(candidate);
      if (!this.inRoots(p, this.roots)) {
        return { ok: false, problem: 'image-escapes-root', detail: `${candidate} is outside ${this.root}` };
      }
      if (!this.check) return { ok: true, path: p };
      tried.push(p);
      const kind = this.kind(p);
      if (kind === undefined) continue;
      let real: string | null;
      if (kind === 'symlink') {
        try {
          real = realpathSync(p);
        } catch {
          return { ok: false, problem: 'missing-image', detail: `${p} is a broken symbolic link` };
        }
      } else {
        const dir = this.realDir(dirname(p));
        real = dir === null ? null : (dir.endsWith(sep) ? dir : dir + sep) + basename(p);
      }
      if (real === null || !this.inRoots(real, this.realRoots)) {
        return { ok: false, problem: 'image-escapes-root', detail: `${p} resolves to ${real ?? 'an unreadable folder'}, outside ${this.root}` };
      }
      if (kind === 'symlink' ? !safeIsFile(real) : kind !== 'file') {
        return { ok: false, problem: 'missing-image', detail: `${p} is not a file` };
      }
      return { ok: true, path: p };
    }
    return {
      ok: false,
      problem: 'missing-image',
      detail: tried.length === 1 ? `${tried[0]} does not exist` : `none of ${tried.join(', ')} exists`,
    };
  }
}

function safeIsFile(p: string): boolean {
  return lstatSync(p, { throwIfNoEntry: false })?.isFile() ?? false;
}

/** Options of {@link createImagePathResolver}. */
export interface ImagePathResolverOptions {
  /**
   * Also check (with `lstat`) that the file exists and is a file; `false` checks the path only.
   * @defaultValue true
   */
  checkFiles?: boolean;
}

/**
 * The rule {@link loadDataset} applies to every image path, for anything else that reads image
 * paths from a file it did not write (posts to classify, say): a path is refused when `../`
 * takes it out of the roots, when it is absolute and elsewhere, or when it or a folder on the
 * way is a symbolic link whose target is elsewhere. Only `readdir`, `lstat` and `realpath` are
 * used, so a refused file is never opened. The roots' own real paths are allowed too.
 *
 * @param roots - folders the images may be in (absolute, or relative to the working directory)
 * @param options - `checkFiles` (default true)
 * @returns `lookup(path)` (a path absolute or relative to the working directory):
 *   `{ ok: true, path }` with the absolute path, or `{ ok: false, problem: 'missing-image' |
 *   'image-escapes-root', detail }` saying why
 *
 * @example
 * ```ts
 * const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mmaux-doc-'));
 * fs.mkdirSync(path.join(dir, 'images'));
 * fs.writeFileSync(path.join(dir, 'images', 'a.png'), 'x');
 * fs.writeFileSync(path.join(dir, 'secret.txt'), 'x');
 * fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(dir, 'images', 'link.png'));
 * const lookup = createImagePathResolver([path.join(dir, 'images')]);
 * lookup(path.join(dir, 'images', 'a.png')).ok; // true
 * lookup(path.join(dir, 'images', '..', 'secret.txt')).problem; // "image-escapes-root"
 * lookup(path.join(dir, 'images', 'link.png')).problem; // "image-escapes-root"
 * lookup(path.join(dir, 'images', 'b.png')).problem; // "missing-image"
 * fs.rmSync(dir, { recursive: true });
 * ```
 */
export function createImagePathResolver(roots: readonly string[], options: ImagePathResolverOptions = {}): (path: string) => ImageLookup {
  if (!Array.isArray(roots) || roots.length === 0 || roots.some((r) => typeof r !== 'string' || r === '')) {
    throw new MmauxDatasetError('INVALID_OPTION', `createImagePathResolver: roots must be a non-empty array of folder paths, got ${JSON.stringify(roots)}.`);
  }
  if (options.checkFiles !== undefined && typeof options.checkFiles !== 'boolean') {
    throw new MmauxDatasetError('INVALID_OPTION', `createImagePathResolver: checkFiles must be true or false, got ${JSON.stringify(options.checkFiles)}.`);
  }
  const resolver = new ImageResolver([...roots], options.checkFiles ?? true);
  return (path) => resolver.lookup([path]);
}
