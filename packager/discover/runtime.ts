// What glibc and common libraries read at run time that no string in the program names:
// - the CA certificates, for TLS clients: OpenSSL's default bundle (/usr/lib/ssl/cert.pem, a link
//   to /etc/ssl/certs/ca-certificates.crt on Debian) and its configuration, when libssl or
//   libcrypto is loaded, or Python's standard library (its ssl module) is in the image;
// - glibc's gconv modules when the program calls iconv_open.
// The time zone needs no rule here: glibc names /etc/localtime, a link that named.ts follows into
// the zoneinfo file it points at.
import type { ProgramFiles } from '../../analyzer/analysis.js';
import type { Found } from './found.js';
import type { HostFs } from './host.js';
import { placeNamed } from './named.js';

const TLS_LIBRARY = /^lib(ssl|crypto)\.so/;
const CA_FILES = ['/usr/lib/ssl/cert.pem', '/usr/lib/ssl/openssl.cnf'];
const GCONV = '/usr/lib/x86_64-linux-gnu/gconv';

export function addRuntimeData(files: ProgramFiles, host: HostFs, found: Found, pythonStdlib: boolean): void {
  if (files.libraries.some((l) => TLS_LIBRARY.test(l.soname)) || pythonStdlib) {
    for (const path of CA_FILES) placeNamed(path, 'TLS clients verify servers with them (OpenSSL)', { host, found });
  }
  if (files.usesIconv && host.lstat(GCONV)?.kind === 'dir') {
    found.add({ kind: 'dir', guest: GCONV, host: GCONV, why: 'iconv_open loads them (glibc)', bytes: host.treeSize(GCONV, Number.MAX_SAFE_INTEGER) });
  }
}
