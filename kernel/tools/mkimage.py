#!/usr/bin/env python3
"""Test-only image tool (until the packager's `ukify build` lands): kernel + one static app ->
a PVH image following kernel/IMAGE.md. Usage:
  mkimage.py KERNEL APP OUT [--path /name] [--env K=V]... [-- ARG...]"""
import struct
import subprocess
import sys


def cpio_newc(files):
    out = bytearray()
    for ino, (name, data, mode) in enumerate(files + [("TRAILER!!!", b"", 0)], start=1):
        nb = name.encode() + b"\0"
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nb), 0]
        out += b"070701" + b"".join(b"%08x" % f for f in fields) + nb
        out += b"\0" * (-len(out) % 4) + data
        out += b"\0" * (-len(out) % 4)
    return bytes(out)


def symbols(app):
    text = subprocess.run(["nm", "--defined-only", "-S", "-n", app], capture_output=True, text=True).stdout
    lines = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in ("T", "t", "W"):
            lines.append("%x %x %s\n" % (int(parts[0], 16), int(parts[1], 16), parts[3]))
    return "".join(lines).encode()


def bundle(app, path, args, env):
    strings = lambda xs: b"".join(x.encode() + b"\0" for x in xs)
    argv = strings([path] + args)
    envb = strings(env)
    initrd = cpio_newc([(path.lstrip("/"), open(app, "rb").read(), 0o100755),
                        (".ukify/symbols", symbols(app), 0o100644)])
    args_off = 64
    env_off = args_off + len(argv)
    initrd_off = (env_off + len(envb) + 15) & ~15
    total = initrd_off + len(initrd)
    hdr = struct.pack("<8sIIQQQQIIQ", b"UKIFYBN1", 1, 64, total, initrd_off, len(initrd), args_off,
                      1 + len(args), len(env), env_off)
    body = hdr + argv + envb
    return body + b"\0" * (initrd_off - len(body)) + initrd


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    kernel, app, out = argv[:3]
    path, env, rest = "/app", [], argv[3:]
    while rest:
        opt, val = rest[0], rest[1]
        rest = rest[2:]
        if opt == "--path":
            path = val
        elif opt == "--env":
            env.append(val)
    elf = bytearray(open(kernel, "rb").read())
    phoff, = struct.unpack_from("<Q", elf, 32)
    shoff, = struct.unpack_from("<Q", elf, 40)
    phentsize, phnum, shentsize, shnum, shstrndx = struct.unpack_from("<HHHHH", elf, 54)
    phdrs = [struct.unpack_from("<IIQQQQQQ", elf, phoff + i * phentsize) for i in range(phnum)]
    top = max(p[4] + p[6] for p in phdrs if p[0] == 1)
    paddr = (top + 0x1fffff) & ~0x1fffff
    # patch ukify_bundle_paddr through .symtab
    sh = [struct.unpack_from("<IIQQQQIIQQ", elf, shoff + i * shentsize) for i in range(shnum)]
    symtab = next(s for s in sh if s[1] == 2)
    strtab = sh[symtab[6]]
    for off in range(symtab[4], symtab[4] + symtab[5], 24):
        name, info, other, shndx, value, size = struct.unpack_from("<IBBHQQ", elf, off)
        end = elf.index(b"\0", strtab[4] + name)
        if elf[strtab[4] + name:end] == b"ukify_bundle_paddr":
            sec = sh[shndx]
            struct.pack_into("<Q", elf, sec[4] + value - sec[3], paddr)
            break
    else:
        sys.exit("mkimage: ukify_bundle_paddr not found in the kernel")
    data = bundle(app, path, extra, env)
    data_off = (len(elf) + 4095) & ~4095
    elf += b"\0" * (data_off - len(elf)) + data
    new_phoff = (len(elf) + 7) & ~7
    elf += b"\0" * (new_phoff - len(elf))
    for p in phdrs:
        elf += struct.pack("<IIQQQQQQ", *p)
    elf += struct.pack("<IIQQQQQQ", 1, 4, data_off, paddr, paddr, len(data), len(data), 0x1000)
    struct.pack_into("<Q", elf, 32, new_phoff)
    struct.pack_into("<H", elf, 56, phnum + 1)
    open(out, "wb").write(elf)


main()
