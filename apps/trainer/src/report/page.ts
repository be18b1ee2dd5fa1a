import { escapeHtml } from './html.js';

// Inline CSS only: the report must open from disk, offline, with nothing fetched.
const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; margin: 0 auto; padding: 1.5rem; max-width: 1100px; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid #d0d7de; padding-bottom: .25rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; }
.subtitle { color: #59636e; margin: 0 0 1rem; }
.notice { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; padding: .5rem .75rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #d0d7de; padding: .25rem .6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
.center { text-align: center; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
dl.summary { display: grid; grid-template-columns: max-content max-content; gap: .2rem 1.5rem; }
dl.summary dt { color: #59636e; }
dl.summary dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; overflow-x: auto; }
figcaption { color: #59636e; font-size: .9rem; }
details { margin: .5rem 0; }
summary { cursor: pointer; }
pre { background: #f6f8fa; padding: .75rem; border-radius: 6px; overflow-x: auto; font-size: 12px; }
code { background: #f6f8fa; padding: 0 .2rem; border-radius: 3px; }
`;

/**
 * A complete HTML document: UTF-8, the inline stylesheet, and nothing loaded from elsewhere.
 *
 * @param title - the document title (escaped here)
 * @param body - the body's HTML, as given
 * @returns the page
 */
export function htmlPage(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
