/**
 * Reads a Terraform provider's schema back out of the code that cdktf/cdktn generated from it
 * (`@cdktf/provider-*`, `@cdktn/provider-*`): one generated file per resource or data source type.
 *
 * Each `lib/<type>/index.js` carries its TypeScript source in its inline source map; that source
 * says, for every argument, its Terraform name and the generator's view of the schema:
 * - `// <name> - computed: X, optional: Y, required: Z` before each member of the resource class
 *   and of every nested `…OutputReference` class (the flags);
 * - `synthesizeHclAttributes()` / `<struct>ToHclTerraform()`: `isBlock`, `type` (simple, list,
 *   set, map, struct) and `storageClassType` (`string`, `stringList`, `<Struct>List` …) of every
 *   settable argument; whether a list/set goes through `listMapperHcl` (absent: max one item);
 * - the config interfaces' JSDoc, where a real block is documented as "`<name> block`" (an
 *   attribute of object type — SDKv2's ConfigModeAttr, plugin framework nested attributes — is
 *   not);
 * - computed-only members through their getters (`getStringAttribute`, `new XList(this, "x",
 *   wrapsSet)` …).
 *
 * What the generated code does not keep, and so this cannot know: `sensitive` (the extraction
 * script adds a curated list), `deprecated`, min/max items other than "0 or 1" and "at most 1",
 * set-versus-list for collections nested inside collections (taken as lists), schema versions.
 */

export type CtyType = string | [string, unknown];

export interface AttributeSchema {
  type?: CtyType;
  nested_type?: NestedType;
  required?: true;
  optional?: true;
  computed?: true;
  sensitive?: true;
  write_only?: true;
}

export interface NestedType {
  nesting_mode: 'single' | 'list' | 'set' | 'map';
  attributes: Record<string, AttributeSchema>;
}

export interface BlockSchema {
  attributes?: Record<string, AttributeSchema>;
  block_types?: Record<string, BlockType>;
}

export interface BlockType {
  nesting_mode: 'single' | 'list' | 'set' | 'map' | 'group';
  block: BlockSchema;
  min_items?: number;
  max_items?: number;
}

export interface Schema {
  version: number;
  block: BlockSchema;
}

export interface ParsedFile {
  /** `aws_vpc`, or undefined for the provider's own configuration */
  typeName?: string;
  kind: 'resource' | 'data' | 'provider';
  schema: Schema;
  /** attributes the generator skipped (typed `any`): not checked by the schema */
  warnings: string[];
}

interface HclEntry {
  name: string;
  value: string;
  isBlock: boolean;
  type: string;
  storageClassType: string;
}

interface Member {
  name: string;
  computed: boolean;
  optional: boolean;
  required: boolean;
  text: string;
}

interface InterfaceProp {
  camel: string;
  optional: boolean;
  tsType: string;
  doc: string;
  tfName?: string;
}

interface Flags {
  computed: boolean;
  optional: boolean;
  required: boolean;
}

/** The TypeScript source kept in a generated file's inline source map. */
export function sourceFromGeneratedJs(js: string, file = 'generated file'): string {
  const m = /sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)/.exec(js);
  if (!m?.[1]) throw new Error(`${file}: no inline source map (was the package built differently?)`);
  const map = JSON.parse(Buffer.from(m[1], 'base64').toString('utf8')) as { sourcesContent?: string[] };
  const src = map.sourcesContent?.[0];
  if (!src) throw new Error(`${file}: the source map carries no sourcesContent`);
  return src;
}

interface Sections {
  interfaces: Map<string, string>;
  functions: Map<string, string>;
  classes: Map<string, { body: string; base: string }>;
}

function splitSections(src: string): Sections {
  const out: Sections = { interfaces: new Map(), functions: new Map(), classes: new Map() };
  const re = /^export (interface|function|class) (\w+)([^\n]*)$/gm;
  const starts: Array<{ kind: string; name: string; head: string; at: number }> = [];
  for (let m = re.exec(src); m; m = re.exec(src)) starts.push({ kind: m[1]!, name: m[2]!, head: m[3]!, at: m.index });
  starts.forEach((s, i) => {
    const body = src.slice(s.at, starts[i + 1]?.at ?? src.length);
    if (s.kind === 'interface') out.interfaces.set(s.name, body);
    else if (s.kind === 'function') out.functions.set(s.name, body);
    else out.classes.set(s.name, { body, base: /extends (\S+)/.exec(s.head)?.[1] ?? '' });
  });
  return out;
}

