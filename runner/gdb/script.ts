// The gdb script `ukify run --gdb` writes: gdb -x SCRIPT attaches to QEMU's gdbstub (the VM is held
// at its first instruction by -S), loads the kernel's symbols, and follows the kernel's reports of
// each ELF file it maps (kernel/gdb.c: a call to ukify_gdb_mapped(path, bias, pid)) with a hidden
// breakpoint that loads the file's symbols from the folder of the image's files, at the bias the
// kernel chose (add-symbol-file -o), and lets the VM go on. It then runs to the first program's
// first instruction (ukify_gdb_exec(path, entry, pid)) and leaves the user there. `ukify-ps` lists
// the guest's processes and threads, `ukify-files` the files whose symbols were loaded.

export interface GdbScriptOptions {
  port: number;
  /** The kernel with its symbols (build/kernel/ukify-kernel.debug), the one the image carries. */
  kernelSymbols: string;
  /** The folder holding the image's ELF files at their guest paths. */
  root: string;
  /** The image, for the comment at the top. */
  image: string;
}

/** A path as a Python string literal (JSON's escapes are Python's for these characters). */
function py(text: string): string {
  return JSON.stringify(text);
}

/** A path for a gdb command argument (gdb splits them as a shell does, with double quotes). */
function gdbPath(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function gdbScript(o: GdbScriptOptions): string {
  return `# Written by \`ukify run --gdb\` for ${o.image.replace(/\n/g, ' ')}.
# Use: gdb -x THIS_FILE. The VM waits, paused, until gdb continues; this script connects, loads the
# symbols of the kernel and of every ELF file the kernel maps (the program, its loader, each library,
# where the kernel put them: they come from ${o.root.replace(/\n/g, ' ')}), and stops at the
# program's first instruction. Then: break main, continue, bt, print, ukify-ps, ukify-files.
set pagination off
set confirm off
set breakpoint pending on
set tcp connect-timeout 5
file ${gdbPath(o.kernelSymbols)}
python
import gdb

UKIFY_ROOT = ${py(o.root)}
ukify_files = []

class UkifyMapped(gdb.Breakpoint):
    """kernel/gdb.c calls ukify_gdb_mapped(path, bias, pid) for each ELF file it maps."""
    def stop(self):
        path = gdb.parse_and_eval('(const char *)$rdi').string()
        bias = int(gdb.parse_and_eval('(unsigned long)$rsi'))
        pid = int(gdb.parse_and_eval('(int)$rdx'))
        if (path, bias) not in [(f[0], f[1]) for f in ukify_files]:
            ukify_files.append((path, bias, pid))
            host = UKIFY_ROOT + path if path.startswith('/') else UKIFY_ROOT + '/' + path
            try:
                gdb.execute('add-symbol-file %s -o %#x' % (gdb_quote(host), bias), to_string=True)
            except gdb.error as e:
                gdb.write('ukify: no symbols for %s: %s\\n' % (path, e))
        return False

def gdb_quote(text):
    return '"' + text.replace('\\\\', '\\\\\\\\').replace('"', '\\\\"') + '"'

class UkifyFiles(gdb.Command):
    """The ELF files the kernel mapped, whose symbols are loaded: guest path, load bias, first process."""
    def __init__(self):
        super().__init__('ukify-files', gdb.COMMAND_STATUS)
    def invoke(self, arg, from_tty):
        for path, bias, pid in ukify_files:
            gdb.write('%#18x  %s  (pid %d)\\n' % (bias, path, pid))

def ukify_where(pc):
    sym = gdb.execute('info symbol %#x' % pc, to_string=True).strip()
    return '%#x' % pc if sym.startswith('No symbol') else '%#x (%s)' % (pc, sym.split(' in section ')[0])

class UkifyPs(gdb.Command):
    """The guest's processes and their threads (the kernel's table): pid, parent, name and state; each
thread's tid, state and where it is in the program (the running one: where gdb shows it)."""
    def __init__(self):
        super().__init__('ukify-ps', gdb.COMMAND_STATUS)
    def invoke(self, arg, from_tty):
        current = gdb.parse_and_eval('*(struct thread **)&current')
        regs = gdb.lookup_type('struct regs').pointer()
        p = gdb.parse_and_eval('*(struct proc **)&procs')
        while int(p) != 0:
            parent = p['parent']
            ppid = int(parent['pid']) if int(parent) != 0 else 0
            exe = p['exe'].string() if int(p['exe']) != 0 else '?'
            gdb.write('pid %d  ppid %d  %s  %s  %s\\n' % (int(p['pid']), ppid, p['comm'].string(), exe, str(p['state'])))
            t = p['thread_list']
            while int(t) != 0:
                user = ukify_where(int((t['kstack_top'].cast(regs) - 1)['rip']))
                if int(t) != int(current):
                    where = 'user pc ' + user
                elif int(gdb.parse_and_eval('(unsigned long)$pc')) >= 1 << 63:
                    where = 'on the CPU, in the kernel (pc %s), from user pc %s' % (ukify_where(int(gdb.parse_and_eval('(unsigned long)$pc'))), user)
                else:
                    where = 'on the CPU: pc ' + ukify_where(int(gdb.parse_and_eval('(unsigned long)$pc')))
                gdb.write('  tid %d  %s  %s\\n' % (int(t['tid']), str(t['state']), where))
                t = t['proc_next']
            p = p['next']

UkifyMapped('ukify_gdb_mapped', internal=True)
UkifyFiles()
UkifyPs()

class UkifyStart(gdb.Command):
    """Connects to the VM and runs it to the first program's first instruction (the kernel says
    where it is by calling ukify_gdb_exec(path, entry, pid))."""
    def __init__(self):
        super().__init__('ukify-start', gdb.COMMAND_RUNNING)
    def invoke(self, arg, from_tty):
        gdb.execute('set suppress-cli-notifications on')
        failed = None
        try:
            gdb.execute('target remote 127.0.0.1:${o.port}', to_string=True)
        except gdb.error as e:
            failed = str(e)
        if failed is not None:
            gdb.execute('set suppress-cli-notifications off')
            raise gdb.GdbError('ukify: cannot attach to the VM (%s): is ukify run --gdb still running?' % failed)
        gdb.Breakpoint('ukify_gdb_exec', internal=True, temporary=True)
        gdb.execute('continue', to_string=True)
        entry = int(gdb.parse_and_eval('(unsigned long)$rsi'))
        path = gdb.parse_and_eval('(const char *)$rdi').string()
        gdb.Breakpoint('*%#x' % entry, internal=True, temporary=True)
        gdb.execute('continue', to_string=True)
        gdb.execute('set suppress-cli-notifications off')
        gdb.write('ukify: %s is at its first instruction%s; the VM waits until you continue\\n' % (path, " (its loader's)" if len(ukify_files) > 1 else ''))

UkifyStart()
end
ukify-start
x/i $pc
`;
}
