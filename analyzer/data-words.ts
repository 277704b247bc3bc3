// The aligned 8-byte words of loaded data, as numbers: where a fixed-address executable, which has no
// relocations, keeps its pointers. A value past 2^53 is rounded as Number(bigint) rounds it (it is
// never an address of the file); no BigInt is made per word.
export function forEachWord(bytes: Uint8Array, addr: bigint, visit: (wordAddr: number, value: number) => void): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const skip = Number((8n - (addr % 8n)) % 8n);
  const base = Number(addr);
  for (let o = skip; o + 8 <= bytes.length; o += 8) visit(base + o, view.getUint32(o + 4, true) * 2 ** 32 + view.getUint32(o, true));
}
