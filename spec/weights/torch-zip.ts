/**
 * Test helper: builds `torch.save`-style zip archives by hand, pickling with the same opcodes torch's protocol-2
 * pickles use (MARK/TUPLE, EMPTY_DICT + SETITEMS, GLOBAL, REDUCE, BINPERSID, BUILD, STOP).
 */
import { zipSync } from 'fflate';

/** A Python value to pickle. Arrays are tuples. */
export type Py =
  | string
  | number
  | boolean
  | null
  | Py[]
  | { dict: [Py, Py][] }
  | { global: [string, string] }
  | { call: Py; args: Py[] }
  | { ordered: [Py, Py][]; state?: Py }
  | { persistent: Py };

const op = (c: string) => c.charCodeAt(0);

function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

function encode(value: Py): number[] {
  if (value === null) return [op('N')];
  if (typeof value === 'boolean') return [value ? 0x88 : 0x89];
  if (typeof value === 'number') return [op('J'), ...u32(value)];
  if (typeof value === 'string') {
    const utf8 = [...new TextEncoder().encode(value)];
    return [op('X'), ...u32(utf8.length), ...utf8];
  }
  if (Array.isArray(value)) return [op('('), ...value.flatMap(encode), op('t')];
  if ('dict' in value) return [op('}'), op('('), ...value.dict.flat().flatMap(encode), op('u')];
  if ('global' in value) return [op('c'), ...new TextEncoder().encode(`${value.global.join('\n')}\n`)];
  if ('call' in value) return [...encode(value.call), ...encode(value.args), op('R')];
  if ('ordered' in value) return encodeOrderedDict(value.ordered, value.state);
  return [...encode(value.persistent), op('Q')];
}

/** Protocol-2 pickle of `value`. */
export function pickle(value: Py): Uint8Array {
  return new Uint8Array([0x80, 2, ...encode(value), op('.')]);
}

/** `collections.OrderedDict` as torch pickles a state dict: REDUCE, then SETITEMS, then BUILD with its `__dict__`. */
function encodeOrderedDict(entries: [Py, Py][], state: Py | undefined): number[] {
  const created = encode({ call: { global: ['collections', 'OrderedDict'] }, args: [] });
  const items = [op('('), ...entries.flat().flatMap(encode), op('u')];
  return [...created, ...items, ...(state === undefined ? [] : [...encode(state), op('b')])];
}

/** `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())` over storage `key`. */
export function tensor(
  storageClass: string,
  key: string,
  numel: number,
  offset: number,
  size: number[],
  stride: number[],
): Py {
  const storage: Py = { persistent: ['storage', { global: ['torch', storageClass] }, key, 'cpu', numel] };
  const hooks: Py = { ordered: [] };
  const rebuild: Py = { global: ['torch._utils', '_rebuild_tensor_v2'] };
  return { call: rebuild, args: [storage, offset, size, stride, false, hooks] };
}

/** A zip like torch.save writes: `<prefix>/data.pkl`, `<prefix>/data/<key>`, `<prefix>/version`, all stored. */
export function torchZip(pkl: Uint8Array, storages: Record<string, Uint8Array>, prefix = 'archive'): Uint8Array {
  const files: Record<string, Uint8Array> = {
    [`${prefix}/data.pkl`]: pkl,
    [`${prefix}/version`]: new TextEncoder().encode('3\n'),
  };
  for (const [key, bytes] of Object.entries(storages)) files[`${prefix}/data/${key}`] = bytes;
  return zipSync(files, { level: 0 });
}

export function bytesOf(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
