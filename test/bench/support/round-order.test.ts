import { describe, expect, it } from 'vitest'
import { roundOrder } from '../../../bench/support/round-order.js'

describe('roundOrder', () => {
  it('puts every server at every position, and none twice in a row across rounds (three or more servers)', () => {
    const rounds = [0, 1, 2, 3].map((round) => roundOrder(4, round))
    expect(rounds).toEqual([
      [0, 1, 2, 3],
      [1, 2, 3, 0],
      [2, 3, 0, 1],
      [3, 0, 1, 2],
    ])
    for (let round = 1; round < rounds.length; round++) {
      expect(rounds[round]![0]).not.toBe(rounds[round - 1]!.at(-1))
    }
    for (let round = 1; round < 3; round++) {
      expect(roundOrder(3, round)[0]).not.toBe(roundOrder(3, round - 1).at(-1))
    }
  })
})
