// A FIFO bounded by item count and by bytes, the shape of every decision-log buffer. Push and shift are O(1)
// (an array with a moving head, compacted now and then); the caller decides what to do when it is full.

export interface QueueLimits {
  /** Most items held (0 or undefined: no limit). */
  maxItems?: number | undefined
  /** Most bytes held, by the sizes the caller gives (0 or undefined: no limit). */
  maxBytes?: number | undefined
}

export class BoundedQueue<T> {
  private items: T[] = []
  private sizes: number[] = []
  private head = 0
  private heldBytes = 0
  private readonly maxItems: number
  private readonly maxBytes: number

  constructor(limits: QueueLimits = {}) {
    this.maxItems = limits.maxItems || Number.POSITIVE_INFINITY
    this.maxBytes = limits.maxBytes || Number.POSITIVE_INFINITY
  }

  get length(): number {
    return this.items.length - this.head
  }

  get bytes(): number {
    return this.heldBytes
  }

  /** Whether an item of `size` bytes fits now. */
  fits(size: number): boolean {
    return this.length < this.maxItems && this.heldBytes + size <= this.maxBytes
  }

  /** Whether an item of `size` bytes could ever fit (it is not larger than the byte limit alone). */
  couldFit(size: number): boolean {
    return size <= this.maxBytes
  }

  push(item: T, size: number): void {
    this.items.push(item)
    this.sizes.push(size)
    this.heldBytes += size
  }

  /** Puts items back at the front, oldest first (a failed upload's chunk). */
  unshiftAll(items: readonly T[], sizes: readonly number[]): void {
    this.items = [...items, ...this.items.slice(this.head)]
    this.sizes = [...sizes, ...this.sizes.slice(this.head)]
    this.head = 0
    for (const size of sizes) this.heldBytes += size
  }

  peekSize(): number | undefined {
    return this.length === 0 ? undefined : this.sizes[this.head]
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined
    const item = this.items[this.head] as T
    this.heldBytes -= this.sizes[this.head]!
    this.items[this.head] = undefined as T
    this.head++
    if (this.head === this.items.length) {
      this.items = []
      this.sizes = []
      this.head = 0
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head)
      this.sizes = this.sizes.slice(this.head)
      this.head = 0
    }
    return item
  }

  /** Removes oldest items until one of `size` bytes fits; returns how many were removed. */
  makeRoom(size: number): number {
    let removed = 0
    while (this.length > 0 && !this.fits(size)) {
      this.shift()
      removed++
    }
    return removed
  }

  /** Removes oldest items until within limits (after unshiftAll); returns how many were removed. */
  trim(): number {
    let removed = 0
    while (this.length > 0 && (this.length > this.maxItems || this.heldBytes > this.maxBytes)) {
      this.shift()
      removed++
    }
    return removed
  }

  clear(): void {
    this.items = []
    this.sizes = []
    this.head = 0
    this.heldBytes = 0
  }
}
