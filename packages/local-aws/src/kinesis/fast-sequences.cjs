// kinesalite 3.3.3 does its 128-bit hash-key and 190-bit sequence-number arithmetic with
// bignumber.js, converting between bases in JavaScript several times per record it stores: a
// partition key's MD5 to a number, every shard's hash-key bounds from decimal strings for each
// comparison, the shard's starting sequence number parsed and a new one built per record. At
// thousands of records/s that is most of its PutRecords time. `install` replaces those three
// functions of kinesalite's `db` module with the same computations on native BigInt, for the
// inputs they can represent exactly (canonical digit strings, valid hex), and calls the original
// for anything else, so results and errors stay kinesalite's. tests/unit/kinesalite-sequences
// holds them equal to the originals.
'use strict';

const crypto = require('node:crypto');

const POW_2_124 = 1n << 124n;
const POW_2_124_NEXT = (1n << 125n) * 16n;
const POW_2_185 = 1n << 185n;
const POW_2_185_NEXT = 3n << 184n; // 2^185 × 1.5
const DIGITS = /^\d+$/;
const HEX = /^[0-9a-f]+$/;

/** Decimal strings of shard hash-key bounds → BigInt (a stream has few of them). */
const decimalCache = new Map();
function bigOfDecimal(text) {
  let value = decimalCache.get(text);
  if (value === undefined) {
    value = BigInt(text);
    if (decimalCache.size > 10_000) decimalCache.clear();
    decimalCache.set(text, value);
  }
  return value;
}

/** A hash key as kinesalite's callers use it: `comparedTo(other)` like BigNumber's. */
class HashKey {
  constructor(value, original) {
    this.value = value;
    this.original = original;
  }

  comparedTo(other) {
    let o;
    if (typeof other === 'string' && DIGITS.test(other)) o = bigOfDecimal(other);
    else if (typeof other === 'number' && Number.isSafeInteger(other)) o = BigInt(other);
    else return this.original().comparedTo(other);
    return this.value < o ? -1 : this.value > o ? 1 : 0;
  }
}

/**
 * Replace `partitionKeyToHashKey`, `parseSequence` and `stringifySequence` of kinesalite's db
 * module (`require('kinesalite/db')`) with BigInt versions; returns the originals.
 */
function install(db) {
  if (db.__streamlensFastSequences) return db.__streamlensFastSequences;
  const original = {
    partitionKeyToHashKey: db.partitionKeyToHashKey,
    parseSequence: db.parseSequence,
    stringifySequence: db.stringifySequence,
  };

  function partitionKeyToHashKey(partitionKey) {
    if (typeof partitionKey !== 'string') return original.partitionKeyToHashKey(partitionKey);
    const hex = crypto.createHash('md5').update(partitionKey, 'utf8').digest('hex');
    return new HashKey(BigInt(`0x${hex}`), () => original.partitionKeyToHashKey(partitionKey));
  }

  function parseSequence(seq) {
    if (typeof seq !== 'string' || !DIGITS.test(seq)) return original.parseSequence(seq);
    let seqNum = BigInt(seq);
    if (seqNum < POW_2_124) seqNum += POW_2_124;
    const hex = seqNum.toString(16);
    const version =
      seqNum < POW_2_124_NEXT
        ? 0
        : seqNum > POW_2_185 && seqNum < POW_2_185_NEXT
          ? Number.parseInt(hex.slice(hex.length - 1), 16)
          : null;
    if (version !== 2) return original.parseSequence(seq);
    const seqIxHex = hex.slice(11, 27);
    let shardIxHex = hex.slice(38, 46);
    if (Number.parseInt(seqIxHex[0], 16) > 7) throw new Error('Sequence index too high');
    if (Number.parseInt(shardIxHex[0], 16) > 7) shardIxHex = `-${shardIxHex}`;
    const shardCreateSecs = Number.parseInt(hex.slice(1, 10), 16);
    if (shardCreateSecs >= 16025175000) throw new Error(`Date too large: ${shardCreateSecs}`);
    return {
      shardCreateTime: shardCreateSecs * 1000,
      seqIx: BigInt(`0x${seqIxHex}`).toString(),
      byte1: hex.slice(27, 29),
      seqTime: Number.parseInt(hex.slice(29, 38), 16) * 1000,
      shardIx: Number.parseInt(shardIxHex, 16),
      version,
    };
  }

  function hexOfSeqIx(seqIx) {
    const value = seqIx || 0;
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
      return value.toString(16);
    }
    if (typeof value === 'string' && DIGITS.test(value)) return BigInt(value).toString(16);
    return undefined;
  }

  function stringifySequence(obj) {
    if (obj.version != null && obj.version !== 2) return original.stringifySequence(obj);
    const seqIxHex = hexOfSeqIx(obj.seqIx);
    if (seqIxHex === undefined) return original.stringifySequence(obj);
    const hex = [
      '2',
      `00000000${Math.floor(obj.shardCreateTime / 1000).toString(16)}`.slice(-9),
      (obj.shardIx || 0).toString(16).slice(-1),
      `0000000000000000${seqIxHex}`.slice(-16),
      obj.byte1 || '00',
      `00000000${Math.floor((obj.seqTime || obj.shardCreateTime) / 1000).toString(16)}`.slice(-9),
      `0000000${(obj.shardIx || 0).toString(16)}`.slice(-8),
      '2',
    ].join('');
    if (!HEX.test(hex)) return original.stringifySequence(obj);
    return BigInt(`0x${hex}`).toString();
  }

  db.partitionKeyToHashKey = partitionKeyToHashKey;
  db.parseSequence = parseSequence;
  db.stringifySequence = stringifySequence;
  db.__streamlensFastSequences = original;
  return original;
}

module.exports = { install };
