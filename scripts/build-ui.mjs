// Bundles the service map page (ui/) into dist/ui/: one minified script, its stylesheet and the HTML, which the
// server reads at start-up and serves itself (no CDN, no network). Reports the script's gzipped size.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** Builds the page into `out` (default dist/ui) and returns the script's gzipped size in bytes. */
export async function buildUi(out = join(root, 'dist', 'ui')) {
  mkdirSync(out, { recursive: true })
  await build({
    entryPoints: [join(root, 'ui', 'main.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    outfile: join(out, 'app.js'),
    logLevel: 'warning',
  })
  await build({
    entryPoints: [join(root, 'ui', 'styles.css')],
    bundle: true,
    minify: true,
    outfile: join(out, 'app.css'),
    logLevel: 'warning',
  })
  copyFileSync(join(root, 'ui', 'index.html'), join(out, 'index.html'))
  return gzipSync(readFileSync(join(out, 'app.js'))).length
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const gzipped = await buildUi()
  console.log(`ui: dist/ui/app.js ${(gzipped / 1024).toFixed(1)} KiB gzipped`)
}
