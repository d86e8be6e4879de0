/**
 * The safetensors format: u64 little-endian header length N, N bytes of JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}` (offsets relative to the data
 * section), then the data. Writers pad the header with spaces so the data starts 8-byte aligned.
 */
import { decodeElements, DTYPE_BYTES, encodeElements, isDtype } from './codec.js';
import { numel, type Dtype, type TensorRecord } from './record.js';

export interface Safetensors {
  tensors: Map<string, TensorRecord>;
  metadata: Record<string, string>;
}

interface HeaderEntry {
  dtype: Dtype;
  shape: number[];
  data_offsets: [number, number];
}

const METADATA_KEY = '__metadata__';
const NOT_SAFETENSORS = 'not a safetensors file or truncated';

/** Decode the bytes of a safetensors file; `file` names it in errors. */
export function readSafetensors(bytes: Uint8Array, file = 'in-memory bytes'): Safetensors {
  const headerLength = readHeaderLength(bytes, file);
  const header = parseHeader(bytes.subarray(8, 8 + headerLength), file);
  const data = bytes.subarray(8 + headerLength);
  const tensors = new Map<string, TensorRecord>();
  for (const [key, value] of Object.entries(header)) {
    if (key === METADATA_KEY) continue;
    const context = `${file}: tensor '${key}'`;
    const entry = checkEntry(value, data.length, context);
    const [begin, end] = entry.data_offsets;
    const elements = decodeElements(entry.dtype, data.subarray(begin, end), context);
    tensors.set(key, { dtype: entry.dtype, shape: entry.shape, data: elements });
  }
  return { tensors, metadata: checkMetadata(header[METADATA_KEY], file) };
}

/** The file as chunks: the padded header, then each tensor's bytes in map order; `file` names it in errors. */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, TensorRecord>,
  metadata: Record<string, string> | undefined,
  file: string,
): Uint8Array[] {
  const header: Record<string, unknown> = metadata ? { [METADATA_KEY]: checkMetadata(metadata, file) } : {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [key, record] of tensors) {
    const context = `${file}: tensor '${key}'`;
    if (key === METADATA_KEY) throw new Error(`${context}: the name is reserved for metadata`);
    if (record.data.length !== numel(record.shape)) {
      throw new Error(`${context}: ${record.data.length} elements do not fill shape [${record.shape}]`);
    }
    const bytes = encodeElements(record.dtype, record.data, context);
    header[key] = { dtype: record.dtype, shape: record.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  return [headerBytes(header), ...chunks];
}

function headerBytes(header: Record<string, unknown>): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20, 8); // spaces: valid JSON whitespace
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return out;
}

function readHeaderLength(bytes: Uint8Array, file: string): number {
  if (bytes.length < 8) {
    throw new Error(`${file}: file is ${bytes.length} bytes, too short for a header — ${NOT_SAFETENSORS}`);
  }
  const length = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(bytes.length - 8)) {
    throw new Error(`${file}: header length ${length} exceeds file size ${bytes.length} — ${NOT_SAFETENSORS}`);
  }
  return Number(length);
}

function parseHeader(json: Uint8Array, file: string): Record<string, unknown> {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (err) {
    const reason = (err as Error).message;
    throw new Error(`${file}: header is not valid JSON (${reason}) — not a safetensors file or corrupt`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new Error(`${file}: header is not a JSON object — not a safetensors file or corrupt`);
  }
  return header as Record<string, unknown>;
}

/** Validate one header entry against the data section of `dataLength` bytes. */
function checkEntry(value: unknown, dataLength: number, context: string): HeaderEntry {
  const { dtype, shape, data_offsets: offsets } = (value ?? {}) as Partial<Record<keyof HeaderEntry, unknown>>;
  if (!isDtype(dtype)) throw new Error(`${context}: unknown dtype ${JSON.stringify(dtype)}`);
  if (!isIndexList(shape)) throw new Error(`${context}: shape ${JSON.stringify(shape)} is not a list of sizes`);
  if (!isIndexList(offsets) || offsets.length !== 2 || offsets[0] > offsets[1]) {
    throw new Error(`${context}: data_offsets ${JSON.stringify(offsets)} are not [begin, end]`);
  }
  if (offsets[1] > dataLength) {
    const section = `the data section (${dataLength} bytes)`;
    throw new Error(`${context}: data_offsets [${offsets}] exceed ${section} — truncated file`);
  }
  const expected = numel(shape) * DTYPE_BYTES[dtype];
  if (offsets[1] - offsets[0] !== expected) {
    const held = offsets[1] - offsets[0];
    throw new Error(`${context}: holds ${held} bytes but ${dtype} [${shape}] needs ${expected} — corrupt header`);
  }
  return { dtype, shape, data_offsets: [offsets[0], offsets[1]] };
}

function isIndexList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => Number.isSafeInteger(v) && v >= 0);
}

function checkMetadata(value: unknown, file: string): Record<string, string> {
  if (value === undefined) return {};
  const entries = typeof value === 'object' && value !== null ? Object.entries(value) : undefined;
  if (entries === undefined || Array.isArray(value) || entries.some(([, v]) => typeof v !== 'string')) {
    throw new Error(`${file}: ${METADATA_KEY} must map strings to strings`);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}
