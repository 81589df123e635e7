// What every command that calls the control API starts from: the resolved config, the typed client,
// and whether --json was asked for (a global option, accepted before or after the command).
import type { Command } from 'commander';
import { loadConfig, type CliConfig, type ConfigSources } from './cli-config';
import { controlClient, type ControlClient } from './control-client';
import { printJson, printLine } from './output';

export interface CommandContext {
  client: ControlClient;
  config: CliConfig;
  sources: ConfigSources;
  json: boolean;
  /** Prints the API's body under --json, else what `human` makes of it. */
  show<T>(body: T, human: (body: T) => string | undefined): void;
}

export function wantsJson(command: Command): boolean {
  return command.optsWithGlobals<{ json?: boolean }>().json === true;
}

export async function contextOf(command: Command): Promise<CommandContext> {
  const { config, sources } = await loadConfig();
  const json = wantsJson(command);
  return {
    client: controlClient(config),
    config,
    sources,
    json,
    show(body, human) {
      if (json) return printJson(body);
      const text = human(body);
      if (text !== undefined) printLine(text);
    },
  };
}
