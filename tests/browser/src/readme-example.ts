// The page script a package's README shows under "## In the browser": the first ```ts block
// there, and what it says it prints (`// prints …` at the end of a line).

/** A README's browser example. */
export interface ReadmeExample {
  code: string;
  /** The `// prints …` comments, in order: the console.log lines the page must print. */
  prints: string[];
}

/**
 * Finds the example in `markdown`.
 *
 * @param source - where the markdown comes from, for the error message
 * @throws Error naming `source` when there is no "## In the browser" section, no ```ts block in
 *   it, or no `// prints` line in the block
 */
export function readmeBrowserExample(markdown: string, source: string): ReadmeExample {
  const section = /^## In the browser\s*$([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(markdown)?.[1];
  if (section === undefined) throw new Error(`${source} has no "## In the browser" section`);
  const code = /^```ts\n([\s\S]*?)^```$/m.exec(section)?.[1];
  if (code === undefined) throw new Error(`${source}: its "## In the browser" section has no \`\`\`ts block`);
  const prints = [...code.matchAll(/\/\/ prints (.*)$/gm)].map((m) => (m[1] as string).trim());
  if (prints.length === 0) throw new Error(`${source}: the browser example has no "// prints …" line to check`);
  return { code, prints };
}
