import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

/** The page's assets, built once per server. */
export interface PageBundle {
  readonly js: string;
  readonly css: string;
}

/**
 * Budget of the page's JavaScript, minified (bytes): uPlot is ~51 KB of it; the page's own code
 * must stay small enough that the whole loads at once on a slow link (ungzipped).
 */
export const JS_BUDGET_BYTES = 90_000;

const webDir = join(import.meta.dirname, '..', 'web');

/**
 * Bundle the page (web/main.ts with uPlot and the stylesheets) with esbuild, in memory: nothing
 * is fetched from elsewhere at run time, so the page works offline.
 */
export async function bundlePage(): Promise<PageBundle> {
  // uPlot's notice is a plain comment, which minifying drops: its MIT licence asks that the
  // copyright and permission notice go with every copy, so the bundle starts with its LICENSE.
  const uplotDir = join(dirname(createRequire(import.meta.url).resolve('uplot')), '..');
  const licence = readFileSync(join(uplotDir, 'LICENSE'), 'utf8').trim().replaceAll('*/', '* /');
  const result = await build({
    banner: { js: `/*! uPlot (bundled): ${licence} */` },
    entryPoints: [join(webDir, 'main.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2022'],
    write: false,
    outdir: 'out',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'))?.text ?? '';
  const css = result.outputFiles.find((f) => f.path.endsWith('.css'))?.text ?? '';
  return { js, css };
}

/** The HTML shell: the views are filled by the script. */
export function pageHtml(title: string): string {
  const safe = title.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>streamlens · ${safe}</title>
<link rel="stylesheet" href="/app.css">
</head>
<body>
<header>
  <h1>streamlens <span id="source">${safe}</span></h1>
  <nav role="tablist" aria-label="Views">
    <button role="tab" id="tab-series" aria-controls="view-series" aria-selected="true">Series</button>
    <button role="tab" id="tab-alerts" aria-controls="view-alerts" aria-selected="false" tabindex="-1">Alerts <span id="alert-count" class="badge">0</span></button>
    <button role="tab" id="tab-pipeline" aria-controls="view-pipeline" aria-selected="false" tabindex="-1">Pipeline</button>
  </nav>
  <p id="status" role="status" aria-live="polite">connecting…</p>
</header>
<main>
  <section id="view-series" role="tabpanel" aria-labelledby="tab-series"></section>
  <section id="view-alerts" role="tabpanel" aria-labelledby="tab-alerts" hidden></section>
  <section id="view-pipeline" role="tabpanel" aria-labelledby="tab-pipeline" hidden></section>
</main>
<script src="/app.js"></script>
</body>
</html>
`;
}