const HCL_ENTRY =
  /^\s+(\w+): \{\n\s+value: (.*),\n\s+isBlock: (true|false),\n\s+type: "(\w+)",\n\s+storageClassType: "(\w+)",\n\s+\},?$/gm;

function hclEntries(body: string): Map<string, HclEntry> {
  const out = new Map<string, HclEntry>();
  for (let m = HCL_ENTRY.exec(body); m; m = HCL_ENTRY.exec(body)) {
    out.set(m[1]!, { name: m[1]!, value: m[2]!, isBlock: m[3] === 'true', type: m[4]!, storageClassType: m[5]! });
  }
  return out;
}

const FLAGS = /^\s+\/\/ (\w+) - computed: (true|false), optional: (true|false), required: (true|false)$/gm;

function members(classBody: string): Map<string, Member> {
  const found: Array<{ m: RegExpExecArray }> = [];
  for (let m = FLAGS.exec(classBody); m; m = FLAGS.exec(classBody)) found.push({ m });
  const out = new Map<string, Member>();
  found.forEach(({ m }, i) => {
    const end = found[i + 1]?.m.index ?? classBody.length;
    out.set(m[1]!, {
      name: m[1]!,
      computed: m[2] === 'true',
      optional: m[3] === 'true',
      required: m[4] === 'true',
      text: classBody.slice(m.index + m[0].length, end),
    });
  });
  return out;
}

function interfaceProps(body: string): Map<string, InterfaceProp> {
  const out = new Map<string, InterfaceProp>();
  const re = /(?:\/\*\*([\s\S]*?)\*\/\s*)?readonly (\w+)(\??): ([^;\n]+);/g;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    const doc = m[1] ?? '';
    const link = /#(\w+) \w+#\1\}/.exec(doc);
    out.set(m[2]!, { camel: m[2]!, optional: m[3] === '?', tsType: m[4]!, doc, tfName: link?.[1] });
  }
  return out;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** `[prim, ...suffixes]` of a storage class like `stringListMap`. */
function storageChain(cls: string): { base: string; suffixes: string[] } | undefined {
  const m = /^(string|number|boolean|any)((?:List|Map)*)$/.exec(cls);
  if (!m) return undefined;
  return { base: m[1]!, suffixes: m[2]!.match(/List|Map/g) ?? [] };
}

const PRIM: Record<string, string> = { string: 'string', number: 'number', boolean: 'bool', any: 'dynamic' };

class RecursiveStruct extends Error {}

class FileParser {
  readonly warnings: string[] = [];

  constructor(
    private readonly s: Sections,
    private readonly where: string,
  ) {}

  private fail(msg: string): never {
    throw new Error(`${this.where}: ${msg}`);
  }

  /** The struct name behind a storage class: `FooList` → `Foo`, `FooMap` → `Foo`, `Foo` → `Foo`. */
  private structOf(cls: string): string {
    if (this.s.interfaces.has(cls)) return cls;
    const m = /^(\w+?)(List|Map)$/.exec(cls);
    if (m && this.s.interfaces.has(m[1]!)) return m[1]!;
    return this.fail(`no struct for storage class ${cls}`);
  }

  /** A primitive/collection type from the storage class and the outer kind. */
  private simpleType(kind: string, cls: string, what: string): CtyType {
    const chain = storageChain(cls);
    if (!chain) return this.fail(`${what}: unexpected storage class ${cls}`);
    if (chain.base === 'any') {
      this.warnings.push(`${what} is typed "any" by the generator: taken as dynamic`);
      return 'dynamic';
    }
    let t: CtyType = PRIM[chain.base]!;
    const suffixes = [...chain.suffixes];
    if (kind === 'simple') {
      if (suffixes.length) this.fail(`${what}: simple with ${cls}`);
      return t;
    }
    // innermost first; the outermost kind is the entry's own (list, set or map)
    for (let i = 0; i < suffixes.length; i++) {
      const outer = i === suffixes.length - 1;
      const k = outer ? kind : suffixes[i] === 'Map' ? 'map' : 'list';
      t = [k, t];
    }
    if (!suffixes.length) t = [kind, t];
    return t;
  }

