// windsock tokens (admin): API tokens issued into the registry. An issued token is shown once, as the
// API answers it, or written to a 0600 file with --token-file; the list never holds one.
import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { roles, type Role } from '../core/auth/principals';
import { contextOf } from './cli-context';
import { ok } from './control-client';
import { note, table } from './output';

export function tokensCommand(): Command {
  const tokens = new Command('tokens').description('API tokens issued into the registry (admin)');

  tokens
    .command('list', { isDefault: true })
    .description('every issued token (never the token itself): state, roles, expiry, last use')
    .action(async (_opts, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const body = await ok(ctx.client.v1.tokens.$get());
      ctx.show(body, (b) =>
        table(b.tokens, [
          ['id', (t) => t.id],
          ['name', (t) => t.name],
          ['roles', (t) => t.roles.join('+')],
          ['state', (t) => t.state],
          ['expires', (t) => t.expiresAt],
          ['last used', (t) => t.lastUsedAt],
          ['by', (t) => t.createdBy],
        ]),
      );
    });

  tokens
    .command('issue <name>')
    .description('issue a token for NAME; it is shown once')
    .addOption(new Option('--role <roles...>', 'the roles it holds').choices(roles).makeOptionMandatory())
    .option('--expires-in <duration>', 'seconds or a duration ("30d"); 90 days when left out, a year at most')
    .option('--token-file <path>', 'write the token to this file (mode 0600) instead of printing it')
    .action(async (name: string, opts: { role: Role[]; expiresIn?: string; tokenFile?: string }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const expiresIn = opts.expiresIn === undefined ? {} : { expiresIn: /^\d+$/.test(opts.expiresIn) ? Number(opts.expiresIn) : opts.expiresIn };
      const body = await ok(ctx.client.v1.tokens.$post({ json: { name, roles: opts.role, ...expiresIn } }));
      if (opts.tokenFile !== undefined) {
        await writeFile(opts.tokenFile, `${body.token}\n`, { mode: 0o600, flag: 'wx' });
        const { token: _kept, ...rest } = body;
        ctx.show({ ...rest, tokenFile: opts.tokenFile }, (b) => `issued ${b.id} for ${b.name} (${b.roles.join('+')}), expires ${b.expiresAt}; the token is in ${b.tokenFile}`);
        return;
      }
      ctx.show(body, (b) => {
        note(`issued ${b.id} for ${b.name} (${b.roles.join('+')}), expires ${b.expiresAt}; the token below is shown this once:`);
        return b.token;
      });
    });

  tokens
    .command('revoke <id>')
    .description('revoke a token: a 401 for it from then on')
    .action(async (id: string, _opts, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const body = await ok(ctx.client.v1.tokens[':id'].$delete({ param: { id } }));
      ctx.show(body, (t) => `${t.id} (${t.name}): ${t.state}`);
    });

  return tokens;
}
