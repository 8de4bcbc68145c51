/**
 * What a C function type becomes in WebAssembly (wasm32, the basic C ABI clang uses for WASI).
 *
 * A wasm `call_indirect` checks the callee's type exactly, so two C function types are
 * interchangeable through a pointer only when they lower to the same wasm signature: every pointer,
 * `int`, `long` and enum is an i32; `long long` is an i64; `long double` is two i64s; `...` is one
 * i32 (a pointer to the packed arguments); aggregates passed or returned by value are not lowered
 * here (their lowering depends on their members) and come back as `?<type>`.
 */

/**
 * A wasm value type, or `?<C type>` for a by-value type this lowering cannot know (an aggregate, or a
 * typedef of an anonymous struct or enum): two such parts are equal when they are the same C type.
 */
export type WasmValueType = 'i32' | 'i64' | 'f32' | 'f64' | `?${string}`;

export interface WasmSignature {
  params: WasmValueType[];
  results: WasmValueType[];
}

export const formatSignature = (s: WasmSignature): string => `(${s.params.join(',')})->(${s.results.join(',')})`;

/** The wasm value types of one C type as clang prints canonical types; undefined if not known. */
export function lowerCType(cType: string): WasmValueType[] | undefined {
  const t = cType.replace(/\b(const|volatile|restrict|__restrict|__restrict__)\b/g, '').replace(/\s+/g, ' ').trim();
  if (t === 'void') return [];
  // Pointers, references, arrays (decay to pointers as parameters) and function pointers.
  if (/[*&[]/.test(t)) return ['i32'];
  if (/^(struct|union|class)\b/.test(t) || /_Complex|std::|</.test(t)) return undefined;
  if (/^enum\b/.test(t)) return ['i32'];
  const words = t.replace(/\b(signed|unsigned)\b/g, '').replace(/\s+/g, ' ').trim();
  switch (words) {
    case '':
    case 'int':
    case 'char':
    case 'char8_t':
    case 'char16_t':
    case 'char32_t':
    case 'wchar_t':
    case 'short':
    case 'short int':
    case 'long':
    case 'long int':
    case '_Bool':
    case 'bool':
    case '__fp16':
    case '_Float16':
    case 'std::nullptr_t':
      return ['i32'];
    case 'long long':
    case 'long long int':
      return ['i64'];
    case '__int128':
    case '__int128_t':
    case '__uint128_t':
    case 'long double':
      return ['i64', 'i64'];
    case 'float':
      return ['f32'];
    case 'double':
      return ['f64'];
    default:
      return undefined;
  }
}

/** Splits at commas that are not inside parentheses, brackets or angle brackets. */
function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === '(' || c === '[' || c === '<') depth++;
    else if (c === ')' || c === ']' || c === '>') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(list.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(list.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** Index of the parenthesis that closes the one at `open`. */
function closingParen(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

/**
 * The wasm signature of a C function-pointer type as clang prints it, e.g.
 * `struct _object *(*)(struct _object *, long)`. Undefined when it is not a plain function pointer.
 */
export function functionPointerSignature(cType: string): WasmSignature | undefined {
  const marker = cType.indexOf('(*)');
  if (marker < 0) return undefined;
  const open = marker + 3;
  if (cType[open] !== '(') return undefined;
  const close = closingParen(cType, open);
  if (close < 0 || cType.slice(close + 1).trim() !== '') return undefined;
  const opaque = (t: string): WasmValueType[] => [`?${t.replace(/\s+/g, ' ').trim()}`];
  const results = lowerCType(cType.slice(0, marker)) ?? opaque(cType.slice(0, marker));
  const params: WasmValueType[] = [];
  const list = splitTopLevel(cType.slice(open + 1, close));
  for (const p of list) {
    if (p === 'void' && list.length === 1) break;
    if (p === '...') {
      params.push('i32');
      continue;
    }
    params.push(...(lowerCType(p) ?? opaque(p)));
  }
  return { params, results };
}

/** Whether a signature has parts this lowering could not know (see WasmValueType). */
export const hasOpaqueParts = (s: WasmSignature) => [...s.params, ...s.results].some((t) => t.startsWith('?'));