  private readonly open: string[] = [];

  /** The generator makes some deep schemas recursive (wafv2 statements): cut the loop there. */
  private inStruct<T>(struct: string, where: string, f: () => T): T {
    if (this.open.includes(struct)) throw new RecursiveStruct(where);
    this.open.push(struct);
    try {
      return f();
    } finally {
      this.open.pop();
    }
  }

  /** Flags and members of a struct: its OutputReference class when there is one. */
  private structMembers(struct: string): Map<string, Member> | undefined {
    const cls = this.s.classes.get(`${struct}OutputReference`);
    return cls ? members(cls.body) : undefined;
  }

  private structHcl(struct: string): Map<string, HclEntry> {
    const fn = this.s.functions.get(`${lowerFirst(struct)}ToHclTerraform`);
    return fn ? hclEntries(fn) : new Map();
  }

  /**
   * The attributes and blocks of one scope: the top-level class (hcl from synthesizeHclAttributes,
   * members from the class) or a struct (hcl from its ToHclTerraform, members from its
   * OutputReference, interface for the provider's structs that have no OutputReference).
   */
  block(hcl: Map<string, HclEntry>, mem: Map<string, Member> | undefined, iface: string | undefined, path: string): BlockSchema {
    const props = iface ? interfaceProps(this.s.interfaces.get(iface) ?? '') : new Map<string, InterfaceProp>();
    const byTf = new Map<string, InterfaceProp>();
    for (const p of props.values()) if (p.tfName) byTf.set(p.tfName, p);
    const names = new Set<string>([...hcl.keys(), ...(mem?.keys() ?? [])]);
    const attributes: Record<string, AttributeSchema> = {};
    const blockTypes: Record<string, BlockType> = {};
    for (const name of [...names].sort()) {
      const where = `${path}${name}`;
      const entry = hcl.get(name);
      const m = mem?.get(name);
      const prop = byTf.get(name) ?? (entry ? props.get(/(?:struct!\.|this\._)(\w+)/.exec(entry.value)?.[1] ?? '') : undefined);
      let flags: Flags;
      if (m) flags = m;
      else if (prop) flags = { computed: false, optional: prop.optional, required: !prop.optional };
      else flags = { computed: false, optional: true, required: false };
      const writeOnly = (m && /@deprecated Write-only/.test(m.text)) || /_wo$/.test(name);

      if (entry?.isBlock && !flags.computed && prop && new RegExp(`^\\s*\\* ${name} block\\s*$`, 'm').test(prop.doc)) {
        try {
          blockTypes[name] = this.blockType(entry, flags, where);
          continue;
        } catch (err) {
          if (!(err instanceof RecursiveStruct)) throw err;
          this.warnings.push(`${where} is a recursive block in the generated code: taken as a dynamic attribute`);
          attributes[name] = { type: 'dynamic', optional: true };
          continue;
        }
      }
      let attr: AttributeSchema;
      try {
        attr = entry ? this.attrFromHcl(entry, flags, where) : this.attrFromMember(m!, where);
      } catch (err) {
        if (!(err instanceof RecursiveStruct)) throw err;
        this.warnings.push(`${where} is recursive in the generated code: taken as dynamic`);
        attr = { type: 'dynamic' };
      }
      if (flags.required) attr.required = true;
      if (flags.optional) attr.optional = true;
      if (flags.computed) attr.computed = true;
      if (!flags.required && !flags.optional && !flags.computed) attr.optional = true;
      if (writeOnly) attr.write_only = true;
      attributes[name] = attr;
    }
    const out: BlockSchema = {};
    if (Object.keys(attributes).length) out.attributes = attributes;
    if (Object.keys(blockTypes).length) out.block_types = blockTypes;
    return out;
  }

