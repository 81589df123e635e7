// Principals and roles from WINDSOCK_TOKENS (`name:role[+role]:token,...`), shared by the control API
// and the edge so that one token list means the same on both.
export const roles = ['viewer', 'submitter', 'approver', 'maintainer', 'admin'] as const;
export type Role = (typeof roles)[number];

export interface Principal {
  name: string;
  roles: Role[];
  token: string;
}

export class PrincipalsError extends Error {}

export function parsePrincipals(spec: string): Principal[] {
  const principals = spec
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const parts = entry.split(':');
      if (parts.length !== 3) throw new PrincipalsError(`WINDSOCK_TOKENS entry ${i + 1} must be name:role[+role]:token`);
      const [name, roleList, token] = parts as [string, string, string];
      if (!/^[A-Za-z0-9_.@-]+$/.test(name)) throw new PrincipalsError(`WINDSOCK_TOKENS entry ${i + 1}: invalid name '${name}'`);
      const parsedRoles = roleList.split('+').map((r) => {
        if (!(roles as readonly string[]).includes(r)) {
          throw new PrincipalsError(`WINDSOCK_TOKENS entry ${i + 1} (${name}): unknown role '${r}'; roles are ${roles.join(', ')}`);
        }
        return r as Role;
      });
      if (token.length < 16) throw new PrincipalsError(`WINDSOCK_TOKENS entry ${i + 1} (${name}): token must be at least 16 characters`);
      return { name, roles: parsedRoles, token };
    });
  const names = new Set<string>();
  for (const p of principals) {
    if (names.has(p.name)) throw new PrincipalsError(`WINDSOCK_TOKENS names '${p.name}' twice`);
    names.add(p.name);
  }
  return principals;
}

export function formatPrincipals(principals: Principal[]): string {
  return principals.map((p) => `${p.name}:${p.roles.join('+')}:${p.token}`).join(',');
}

/**
 * admin may do everything; the other roles grant exactly what they name (viewer: reads; maintainer:
 * registering and changing model templates and uploading datasets).
 */
export function hasRole(principal: Pick<Principal, 'roles'>, role: Role): boolean {
  return principal.roles.includes('admin') || principal.roles.includes(role) || role === 'viewer';
}
