// What discovery (static, and `ukify discover`'s) never puts into an image, whoever names it, unless
// the user does with --file or --dir: homes, the kernel's own trees, password hashes and private
// keys. Pure: paths only (holdsPrivateKey looks at a file's first bytes, given to it).

const NEVER_BELOW = ['/home', '/root', '/proc', '/sys', '/dev'];
const PASSWORD_FILES = ['/etc/shadow', '/etc/gshadow', '/etc/shadow-', '/etc/gshadow-', '/etc/security/opasswd'];
const KEY_DIRS = ['/etc/ssl/private'];
const SSH_USER_KEYS = /^id_(rsa|dsa|ecdsa|ed25519|ecdsa_sk|ed25519_sk)$/;

const within = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`);

/** Why path is never packed (by its name alone), or undefined. */
export function neverPacked(path: string): string | undefined {
  const below = NEVER_BELOW.find((dir) => within(path, dir));
  if (below === '/home' || below === '/root') return `under ${below}, a home directory`;
  if (below !== undefined) return `${below} is made by ukify's kernel in the guest`;
  if (PASSWORD_FILES.includes(path)) return 'password hashes';
  if (KEY_DIRS.some((dir) => within(path, dir)) || /^\/etc\/pki\/[^/]+\/private(\/|$)/.test(path)) return 'private keys';
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (name.endsWith('.key') || name.endsWith('_key') || SSH_USER_KEYS.test(name)) return 'a private key';
  return undefined;
}

/** Whether a file's first bytes are a PEM private key. */
export function holdsPrivateKey(text: string): boolean {
  return /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/.test(text);
}
