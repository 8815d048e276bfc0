/**
 * A data-only pickle reader for PyTorch checkpoints. It understands the opcodes `torch.save` emits for
 * state dicts and builds plain values; "calls" are never executed: GLOBAL may only name an allow-listed
 * constructor (OrderedDict, torch's tensor rebuilders, storage type tags), which this reader interprets
 * itself. Anything else fails with a PthError that names what the file tried to call.
 */

export class PthError extends Error {
  override name = 'PthError';
}

export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

export class PyDict {
  readonly map = new Map<PyKey, PyValue>();
}

/** A name the file referred to with GLOBAL (only allow-listed ones are ever created). */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** The persistent id of a storage: `('storage', torch.FloatStorage, key, location, numel)`. */
export class StorageRef {
  constructor(
    readonly type: StorageType,
    readonly key: string,
    readonly numel: number,
  ) {}
}

/** `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)`, not yet materialised. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly size: number[],
    readonly stride: number[],
  ) {}
}

export type PyKey = string | number | bigint | boolean | null;
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | PyTuple
  | PyDict
  | PyGlobal
  | StorageRef
  | TensorRef;

export type StorageType = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const STORAGE_TYPES: Record<string, StorageType> = {
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  DoubleStorage: 'F64',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

const ALLOWED_CALLS = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
]);

function isAllowed(module: string, name: string): boolean {
  if (ALLOWED_CALLS.has(`${module}.${name}`)) return true;
  return module === 'torch' && Object.hasOwn(STORAGE_TYPES, name);
}

/** Bounds on what a hostile pickle can make us allocate. */
const MAX_STACK = 1 << 20;
const MAX_MEMO = 1 << 22;
const MAX_DIMS = 16;

const MARK = Symbol('mark');
type Slot = PyValue | typeof MARK;

export interface PickleResult {
  value: PyValue;
  /** Offset just past the STOP opcode (legacy checkpoints are several pickles back to back). */
  end: number;
}

