import { decodeBase64IgnorePadding, encodeBase64NoPadding } from "@oslojs/encoding";
import argon2Module from "@phi-ag/argon2/argon2.wasm";
import { constantTimeEqual, utf8 } from "./encoding";

/**
 * Argon2id (RFC 9106) in WebAssembly, statically imported (workerd forbids compiling wasm at run time).
 * The wasm is @phi-ag/argon2's SIMD build of the reference implementation; this module binds its C exports
 * directly because the package's JS wrapper passes the UTF-16 length of the password instead of its UTF-8 byte
 * length, which truncates non-ASCII passwords. Here the password always goes in as UTF-8 bytes.
 */
export interface Argon2Params {
  memoryKiB: number;
  iterations: number;
  parallelism: number;
}

/** OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB, t=2, p=1. */
export const DEFAULT_ARGON2_PARAMS: Argon2Params = { memoryKiB: 19456, iterations: 2, parallelism: 1 };

const ARGON2ID = 2;
const VERSION_13 = 0x13;
const HASH_LENGTH = 32;
const SALT_LENGTH = 16;

interface Argon2Exports {
  memory: WebAssembly.Memory;
  _initialize(): void;
  malloc(size: number): number;
  free(ptr: number): void;
  argon2_hash(
    t: number,
    m: number,
    p: number,
    pwd: number,
    pwdLen: number,
    salt: number,
    saltLen: number,
    hash: number,
    hashLen: number,
    encoded: number,
    encodedLen: number,
    type: number,
    version: number,
  ): number;
  argon2_error_message(code: number): number;
}

let exportsCache: Argon2Exports | undefined;

function argon2(): Argon2Exports {
  if (!exportsCache) {
    const instance = new WebAssembly.Instance(argon2Module as WebAssembly.Module, {});
    exportsCache = instance.exports as unknown as Argon2Exports;
    exportsCache._initialize();
  }
  return exportsCache;
}

/** Raw Argon2id: password and salt bytes in, 32-byte tag out. */
export function argon2id(password: Uint8Array, salt: Uint8Array, params: Argon2Params): Uint8Array {
  if (salt.length < 8) throw new TypeError("salt must be at least 8 bytes");
  const wasm = argon2();
  const pwdPtr = wasm.malloc(Math.max(password.length, 1));
  const saltPtr = wasm.malloc(salt.length);
  const hashPtr = wasm.malloc(HASH_LENGTH);
  try {
    let heap = new Uint8Array(wasm.memory.buffer);
    heap.set(password, pwdPtr);
    heap.set(salt, saltPtr);
    const rc = wasm.argon2_hash(
      params.iterations,
      params.memoryKiB,
      params.parallelism,
      pwdPtr,
      password.length,
      saltPtr,
      salt.length,
      hashPtr,
      HASH_LENGTH,
      0,
      0,
      ARGON2ID,
      VERSION_13,
    );
    if (rc !== 0) throw new Error(`argon2 failed with code ${rc}`);
    // memory may have grown during hashing: take a fresh view
    heap = new Uint8Array(wasm.memory.buffer);
    return heap.slice(hashPtr, hashPtr + HASH_LENGTH);
  } finally {
    // scrub the password copy before giving the memory back
    new Uint8Array(wasm.memory.buffer).fill(0, pwdPtr, pwdPtr + password.length);
    wasm.free(pwdPtr);
    wasm.free(saltPtr);
    wasm.free(hashPtr);
  }
}

export interface ParsedPhc {
  params: Argon2Params;
  salt: Uint8Array;
  hash: Uint8Array;
}

export type PhcParseResult =
  | { ok: true; value: ParsedPhc }
  | { ok: false; reason: "format" | "algorithm" | "version" };

const PHC = /^\$argon2id\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** Parses an Argon2id PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`, unpadded standard base64). */
export function parsePhc(phc: string): PhcParseResult {
  if (!phc.startsWith("$argon2id$"))
    return { ok: false, reason: phc.startsWith("$argon2") ? "algorithm" : "format" };
  const m = PHC.exec(phc);
  if (!m) return { ok: false, reason: "format" };
  if (Number(m[1]) !== VERSION_13) return { ok: false, reason: "version" };
  const params = { memoryKiB: Number(m[2]), iterations: Number(m[3]), parallelism: Number(m[4]) };
  if (
    params.parallelism < 1 ||
    params.parallelism > 16 ||
    params.memoryKiB < 8 * params.parallelism ||
    params.memoryKiB > 4194304 ||
    params.iterations < 1 ||
    params.iterations > 64
  ) {
    return { ok: false, reason: "format" };
  }
  try {
    const salt = fromB64(m[5] as string);
    const hash = fromB64(m[6] as string);
    if (salt.length < 8 || hash.length < 4) return { ok: false, reason: "format" };
    return { ok: true, value: { params, salt, hash } };
  } catch {
    return { ok: false, reason: "format" };
  }
}

export function formatPhc({ params, salt, hash }: ParsedPhc): string {
  return `$argon2id$v=${VERSION_13}$m=${params.memoryKiB},t=${params.iterations},p=${params.parallelism}$${toB64(salt)}$${toB64(hash)}`;
}

/** Hashes a (normalised) password into a PHC string with a fresh 16-byte salt. */
export function hashPassword(
  password: string,
  params: Argon2Params,
  random: (n: number) => Uint8Array,
): string {
  const salt = random(SALT_LENGTH);
  return formatPhc({ params, salt, hash: argon2id(utf8(password), salt, params) });
}

/** Verifies a password against a PHC string in constant time; a malformed hash verifies nothing. */
export function verifyPassword(password: string, phc: string): boolean {
  const parsed = parsePhc(phc);
  if (!parsed.ok) return false;
  const { params, salt, hash } = parsed.value;
  try {
    return constantTimeEqual(argon2id(utf8(password), salt, params), hash);
  } catch {
    return false;
  }
}

/** True when a stored hash was made with other parameters than the configured ones (upgrade at next login). */
export function needsRehash(phc: string, params: Argon2Params): boolean {
  const parsed = parsePhc(phc);
  if (!parsed.ok) return true;
  const p = parsed.value.params;
  return (
    p.memoryKiB !== params.memoryKiB ||
    p.iterations !== params.iterations ||
    p.parallelism !== params.parallelism ||
    parsed.value.hash.length !== HASH_LENGTH
  );
}

// PHC uses standard base64 without padding.
const toB64 = encodeBase64NoPadding;
const fromB64 = decodeBase64IgnorePadding;
