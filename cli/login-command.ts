// windsock login / logout / whoami: the control API URL and token kept in the credentials file (0600).
// The token is read from stdin (piped) or typed at a prompt that does not echo; it is never an argument
// (shell history, `ps`) and never printed.
import { Command } from 'commander';
import { credentialsPath, loadConfig, normaliseUrl, removeCredentials, saveCredentials, type CliConfig } from './cli-config';
import { wantsJson } from './cli-context';
import { controlClient, ok } from './control-client';
import { fields, printJson, printLine } from './output';
import { UsageError } from './usage-error';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A line typed at the terminal without echo (raw mode): Enter ends it, Ctrl-C aborts. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let typed = '';
    const finish = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (data: string) => {
      for (const ch of data) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new UsageError('login aborted'));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** Whether the API accepts the token: any signed-in principal may list models. */
/** Who the token signs in as (a refused token is an ApiError). */
async function verify(config: CliConfig): Promise<{ name: string; roles: string[] }> {
  return ok(controlClient(config).v1.whoami.$get());
}

export function loginCommand(): Command {
  return new Command('login')
    .description('store the control API URL and a token in the credentials file (0600); the token comes from stdin or a prompt that does not echo')
    .option('--url <url>', 'the control API (default: WINDSOCK_URL)')
    .option('--no-verify', 'store it without checking the token against the API')
    .action(async (opts: { url?: string; verify: boolean }, cmd: Command) => {
      const rawUrl = opts.url ?? process.env.WINDSOCK_URL;
      if (!rawUrl) throw new UsageError('no control API URL: pass --url (e.g. http://127.0.0.1:8080) or set WINDSOCK_URL');
      const url = normaliseUrl(rawUrl, opts.url ? '--url' : 'WINDSOCK_URL');
      const token = (process.stdin.isTTY ? await promptHidden(`token for ${url}: `) : await readStdin()).trim();
      if (!token) throw new UsageError('no token: pipe it in (e.g. `windsock login --url URL < token-file`) or type it at the prompt');
      if (/\s/.test(token)) throw new UsageError('the token has whitespace in it: pipe in the token alone');
      if (opts.verify) await verify({ url, token });
      const file = await saveCredentials({ url, token });
      if (wantsJson(cmd)) return printJson({ url, credentials: file, verified: opts.verify });
      printLine(`logged in to ${url}${opts.verify ? ' (token accepted)' : ''}; credentials in ${file} (mode 0600)`);
    });
}

export function logoutCommand(): Command {
  return new Command('logout').description('remove the credentials file').action(async (_opts, cmd: Command) => {
    const { file, removed } = await removeCredentials();
    if (wantsJson(cmd)) return printJson({ credentials: file, removed });
    printLine(removed ? `removed ${file}` : `no credentials in ${file}`);
  });
}

export function whoamiCommand(): Command {
  return new Command('whoami')
    .description('who the token signs in as (name and roles), which API the CLI calls and where its URL and token come from (never the token)')
    .action(async (_opts, cmd: Command) => {
      const { config, sources } = await loadConfig();
      const principal = await verify(config);
      const view = { name: principal.name, roles: principal.roles, url: config.url, urlFrom: sources.url, tokenFrom: sources.token, credentials: credentialsPath(), tokenAccepted: true };
      if (wantsJson(cmd)) return printJson(view);
      printLine(
        fields([
          ['principal', `${view.name} (${view.roles.join(', ')})`],
          ['url', `${view.url} (from ${view.urlFrom})`],
          ['token', `from ${view.tokenFrom}, accepted`],
          ['credentials', view.credentials],
        ]),
      );
    });
}
