/**
 * Unpickling the `data.pkl` of a `torch.save` archive. Tensors are pickled as
 * `torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`
 * where `storage` is a persistent id `('storage', torch.FloatStorage, key, location, numel)` naming the archive record
 * `data/<key>`. Dicts come back as Map, tuples and lists as arrays, tensors as contiguous TensorRecords.
 */
import { NameRegistry, Parser } from 'pickleparser';
import { decodeElements, DTYPE_BYTES } from './codec.js';
import { numel, type Dtype, type TensorData, type TensorRecord } from './record.js';
import { gatherStrided } from './strided.js';

/** The element type of each torch storage class (`torch.FloatStorage`, ...). */
const STORAGE_DTYPES: Readonly<Record<string, Dtype>> = {
  DoubleStorage: 'F64', FloatStorage: 'F32', HalfStorage: 'F16', BFloat16Storage: 'BF16', LongStorage: 'I64',
  IntStorage: 'I32', ShortStorage: 'I16', CharStorage: 'I8', ByteStorage: 'U8', BoolStorage: 'BOOL',
};

/** A storage as the pickle references it: decoded elements, shared by every tensor that views it. */
interface Storage {
  key: string;
  dtype: Dtype;
  data: TensorData;
}

/** Stand-in for a torch storage class: the pickle only names it, so only its dtype matters. */
function storageClass(dtype: Dtype) {
  return class TorchStorage {
    static readonly dtype = dtype;
  };
}

/** Unpickle `pickle`; `record(key)` returns the bytes of archive entry `data/<key>`; `file` labels errors. */
export function unpickleTorch(pickle: Uint8Array, record: (key: string) => Uint8Array, file: string): unknown {
  const parser = new Parser({
    nameResolver: new TorchNames(file),
    persistentResolver: storageResolver(record, file),
    unpicklingTypeOfDictionary: 'Map',
  });
  return parser.parse(pickle);
}

/** Names a torch checkpoint pickles. Other globals become inert placeholder objects (pickleparser's default). */
class TorchNames extends NameRegistry {
  constructor(private readonly file: string) {
    super();
    for (const [name, dtype] of Object.entries(STORAGE_DTYPES)) this.register('torch', name, storageClass(dtype));
    const rebuild = (storage: Storage, offset: number, size: number[], stride: number[]) =>
      rebuildTensor(storage, offset, size, stride, file);
    this.register('torch._utils', '_rebuild_tensor_v2', rebuild)
      .register('torch._utils', '_rebuild_parameter', (tensor: TensorRecord) => tensor)
      .register('torch._utils', '_rebuild_parameter_with_state', (tensor: TensorRecord) => tensor)
      .register('collections', 'OrderedDict', () => new Map());
  }

  /** Refuse tensor kinds that need rebuilding this reader cannot do, rather than return placeholders. */
  override onMissingName(module: string, name: string) {
    if (name.startsWith('_rebuild')) {
      throw new Error(`${this.file}: holds tensors rebuilt by ${module}.${name} ` +
        '(quantized, sparse or subclass tensors), which this reader does not support; ' +
        'save plain dense tensors or convert to safetensors');
    }
    return super.onMissingName(module, name);
  }
}

/** Resolves `('storage', StorageClass, key, location, numel)` to the decoded record `data/<key>`, once per key. */
function storageResolver(record: (key: string) => Uint8Array, file: string): { resolve(pid: unknown): Storage } {
  const storages = new Map<string, Storage>();
  return {
    resolve(pid: unknown): Storage {
      const [kind, cls, key, , count] = Array.isArray(pid) ? pid : [];
      const dtype = (cls as { dtype?: Dtype } | undefined)?.dtype;
      if (kind !== 'storage' || dtype === undefined || typeof key !== 'string' || typeof count !== 'number') {
        throw new Error(`${file}: unsupported persistent id ${JSON.stringify(pid)} in data.pkl`);
      }
      let storage = storages.get(key);
      if (storage === undefined) {
        storage = { key, dtype, data: decodeStorage(record(key), dtype, count, `${file}: storage data/${key}`) };
        storages.set(key, storage);
      }
      return storage;
    },
  };
}

function decodeStorage(bytes: Uint8Array, dtype: Dtype, count: number, context: string): TensorData {
  if (bytes.length !== count * DTYPE_BYTES[dtype]) {
    const needed = count * DTYPE_BYTES[dtype];
    throw new Error(`${context}: has ${bytes.length} bytes, but ${count} ${dtype} elements need ${needed} — corrupt`);
  }
  return decodeElements(dtype, bytes, context);
}

/** The contiguous copy of the view (offset, size, stride) of `storage`; strides need not be contiguous. */
function rebuildTensor(storage: Storage, offset: number, size: number[], stride: number[], file: string): TensorRecord {
  const last = size.reduce((end, n, axis) => end + (n - 1) * stride[axis], offset);
  const fits = size.length === stride.length && offset >= 0 && stride.every((s) => s >= 0);
  if (!fits || (numel(size) > 0 && last >= storage.data.length)) {
    throw new Error(`${file}: tensor view (offset ${offset}, size [${size}], stride [${stride}]) ` +
      `does not fit storage data/${storage.key} of ${storage.data.length} elements — corrupt checkpoint`);
  }
  return { dtype: storage.dtype, shape: [...size], data: gatherStrided(storage.data, offset, size, stride) };
}
