// `clearance map`: the declared service map of a bundle or a policy folder as a file for docs and pull requests —
// SVG (the same layout and drawing as the /ui/ page), Graphviz DOT or a Mermaid flowchart.
import { writeFile } from 'node:fs/promises'
import { type Command, Option } from 'commander'
import { loadBundle, readBundleFiles } from '../bundle/index.js'
import { DEFAULTS } from '../config/index.js'
import { ClearanceError, ErrorCodes } from '../errors.js'
import {
  catalogAt,
  catalogGraph,
  layoutGraph,
  renderMapDot,
  renderMapMermaid,
  renderMapSvg,
} from '../service-map/index.js'

export type MapFormat = 'svg' | 'dot' | 'mermaid'

/** The map of the catalog in a bundle (.tar.gz or directory) or a policy folder (its data.json files). */
export async function renderMap(source: string, format: MapFormat, catalogPath: string): Promise<string> {
  // only the data documents matter: a policy folder's Rego need not be compiled to draw its catalog
  const files = new Map(
    [...(await readBundleFiles(source))].filter(([path]) => /(^|\/)data\.(json|ya?ml)$/.test(path)),
  )
  const catalog = catalogAt(loadBundle('map', files).data, catalogPath)
  if (catalog === undefined) {
    throw new ClearanceError(
      ErrorCodes.invalidParameter,
      `${source} has no catalog at data.${catalogPath.replaceAll('/', '.')}`,
    )
  }
  const graph = catalogGraph(catalog)
  if (format === 'dot') return renderMapDot(graph)
  if (format === 'mermaid') return renderMapMermaid(graph)
  return `${renderMapSvg(graph, await layoutGraph(graph))}\n`
}

export function addMapCommand(program: Command): void {
  program
    .command('map')
    .description('draw the declared service map (zones, services, grants) of a bundle or a policy folder')
    .argument('<source>', 'bundle .tar.gz, bundle directory or policy folder')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['svg', 'dot', 'mermaid']).default('svg'),
    )
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .option('--catalog-path <path>', 'where the catalog sits in the data document', DEFAULTS.ui.catalogPath)
    .action(async (source: string, options: { format: MapFormat; output?: string; catalogPath: string }) => {
      const text = await renderMap(source, options.format, options.catalogPath)
      if (options.output === undefined) process.stdout.write(text)
      else await writeFile(options.output, text)
    })
}
