/**
 * The msgpack subset that Terraform's DynamicValue uses (cty's msgpack encoding, through
 * vmihailenco/msgpack): nil, bool, ints, float32/64, str, bin, array, map and ext. Written here
 * rather than taken from a package because the plugin needs only this much and must start fast.
 */

/** A msgpack extension value (cty: type 0 = unknown, type 12 = unknown with refinements). */
export class Ext {
  constructor(
    readonly type: number,
    readonly data: Buffer,
  ) {}
}

export type Raw = null | boolean | number | bigint | string | Buffer | Ext | Raw[] | RawMap;
/** msgpack maps keep their keys' order and may have non-string keys (cty never sends those). */
export type RawMap = Map<Raw, Raw>;

export function decode(buf: Buffer): Raw {
  let pos = 0;
  const need = (n: number) => {
    if (pos + n > buf.length) throw new Error(`msgpack: truncated at ${pos}`);
  };
  const u8 = () => (need(1), buf[pos++]!);
  const bytes = (n: number) => {
    need(n);
    const b = buf.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const str = (n: number) => bytes(n).toString('utf8');
  const arr = (n: number): Raw[] => {
    const out: Raw[] = [];
    for (let i = 0; i < n; i++) out.push(item());
    return out;
  };
  const map = (n: number): RawMap => {
    const out: RawMap = new Map();
    for (let i = 0; i < n; i++) {
      const k = item();
      out.set(k, item());
    }
    return out;
  };
  const int64 = (signed: boolean): number | bigint => {
    need(8);
    const v = signed ? buf.readBigInt64BE(pos) : buf.readBigUInt64BE(pos);
    pos += 8;
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const fixed = <T>(n: number, f: (at: number) => T): T => {
    need(n);
    const v = f(pos);
    pos += n;
    return v;
  };
  const item = (): Raw => {
    const b = u8();
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    if ((b & 0xe0) === 0xa0) return str(b & 0x1f);
    if ((b & 0xf0) === 0x90) return arr(b & 0x0f);
    if ((b & 0xf0) === 0x80) return map(b & 0x0f);
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return Buffer.from(bytes(u8()));
      case 0xc5:
        return Buffer.from(bytes(fixed(2, (p) => buf.readUInt16BE(p))));
      case 0xc6:
        return Buffer.from(bytes(fixed(4, (p) => buf.readUInt32BE(p))));
      case 0xc7: {
        const n = u8();
        const t = fixed(1, (p) => buf.readInt8(p));
        return new Ext(t, Buffer.from(bytes(n)));
      }
      case 0xc8: {
        const n = fixed(2, (p) => buf.readUInt16BE(p));
        const t = fixed(1, (p) => buf.readInt8(p));
        return new Ext(t, Buffer.from(bytes(n)));
      }
      case 0xc9: {
        const n = fixed(4, (p) => buf.readUInt32BE(p));
        const t = fixed(1, (p) => buf.readInt8(p));
        return new Ext(t, Buffer.from(bytes(n)));
      }
      case 0xca:
        return fixed(4, (p) => buf.readFloatBE(p));
      case 0xcb:
        return fixed(8, (p) => buf.readDoubleBE(p));
      case 0xcc:
        return u8();
      case 0xcd:
        return fixed(2, (p) => buf.readUInt16BE(p));
      case 0xce:
        return fixed(4, (p) => buf.readUInt32BE(p));
      case 0xcf:
        return int64(false);
      case 0xd0:
        return fixed(1, (p) => buf.readInt8(p));
      case 0xd1:
        return fixed(2, (p) => buf.readInt16BE(p));
      case 0xd2:
        return fixed(4, (p) => buf.readInt32BE(p));
      case 0xd3:
        return int64(true);
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8: {
        const t = fixed(1, (p) => buf.readInt8(p));
        return new Ext(t, Buffer.from(bytes(1 << (b - 0xd4))));
      }
      case 0xd9:
        return str(u8());
      case 0xda:
        return str(fixed(2, (p) => buf.readUInt16BE(p)));
      case 0xdb:
        return str(fixed(4, (p) => buf.readUInt32BE(p)));
      case 0xdc:
        return arr(fixed(2, (p) => buf.readUInt16BE(p)));
      case 0xdd:
        return arr(fixed(4, (p) => buf.readUInt32BE(p)));
      case 0xde:
        return map(fixed(2, (p) => buf.readUInt16BE(p)));
      case 0xdf:
        return map(fixed(4, (p) => buf.readUInt32BE(p)));
      default:
        throw new Error(`msgpack: unsupported byte 0x${b.toString(16)} at ${pos - 1}`);
    }
  };
  const v = item();
  if (pos !== buf.length) throw new Error(`msgpack: ${buf.length - pos} trailing bytes`);
  return v;
}

/** Builds msgpack bytes; the caller writes items in order (cty's encoder decides the shapes). */
export class Writer {
  private chunks: Buffer[] = [];

  private push(...b: number[]): void {
    this.chunks.push(Buffer.from(b));
  }

  nil(): this {
    this.push(0xc0);
    return this;
  }

  bool(v: boolean): this {
    this.push(v ? 0xc3 : 0xc2);
    return this;
  }

  /** Integers in the smallest form (as vmihailenco's compact ints do); others as float64. */
  number(v: number): this {
    if (!Number.isInteger(v) || !Number.isSafeInteger(v)) {
      const b = Buffer.alloc(9);
      b[0] = 0xcb;
      b.writeDoubleBE(v, 1);
      this.chunks.push(b);
      return this;
    }
    if (v >= 0) {
      if (v <= 0x7f) this.push(v);
      else if (v <= 0xff) this.push(0xcc, v);
      else if (v <= 0xffff) this.push(0xcd, v >> 8, v & 0xff);
      else if (v <= 0xffffffff) {
        const b = Buffer.alloc(5);
        b[0] = 0xce;
        b.writeUInt32BE(v, 1);
        this.chunks.push(b);
      } else {
        const b = Buffer.alloc(9);
        b[0] = 0xcf;
        b.writeBigUInt64BE(BigInt(v), 1);
        this.chunks.push(b);
      }
      return this;
    }
    if (v >= -32) this.push(v + 0x100);
    else if (v >= -128) this.push(0xd0, v & 0xff);
    else if (v >= -32768) {
      const b = Buffer.alloc(3);
      b[0] = 0xd1;
      b.writeInt16BE(v, 1);
      this.chunks.push(b);
    } else if (v >= -2147483648) {
      const b = Buffer.alloc(5);
      b[0] = 0xd2;
      b.writeInt32BE(v, 1);
      this.chunks.push(b);
    } else {
      const b = Buffer.alloc(9);
      b[0] = 0xd3;
      b.writeBigInt64BE(BigInt(v), 1);
      this.chunks.push(b);
    }
    return this;
  }

  string(s: string): this {
    const data = Buffer.from(s, 'utf8');
    const n = data.length;
    if (n <= 31) this.push(0xa0 | n);
    else if (n <= 0xff) this.push(0xd9, n);
    else if (n <= 0xffff) this.push(0xda, n >> 8, n & 0xff);
    else {
      const b = Buffer.alloc(5);
      b[0] = 0xdb;
      b.writeUInt32BE(n, 1);
      this.chunks.push(b);
    }
    this.chunks.push(data);
    return this;
  }

  bin(data: Buffer): this {
    const n = data.length;
    if (n <= 0xff) this.push(0xc4, n);
    else if (n <= 0xffff) this.push(0xc5, n >> 8, n & 0xff);
    else {
      const b = Buffer.alloc(5);
      b[0] = 0xc6;
      b.writeUInt32BE(n, 1);
      this.chunks.push(b);
    }
    this.chunks.push(data);
    return this;
  }

  private header(n: number, fix: number, b16: number, b32: number): this {
    if (n <= 15) this.push(fix | n);
    else if (n <= 0xffff) this.push(b16, n >> 8, n & 0xff);
    else {
      const b = Buffer.alloc(5);
      b[0] = b32;
      b.writeUInt32BE(n, 1);
      this.chunks.push(b);
    }
    return this;
  }

  arrayHeader(n: number): this {
    return this.header(n, 0x90, 0xdc, 0xdd);
  }

  mapHeader(n: number): this {
    return this.header(n, 0x80, 0xde, 0xdf);
  }

  ext(type: number, data: Buffer): this {
    const n = data.length;
    const fix: Record<number, number> = { 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 };
    if (fix[n] !== undefined) this.push(fix[n]!, type & 0xff);
    else if (n <= 0xff) this.push(0xc7, n, type & 0xff);
    else if (n <= 0xffff) this.push(0xc8, n >> 8, n & 0xff, type & 0xff);
    else {
      const b = Buffer.alloc(6);
      b[0] = 0xc9;
      b.writeUInt32BE(n, 1);
      b[5] = type & 0xff;
      this.chunks.push(b);
    }
    this.chunks.push(data);
    return this;
  }

  /** Bytes already encoded elsewhere (an unknown value's refinements, kept as they came). */
  raw(b: Buffer): this {
    this.chunks.push(b);
    return this;
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
