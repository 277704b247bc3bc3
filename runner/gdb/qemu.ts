// QEMU's part of `ukify run --gdb`: its gdbstub, the VM held until gdb continues.

/** QEMU's gdbstub on 127.0.0.1:port; -S holds the CPU before its first instruction until gdb continues. */
export function gdbQemuArgs(port: number): string[] {
  return ['-gdb', `tcp:127.0.0.1:${port}`, '-S'];
}
