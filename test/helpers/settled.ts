/**
 * Settles a promise into its value or its error, with the handler attached at once: a test that starts several
 * evaluations and awaits them one after the other never leaves a rejection unhandled while it awaits another.
 */
export function settled<T>(promise: Promise<T>): Promise<T | Error> {
  return promise.then(
    (value) => value,
    (thrown: unknown) => (thrown instanceof Error ? thrown : new Error(String(thrown))),
  )
}
