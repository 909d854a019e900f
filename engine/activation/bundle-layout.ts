// The rule that tells what a `--bundle <path>` holds:
//   - a file is one bundle archive (.tar.gz);
//   - a folder with a bundle marker at its top (.manifest, .signatures.json, policy.wasm, data.json, data.yaml or
//     data.yml) is one unpacked bundle, as `opa build` lays it out;
//   - any other folder is a folder of bundles: each `<name>.tar.gz` / `<name>.tgz` file and each `<name>/`
//     sub-folder directly inside it is the bundle `<name>`. Entries whose names start with "." (editor and
//     download temporaries, Kubernetes' ..data links) and other files are ignored.
// The kind is decided once, at start; later changes only add, replace or remove bundles of that kind.
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'

export type BundleLayout = 'archive' | 'bundle-folder' | 'folder-of-bundles'

export const BUNDLE_MARKERS: readonly string[] = [
  '.manifest',
  '.signatures.json',
  'policy.wasm',
  'data.json',
  'data.yaml',
  'data.yml',
]

const ARCHIVE = /^(.+)\.(tar\.gz|tgz)$/

/** Decides the layout of `path`; throws (ENOENT and the like) when it cannot be read. */
export async function detectLayout(path: string): Promise<BundleLayout> {
  const info = await stat(path)
  if (!info.isDirectory()) return 'archive'
  const names = new Set(await readdir(path))
  return BUNDLE_MARKERS.some((marker) => names.has(marker)) ? 'bundle-folder' : 'folder-of-bundles'
}

export interface BundleEntry {
  name: string
  path: string
}

/**
 * The bundles directly inside a folder of bundles, sorted by entry name. Entries that would give the same bundle
 * name (`a.tar.gz` and `a/`) are all returned; the caller refuses the later ones.
 */
export async function listBundleEntries(dir: string): Promise<BundleEntry[]> {
  let names: string[]
  try {
    names = (await readdir(dir)).sort()
  } catch {
    return []
  }
  const entries: BundleEntry[] = []
  for (const entry of names) {
    if (entry.startsWith('.')) continue
    const path = join(dir, entry)
    // Follows links, so folders mounted the Kubernetes way (entries linking into ..data/) work; reading checks
    // that the target stays inside the folder.
    const info = await stat(path).catch(() => undefined)
    if (info === undefined) continue
    const archive = ARCHIVE.exec(entry)
    if (archive !== null && !info.isDirectory()) entries.push({ name: archive[1]!, path })
    else if (info.isDirectory()) entries.push({ name: entry, path })
  }
  return entries
}
