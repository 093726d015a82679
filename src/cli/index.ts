import { Command } from 'commander';
import { VERSION } from '../app.js';
import { ConfigError } from '../config/load-config.js';
import { registerClientCommands } from './client.commands.js';
import { registerOperatorCommands } from './operator.commands.js';

const print = (json: boolean) => (value: unknown, text: () => string) => {
  process.stdout.write(`${json ? JSON.stringify(value, null, 2) : text()}\n`);
};

export async function runCli(argv: string[]): Promise<void> {
  const program = new Command();
  program.name('bbre').description('BBRE: Browser-Backed Request Engine').version(VERSION);

  program
    .command('serve')
    .description('run the server (configuration from BBRE_* environment variables)')
    .action(async () => {
      const { main } = await import('../main.js');
      await main();
    });

  registerOperatorCommands(program, print);
  registerClientCommands(program, print);

  try {
    await program.parseAsync(argv);
  } catch (err) {
    const e = err as { code?: string; message?: string; problems?: string[] };
    if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
    else process.stderr.write(`error${e.code ? ` ${e.code}` : ''}: ${e.message ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