  private blockType(entry: HclEntry, flags: Flags, where: string): BlockType {
    const struct = this.structOf(entry.storageClassType);
    const block = this.inStruct(struct, where, () => this.block(this.structHcl(struct), this.structMembers(struct), struct, `${where}.`));
    switch (entry.type) {
      case 'struct':
        return { nesting_mode: 'single', block };
      case 'map':
        return { nesting_mode: 'map', block };
      case 'list':
      case 'set': {
        const single = !/listMapperHcl\(/.test(entry.value);
        const bt: BlockType = { nesting_mode: entry.type, block };
        if (flags.required) bt.min_items = 1;
        if (single) bt.max_items = 1;
        return bt;
      }
      default:
        return this.fail(`${where}: block of kind ${entry.type}`);
    }
  }

  /** The object type (or nested type) of a struct used as an attribute's value. */
  private structAttributes(struct: string, where: string): Record<string, AttributeSchema> {
    const b = this.inStruct(struct, where, () => this.block(this.structHcl(struct), this.structMembers(struct), struct, `${where}.`));
    if (b.block_types) {
      // a struct under an attribute holds attributes only; a "block" here is an object attribute
      for (const [n, bt] of Object.entries(b.block_types)) {
        b.attributes = { ...b.attributes, [n]: { type: blockAsType(bt), optional: true } };
      }
    }
    return b.attributes ?? {};
  }

  private objectValue(struct: string, parent: Flags, where: string): { type?: CtyType; nested?: Record<string, AttributeSchema> } {
    const attrs = this.structAttributes(struct, where);
    // An object-typed attribute's fields copy their parent's flags; nested attributes (plugin
    // framework) carry their own: the only trace of the difference.
    const same = Object.values(attrs).every(
      (a) => !!a.computed === parent.computed && !!a.optional === parent.optional && !!a.required === parent.required,
    );
    if (same) return { type: ['object', Object.fromEntries(Object.entries(attrs).map(([n, a]) => [n, attrType(a)]))] };
    return { nested: attrs };
  }

  private attrFromHcl(entry: HclEntry, flags: Flags, where: string): AttributeSchema {
    if (!entry.isBlock) {
      if (entry.type === 'simple' && entry.storageClassType === 'any') {
        this.warnings.push(`${where} is typed "any" by the generator: taken as dynamic`);
        return { type: 'dynamic' };
      }
      return { type: this.simpleType(entry.type, entry.storageClassType, where) };
    }
    const struct = this.structOf(entry.storageClassType);
    const v = this.objectValue(struct, flags, where);
    const mode = entry.type === 'struct' ? 'single' : (entry.type as 'list' | 'set' | 'map');
    if (v.nested) return { nested_type: { nesting_mode: mode, attributes: v.nested } };
    return { type: mode === 'single' ? v.type! : [mode, v.type] };
  }

  /** A member with no HCL entry: computed only, typed by its getter or declaration. */
  private attrFromMember(m: Member, where: string): AttributeSchema {
    const t = m.text;
    const ctor = /private _\w+ = new ([\w.]+)\(this, "[^"]*"(?:, (true|false))?\)/.exec(t);
    if (ctor) {
      const c = ctor[1]!;
      const lib: Record<string, CtyType> = {
        StringMap: ['map', 'string'],
        NumberMap: ['map', 'number'],
        BooleanMap: ['map', 'bool'],
        AnyMap: 'dynamic',
        StringMapList: ['list', ['map', 'string']],
        StringListMap: ['map', ['list', 'string']],
        NumberListMap: ['map', ['list', 'number']],
        BooleanListMap: ['map', ['list', 'bool']],
      };
      const libName = /^cdkt[fn]\.(\w+)$/.exec(c)?.[1];
      if (libName) {
        const ty = lib[libName];
        if (!ty) this.fail(`${where}: unknown library collection ${c}`);
        return { type: ty };
      }
      const flags = { computed: m.computed, optional: m.optional, required: m.required };
      let mode: 'single' | 'list' | 'set' | 'map';
      let struct: string;
      if (c.endsWith('OutputReference')) {
        mode = 'single';
        struct = c.slice(0, -'OutputReference'.length);
      } else if (c.endsWith('List')) {
        mode = ctor[2] === 'true' ? 'set' : 'list';
        struct = c.slice(0, -4);
      } else if (c.endsWith('Map')) {
        mode = 'map';
        struct = c.slice(0, -3);
      } else return this.fail(`${where}: unexpected member class ${c}`);
      const v = this.objectValue(this.structOf(struct), flags, where);
      if (v.nested) return { nested_type: { nesting_mode: mode, attributes: v.nested } };
      return { type: mode === 'single' ? v.type! : [mode, v.type] };
    }
    const ret = /return ([^;]+);/.exec(t)?.[1] ?? '';
    const getters: Array<[RegExp, CtyType]> = [
      [/^this\.getStringAttribute\(/, 'string'],
      [/^this\.getNumberAttribute\(/, 'number'],
      [/^this\.getBooleanAttribute\(/, 'bool'],
      [/^cdkt[fn]\.Fn\.tolist\(this\.getListAttribute\(/, ['set', 'string']],
      [/^this\.getListAttribute\(/, ['list', 'string']],
      [/^cdkt[fn]\.Token\.asNumberList\(cdkt[fn]\.Fn\.tolist\(this\.getNumberListAttribute\(/, ['set', 'number']],
      [/^this\.getNumberListAttribute\(/, ['list', 'number']],
      [/^cdkt[fn]\.Fn\.tolist\(this\.getBooleanListAttribute\(/, ['set', 'bool']],
      [/^this\.getBooleanListAttribute\(/, ['list', 'bool']],
      [/^this\.getStringMapAttribute\(/, ['map', 'string']],
      [/^this\.getNumberMapAttribute\(/, ['map', 'number']],
      [/^this\.getBooleanMapAttribute\(/, ['map', 'bool']],
      [/^this\.getAnyMapAttribute\(/, 'dynamic'],
      [/^this\.interpolationForAttribute\(/, 'dynamic'],
    ];
    for (const [re, ty] of getters) {
      if (re.test(ret)) {
        if (ty === 'dynamic' && /interpolationForAttribute/.test(ret)) this.warnings.push(`${where} is typed "any" by the generator: taken as dynamic`);
        return { type: ty };
      }
    }
    return this.fail(`${where}: cannot tell the type of a computed member from \`${ret || t.trim().split('\n')[0]}\``);
  }
}

function blockAsType(bt: BlockType): CtyType {
  const attrs: Record<string, unknown> = {};
  for (const [n, a] of Object.entries(bt.block.attributes ?? {})) attrs[n] = attrType(a);
  for (const [n, b] of Object.entries(bt.block.block_types ?? {})) attrs[n] = blockAsType(b);
  const obj: CtyType = ['object', attrs];
  return bt.nesting_mode === 'single' || bt.nesting_mode === 'group' ? obj : [bt.nesting_mode, obj];
}

/** The cty type of an attribute, nested types included. */
export function attrType(a: AttributeSchema): CtyType {
  if (a.type !== undefined) return a.type;
  const nt = a.nested_type!;
  const obj: CtyType = ['object', Object.fromEntries(Object.entries(nt.attributes).map(([n, x]) => [n, attrType(x)]))];
  return nt.nesting_mode === 'single' ? obj : [nt.nesting_mode, obj];
}

/** Parses one generated file's TypeScript source. */
export function parseGeneratedSource(src: string, where = 'generated source'): ParsedFile {
  const s = splitSections(src);
  const main = [...s.classes.entries()].find(([, c]) => /^cdkt[fn]\.Terraform(Resource|DataSource|Provider)$/.test(c.base));
  if (!main) throw new Error(`${where}: no resource, data source or provider class`);
  const [className, cls] = main;
  const kind = cls.base.endsWith('Provider') ? 'provider' : cls.base.endsWith('DataSource') ? 'data' : 'resource';
  const typeName = /static readonly tfResourceType = "([^"]+)"/.exec(cls.body)?.[1];
  if (kind !== 'provider' && !typeName) throw new Error(`${where}: no tfResourceType`);
  const synth = /synthesizeHclAttributes\(\)[\s\S]*$/.exec(cls.body)?.[0] ?? '';
  const p = new FileParser(s, where);
  const block = p.block(hclEntries(synth), members(cls.body), `${className}Config`, `${typeName ?? 'provider'}.`);
  if (kind === 'provider' && block.attributes) {
    delete block.attributes.alias; // added by the generator; Terraform's own meta-argument
    if (!Object.keys(block.attributes).length) delete block.attributes;
  }
  return { typeName, kind, schema: { version: 0, block }, warnings: p.warnings };
}

/** Sorted-key JSON, so regenerated files diff cleanly. */
export function stableJson(v: unknown, indent = 0): string {
  const sort = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sort);
    if (x && typeof x === 'object') {
      return Object.fromEntries(Object.keys(x as object).sort().map((k) => [k, sort((x as Record<string, unknown>)[k])]));
    }
    return x;
  };
  return JSON.stringify(sort(v), null, indent);
}
