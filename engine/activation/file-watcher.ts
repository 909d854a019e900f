// File-system watching behind a small interface, so the directory source can be driven by a fake in tests. The
// real one is chokidar 4 (inotify on Linux): every add, change or removal under the path is reported, and the
// source batches them behind its cool-down.
import { watch } from 'chokidar'

export interface WatchTarget {
  path: string
  /** Watch sub-folders too (unpacked bundles); false watches only the entries directly in `path`. */
  recursive: boolean
  /** Paths for which this returns false are not reported. */
  include?: ((path: string) => boolean) | undefined
}

export interface WatchHandlers {
  onChange(path: string): void
  onError(error: unknown): void
}

export interface FileWatcher {
  close(): Promise<void>
}

/** Starts watching; resolves once the watcher is ready, so no event after that is missed. */
export type WatchFactory = (target: WatchTarget, handlers: WatchHandlers) => Promise<FileWatcher>

/** Deepest folder level watched inside a bundle folder; bundles are shallow, and this bounds the inotify watches. */
const MAX_DEPTH = 16

export const chokidarWatch: WatchFactory = (target, handlers) => {
  const watcher = watch(target.path, {
    ignoreInitial: true,
    persistent: false,
    followSymlinks: false,
    depth: target.recursive ? MAX_DEPTH : 0,
    ...(target.include === undefined
      ? {}
      : { ignored: (path: string) => path !== target.path && !target.include!(path) }),
  })
  watcher.on('all', (_event, path) => handlers.onChange(path))
  watcher.on('error', (error) => handlers.onError(error))
  return new Promise((resolve) => {
    watcher.once('ready', () => resolve({ close: () => watcher.close() }))
  })
}
