/** Decoding of the 16-bit float formats (IEEE binary16 and bfloat16) into float32. */

/** The value of an IEEE 754 binary16 bit pattern. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

let halfTable: Float32Array | undefined;

/** binary16 bit patterns to float32 values (exact: every binary16 value is a float32). */
export function decodeFloat16(bits: Uint16Array): Float32Array {
  halfTable ??= Float32Array.from({ length: 0x10000 }, (_, b) => halfToFloat(b));
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfTable[bits[i]];
  return out;
}

/** bfloat16 bit patterns to float32 values: a bfloat16 is the upper half of a float32. */
export function decodeBfloat16(bits: Uint16Array): Float32Array {
  const words = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) words[i] = bits[i] << 16;
  return new Float32Array(words.buffer);
}
