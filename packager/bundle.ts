// The bundle of kernel/IMAGE.md: a 64-byte header, the argument and environment strings, then the
// cpio initrd (page-aligned, so the kernel may map file data in place).

export const BUNDLE_MAGIC = 'UKIFYBN1';
export const BUNDLE_VERSION = 1;
export const BUNDLE_HEADER_SIZE = 64;
const INITRD_ALIGN = 4096;

export interface BundleContents {
  initrd: Uint8Array;
  /** argv, argv[0] being the app's path in the initrd. */
  args: readonly string[];
  /** KEY=VALUE strings. */
  env: readonly string[];
}

export interface BundleHeader {
  version: number;
  headerSize: number;
  totalSize: bigint;
  initrdOffset: bigint;
  initrdSize: bigint;
  argsOffset: bigint;
  argc: number;
  envc: number;
  envOffset: bigint;
}

const encoder = new TextEncoder();

function strings(list: readonly string[], what: string): Uint8Array {
  for (const s of list) {
    if (s.includes('\0')) throw new BundleError(`${what} '${s.replace(/\0/g, '\\0')}' holds a NUL byte, which no C string can carry`);
  }
  return encoder.encode(list.map((s) => `${s}\0`).join(''));
}

export class BundleError extends Error {
  readonly userFacing = true;
  readonly exitCode = 2;
}

export function buildBundle(contents: BundleContents): Uint8Array {
  const args = strings(contents.args, 'argument');
  const env = strings(contents.env, 'environment variable');
  const argsOffset = BUNDLE_HEADER_SIZE;
  const envOffset = argsOffset + args.length;
  const initrdOffset = Math.ceil((envOffset + env.length) / INITRD_ALIGN) * INITRD_ALIGN;
  const total = initrdOffset + contents.initrd.length;

  const bundle = new Uint8Array(total);
  const view = new DataView(bundle.buffer);
  bundle.set(encoder.encode(BUNDLE_MAGIC), 0);
  view.setUint32(8, BUNDLE_VERSION, true);
  view.setUint32(12, BUNDLE_HEADER_SIZE, true);
  view.setBigUint64(16, BigInt(total), true);
  view.setBigUint64(24, BigInt(initrdOffset), true);
  view.setBigUint64(32, BigInt(contents.initrd.length), true);
  view.setBigUint64(40, BigInt(argsOffset), true);
  view.setUint32(48, contents.args.length, true);
  view.setUint32(52, contents.env.length, true);
  view.setBigUint64(56, BigInt(envOffset), true);
  bundle.set(args, argsOffset);
  bundle.set(env, envOffset);
  bundle.set(contents.initrd, initrdOffset);
  return bundle;
}

export function hasBundleMagic(bytes: Uint8Array, offset = 0): boolean {
  if (offset < 0 || offset + BUNDLE_MAGIC.length > bytes.length) return false;
  return new TextDecoder('latin1').decode(bytes.subarray(offset, offset + BUNDLE_MAGIC.length)) === BUNDLE_MAGIC;
}

/** Reads a bundle header back (for `ukify run` and the tests); undefined when the magic is absent. */
export function readBundleHeader(bytes: Uint8Array, offset = 0): BundleHeader | undefined {
  if (!hasBundleMagic(bytes, offset) || offset + BUNDLE_HEADER_SIZE > bytes.length) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, BUNDLE_HEADER_SIZE);
  return {
    version: view.getUint32(8, true),
    headerSize: view.getUint32(12, true),
    totalSize: view.getBigUint64(16, true),
    initrdOffset: view.getBigUint64(24, true),
    initrdSize: view.getBigUint64(32, true),
    argsOffset: view.getBigUint64(40, true),
    argc: view.getUint32(48, true),
    envc: view.getUint32(52, true),
    envOffset: view.getBigUint64(56, true),
  };
}
