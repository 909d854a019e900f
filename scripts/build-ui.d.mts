/** Builds the service map page into `out` (default dist/ui); resolves to the script's gzipped size in bytes. */
export function buildUi(out?: string): Promise<number>
