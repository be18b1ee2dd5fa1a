import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

// Vega's warnings (e.g. about empty data) would go to the console of whoever runs `mmaux report`;
// errors still throw.
const quiet = vega.logger(vega.Error);

/**
 * Makes the ids inside one SVG unique on the page and independent of render history: vega
 * numbers gradients and clip paths with process-wide counters (`gradient_3`), so the same chart
 * rendered twice would differ, and two charts on one page could share an id.
 */
function renameIds(svg: string, prefix: string): string {
  const ids = new Map<string, string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) {
    if (!ids.has(m[1]!)) ids.set(m[1]!, `${prefix}-${ids.size}`);
  }
  if (ids.size === 0) return svg;
  const rename = (id: string): string => ids.get(id) ?? id;
  return svg.replace(/(\sid=")([^"]+)(")|url\(#([^)]+)\)|(href=")#([^"]+)(")/g, (all, a, id, b, urlId, h, hrefId, c) => {
    if (id !== undefined) return `${a}${rename(id)}${b}`;
    if (urlId !== undefined) return `url(#${rename(urlId)})`;
    if (hrefId !== undefined) return `${h}#${rename(hrefId)}${c}`;
    return all;
  });
}

/**
 * Renders a Vega-Lite spec to an SVG string, headless (no DOM, no canvas, nothing fetched).
 *
 * @param spec - a Vega-Lite spec with inline data
 * @param idPrefix - prefix for the SVG's element ids, unique per chart on a page (e.g. `plot-2`)
 * @returns the `<svg>…</svg>` markup, the same for the same spec and prefix
 */
export async function renderVegaLite(spec: TopLevelSpec, idPrefix: string): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec, { logger: quiet }).spec), { renderer: 'none', logLevel: vega.Error });
  try {
    return renameIds(await view.toSVG(), idPrefix);
  } finally {
    view.finalize();
  }
}
