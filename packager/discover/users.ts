// The host's system users and groups, so that `user www-data;` and getpwnam work in the guest:
// accounts with an id below 1000 and nobody (65534), every password field "x" (no hash is ever
// copied: /etc/shadow stays out), group member lists cut down to those system users.

const SYSTEM_LIMIT = 1000;
const NOBODY = 65534;

const isSystem = (id: number): boolean => Number.isInteger(id) && (id < SYSTEM_LIMIT || id === NOBODY);

/** The system lines of a passwd file, password fields "x". */
export function systemUsers(passwd: string): string {
  const lines = passwd.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  const kept = lines.map((l) => l.split(':')).filter((f) => f.length === 7 && isSystem(Number(f[2])));
  return kept.map((f) => [f[0], 'x', ...f.slice(2)].join(':')).map((l) => `${l}\n`).join('');
}

/** The system lines of a group file, password fields "x", members only among `users`. */
export function systemGroups(group: string, users: ReadonlySet<string>): string {
  const lines = group.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  const kept = lines.map((l) => l.split(':')).filter((f) => f.length === 4 && isSystem(Number(f[2])));
  return kept
    .map((f) => {
      const members = (f[3] ?? '').split(',').filter((m) => users.has(m));
      return `${f[0]}:x:${f[2]}:${members.join(',')}\n`;
    })
    .join('');
}

export function userNames(passwd: string): Set<string> {
  return new Set(passwd.split('\n').map((l) => l.split(':')[0] ?? '').filter((n) => n !== ''));
}
