// The /etc files every image gets unless the user brings their own: enough for the C library's
// user, group and host lookups to answer without a network or a name service daemon. The app runs
// as uid 0 (the kernel's getuid), so root comes first. Name lookups use only what glibc has built in
// (files, dns: glibc 2.34+ carries both inside libc.so.6), never a module the image may not hold.

export interface GeneratedFile {
  /** Absolute guest path. */
  path: string;
  text: string;
}

/** QEMU user networking (slirp) answers DNS at 10.0.2.3. */
export const SLIRP_DNS = '10.0.2.3';
export const HOSTNAME = 'ukify';

export function etcFiles(): GeneratedFile[] {
  return [
    {
      path: '/etc/passwd',
      text: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
    },
    // Debian names gid 65534 nogroup; nginx's default `user nobody nobody` looks up a group "nobody".
    { path: '/etc/group', text: 'root:x:0:\nnobody:x:65534:\nnogroup:x:65534:\n' },
    { path: '/etc/hosts', text: `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t${HOSTNAME}\n` },
    {
      path: '/etc/nsswitch.conf',
      text: 'passwd: files\ngroup: files\nshadow: files\ngshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\nethers: files\nrpc: files\nnetgroup: files\n',
    },
    { path: '/etc/resolv.conf', text: `nameserver ${SLIRP_DNS}\n` },
    { path: '/etc/hostname', text: `${HOSTNAME}\n` },
  ];
}
