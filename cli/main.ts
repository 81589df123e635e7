// The `windsock` CLI: every command group on commander, and the exit codes scripts rely on: 0 success,
// 1 a call the API refused (its message, code and request id on stderr) or a watched pipeline that did
// not succeed, 2 a usage error (commander's own, or a missing setting, file or bad value).
import { Command, CommanderError } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { ApiError } from './control-client';
import { batchCommand } from './batch-command';
import { datasetsCommand } from './datasets-command';
import { loginCommand, logoutCommand, whoamiCommand } from './login-command';
import { modelsCommand } from './models-command';
import { printJson } from './output';
import { pipelinesCommand } from './pipelines-command';
import { retrainCommand, schedulesCommand } from './retrain-command';
import { rollbackCommand, rolloutCommand } from './rollout-command';
import { servingCommand } from './serving-command';
import { tokensCommand } from './tokens-command';
import { UsageError } from './usage-error';

export function buildProgram(): Command {
  const program = new Command('windsock')
    .description('Windsock control API from the command line. Settings: WINDSOCK_URL and WINDSOCK_TOKEN, or `windsock login`.')
    .version(packageJson.version)
    .option('--json', "print the API's JSON as it is (for scripts)")
    .addCommand(modelsCommand())
    .addCommand(datasetsCommand())
    .addCommand(pipelinesCommand())
    .addCommand(rolloutCommand())
    .addCommand(rollbackCommand())
    .addCommand(retrainCommand())
    .addCommand(schedulesCommand())
    .addCommand(tokensCommand())
    .addCommand(batchCommand())
    .addCommand(servingCommand())
    .addCommand(loginCommand())
    .addCommand(logoutCommand())
    .addCommand(whoamiCommand());
  // addCommand() does not pass these settings down as .command() does: set them on every command.
  const configure = (command: Command) => {
    command.exitOverride().showHelpAfterError(`(see: ${commandPath(command)} --help)`);
    command.commands.forEach(configure);
  };
  configure(program);
  return program;
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Runs the CLI on argv (process.argv's shape) and answers the exit code. */
export async function run(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    // Commander printed its own message (or the help, or the version: exit code 0).
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof UsageError) {
      process.stderr.write(`windsock: ${err.message}\n`);
      return 2;
    }
    if (err instanceof ApiError) {
      const where = [err.code, err.status ? `HTTP ${err.status}` : '', err.requestId ? `request ${err.requestId}` : ''].filter(Boolean).join(', ');
      process.stderr.write(`windsock: ${err.message} (${where})\n`);
      if (json && err.body !== undefined) printJson(err.body);
      return 1;
    }
    process.stderr.write(`windsock: ${(err as Error).message ?? String(err)}\n`);
    return 1;
  }
}
