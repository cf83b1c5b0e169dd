/**
 * HyperLogLog distinct-count sketch (Flajolet, Fusy, Gandouet, Meunier 2007) with the small-range
 * linear-counting correction, over 52-bit hashes (`idHashOf`). Precision 12: 4,096 one-byte
 * registers, standard error 1.04/√4096 ≈ 1.6 %. Merging takes the register-wise maximum, so it is
 * exact: the merge of sketches of any partition of a set equals the sketch of the set, in any
 * order, and adding a value twice changes nothing (copies of an event cannot inflate it).
 */
export class HyperLogLog {
  static readonly P = 12;
  static readonly M = 1 << HyperLogLog.P;
  readonly registers = new Uint8Array(HyperLogLog.M);

  /** Adds a 52-bit hash: the top 12 bits pick the register, the other 40 give the rank. */
  addHash(h52: number): void {
    const idx = Math.floor(h52 / 2 ** 40);
    const rest = h52 % 2 ** 40;
    // Rank: position of the first 1-bit in the 40 remaining bits (41 when they are all zero).
    const rank = rest === 0 ? 41 : 40 - Math.floor(Math.log2(rest));
    if (rank > this.registers[idx]!) this.registers[idx] = rank;
  }

  merge(other: HyperLogLog): void {
    const r = this.registers;
    const o = other.registers;
    for (let i = 0; i < r.length; i++) if (o[i]! > r[i]!) r[i] = o[i]!;
  }

  estimate(): number {
    const m = HyperLogLog.M;
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < m; i++) {
      const v = this.registers[i]!;
      sum += 2 ** -v;
      if (v === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / m);
    const raw = (alpha * m * m) / sum;
    // Small range: linear counting on the empty registers is more accurate.
    if (raw <= 2.5 * m && zeros > 0) return Math.round(m * Math.log(m / zeros));
    return Math.round(raw);
  }
}
