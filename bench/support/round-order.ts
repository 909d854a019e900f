// The order servers take their turns in one round of a side-by-side bench: rotated by one each round, so every
// server runs at every position and, with three servers or more, none runs twice in a row across a round's end
// (reversing every other round made the last of one round the first of the next: a spell of noise on the shared
// machine then fell on that one server's two rounds, and decided its median).
export function roundOrder(count: number, round: number): number[] {
  return Array.from({ length: count }, (_, i) => (i + round) % count)
}