/** Runs one pickle starting at `start`. `persistentLoad` resolves BINPERSID ids (storages). */
export function unpickle(
  bytes: Uint8Array,
  start = 0,
  persistentLoad: (pid: PyValue) => PyValue,
): PickleResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let pos = start;
  let stack: Slot[] = [];
  const marks: Slot[][] = [];
  const memo = new Map<number, PyValue>();

  const need = (n: number): number => {
    if (n < 0 || pos + n > bytes.byteLength)
      throw new PthError('the pickle is truncated: the checkpoint is incomplete');
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = (): number => view.getUint8(need(1));
  const u16 = (): number => view.getUint16(need(2), true);
  const u32 = (): number => view.getUint32(need(4), true);
  const i32 = (): number => view.getInt32(need(4), true);
  const u64 = (): number => {
    const v = view.getBigUint64(need(8), true);
    if (v > BigInt(bytes.byteLength)) throw new PthError('the pickle declares a string longer than the file');
    return Number(v);
  };
  const raw = (n: number): Uint8Array => bytes.subarray(need(n), pos);
  const text = (n: number): string => {
    try {
      return utf8.decode(raw(n));
    } catch {
      throw new PthError('the pickle holds invalid UTF-8 text');
    }
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw new PthError('the pickle is truncated: the checkpoint is incomplete');
    const s = new TextDecoder('latin1').decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const push = (v: Slot): void => {
    if (stack.length >= MAX_STACK) throw new PthError('the pickle stack grows without bound');
    stack.push(v);
  };
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw new PthError('malformed pickle: stack underflow');
    return v;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw new PthError('malformed pickle: stack underflow');
    return v;
  };
  const popMark = (): PyValue[] => {
    const items = stack;
    const prev = marks.pop();
    if (!prev) throw new PthError('malformed pickle: no MARK');
    stack = prev;
    return items as PyValue[];
  };
  const memoize = (idx: number, v: PyValue): void => {
    if (memo.size >= MAX_MEMO && !memo.has(idx)) throw new PthError('the pickle memo grows without bound');
    memo.set(idx, v);
  };
  const recall = (idx: number): PyValue => {
    const v = memo.get(idx);
    if (v === undefined) throw new PthError(`malformed pickle: memo entry ${idx} is missing`);
    return v;
  };
  const global = (module: string, name: string): PyGlobal => {
    if (!isAllowed(module, name)) throw new PthError(`checkpoint tries to call ${module}.${name}: refused`);
    return new PyGlobal(module, name);
  };
  const setItems = (target: PyValue, items: PyValue[]): void => {
    if (!(target instanceof PyDict)) throw new PthError('malformed pickle: SETITEM on a non-dict');
    if (items.length % 2) throw new PthError('malformed pickle: odd SETITEMS');
    for (let i = 0; i < items.length; i += 2) target.map.set(asKey(items[i]), items[i + 1]);
  };
  const appendItems = (target: PyValue, items: PyValue[]): void => {
    if (!Array.isArray(target)) throw new PthError('malformed pickle: APPEND on a non-list');
    for (const v of items) target.push(v);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw new PthError('unsupported pickle protocol');
        break;
      case 0x95: // FRAME: framing is only an I/O hint
        need(8);
        break;
      case 0x2e: // STOP
        return { value: pop(), end: pos };
      case 0x7d: // EMPTY_DICT
        push(new PyDict());
        break;
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        push(new PyTuple([]));
        break;
      case 0x28: // MARK
        marks.push(stack);
        stack = [];
        break;
      case 0x74: // TUPLE
        push(new PyTuple(popMark()));
        break;
      case 0x6c: // LIST
        push(popMark());
        break;
      case 0x64: {
        // DICT
        const d = new PyDict();
        setItems(d, popMark());
        push(d);
        break;
      }
      case 0x85: // TUPLE1
        push(new PyTuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        push(new PyTuple([pop(), b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        push(new PyTuple([pop(), b, c]));
        break;
      }
      case 0x58: // BINUNICODE
        push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(text(u8()));
        break;
      case 0x8d: // BINUNICODE8
        push(text(u64()));
        break;
      case 0x54: // BINSTRING (protocol <= 2 byte strings, decoded as latin-1 like Python's default)
        push(new TextDecoder('latin1').decode(raw(i32())));
        break;
      case 0x55: // SHORT_BINSTRING
        push(new TextDecoder('latin1').decode(raw(u8())));
        break;
      case 0x42: // BINBYTES
        push(raw(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        push(raw(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
        push(raw(u64()).slice());
        break;
      case 0x4a: // BININT
        push(i32());
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x8a: // LONG1
        push(readLong(raw(u8())));
        break;
      case 0x8b: {
        // LONG4
        const n = i32();
        if (n > 64) throw new PthError('the pickle holds an absurdly long integer');
        push(readLong(raw(n)));
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        push(view.getFloat64(need(8), false));
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x71: // BINPUT
        memoize(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memoize(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memoize(memo.size, top());
        break;
      case 0x68: // BINGET
        push(recall(u8()));
        break;
      case 0x6a: // LONG_BINGET
        push(recall(u32()));
        break;
      case 0x30: // POP
        if (stack.length) stack.pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        push(global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string')
          throw new PthError('malformed pickle: STACK_GLOBAL');
        push(global(module, name));
        break;
      }
      case 0x52: {
        // REDUCE: interpret the allow-listed constructor, never call anything
        const args = pop();
        const fn = pop();
        if (!(fn instanceof PyGlobal) || !(args instanceof PyTuple))
          throw new PthError('malformed pickle: REDUCE');
        push(construct(fn, args.items));
        break;
      }
      case 0x62: {
        // BUILD: the state torch attaches (OrderedDict._metadata, tensor hooks) carries no weights
        pop();
        const obj = top();
        if (!(obj instanceof PyDict || obj instanceof TensorRef))
          throw new PthError('malformed pickle: BUILD on an unexpected object');
        break;
      }
      case 0x51: // BINPERSID
        push(persistentLoad(pop()));
        break;
      default:
        throw new PthError(
          `the pickle uses opcode 0x${op.toString(16).padStart(2, '0')}, which a state dict never needs: refused`,
        );
    }
  }
}

function readLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function asKey(v: PyValue): PyKey {
  if (
    typeof v === 'string' ||
    typeof v === 'number' ||
    typeof v === 'bigint' ||
    typeof v === 'boolean' ||
    v === null
  )
    return v;
  if (v instanceof PyTuple) return JSON.stringify(v.items.map((x) => String(asKey(x))));
  throw new PthError('the pickle uses an unhashable dict key');
}

function intArg(v: PyValue, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new PthError(`checkpoint tensor has an invalid ${what}`);
  return v;
}

function intTuple(v: PyValue, what: string): number[] {
  if (!(v instanceof PyTuple) && !Array.isArray(v))
    throw new PthError(`checkpoint tensor has an invalid ${what}`);
  const items = v instanceof PyTuple ? v.items : v;
  if (items.length > MAX_DIMS) throw new PthError(`checkpoint tensor has too many dimensions`);
  return items.map((x) => intArg(x, what));
}

function construct(fn: PyGlobal, args: PyValue[]): PyValue {
  switch (fn.qualified) {
    case 'collections.OrderedDict': {
      const d = new PyDict();
      const init = args[0];
      if (Array.isArray(init)) {
        for (const pair of init) {
          if (!(pair instanceof PyTuple) && !Array.isArray(pair))
            throw new PthError('malformed OrderedDict items');
          const items = pair instanceof PyTuple ? pair.items : pair;
          d.map.set(asKey(items[0]), items[1]);
        }
      }
      return d;
    }
    case 'torch._utils._rebuild_tensor_v2': {
      const [storage, offset, size, stride] = args;
      if (!(storage instanceof StorageRef))
        throw new PthError('checkpoint tensor does not refer to a storage');
      const s = intTuple(size, 'size');
      const st = intTuple(stride, 'stride');
      if (s.length !== st.length) throw new PthError('checkpoint tensor has mismatched size and stride');
      return new TensorRef(storage, intArg(offset, 'storage offset'), s, st);
    }
    case 'torch._utils._rebuild_parameter': {
      if (!(args[0] instanceof TensorRef)) throw new PthError('checkpoint parameter does not wrap a tensor');
      return args[0];
    }
    default:
      throw new PthError(`checkpoint tries to call ${fn.qualified}: refused`);
  }
}

/** Interprets a persistent id `('storage', <type tag>, key, location, numel[, view_metadata])`. */
export function storageFromPid(pid: PyValue): StorageRef {
  if (!(pid instanceof PyTuple) || pid.items[0] !== 'storage')
    throw new PthError('checkpoint refers to an unknown persistent object');
  const [, type, key, , numel, view] = pid.items;
  if (!(type instanceof PyGlobal) || !Object.hasOwn(STORAGE_TYPES, type.name)) {
    throw new PthError('checkpoint storage has an unknown type');
  }
  if (typeof key !== 'string' && typeof key !== 'number')
    throw new PthError('checkpoint storage has an invalid key');
  if (view !== undefined && view !== null)
    throw new PthError('checkpoint uses pre-1.0 storage views, which are not supported');
  return new StorageRef(STORAGE_TYPES[type.name], String(key), intArg(numel, 'storage size'));
}
