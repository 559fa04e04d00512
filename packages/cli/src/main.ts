import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { flowCommand, type Output } from './flow-command.js';
import { UsageError } from './scenario-arg.js';
import { builtInScenario, hostsForScenario } from '@hma-lab/core';
import { hostsSnippet, upCommand } from './up-command.js';

function portNumber(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_000)
    throw new InvalidArgumentError('expected a port number');
  return port;
}

/**
 * The `hma-lab` command. Returns the exit code; never throws for a user's
 * mistake (those print a one-line error and return 2).
 */
export async function main(argv: string[], output: Output): Promise<number> {
  let exitCode = 0;
  let pending: Promise<number> | undefined;
  const program = new Command('hma-lab')
    .description(
      'Hybrid Modern Authentication lab: every party of the Outlook mobile to on-premises Exchange flow, on one machine.',
    )
    .exitOverride()
    .configureOutput({
      writeOut: (s) => output.out(s.trimEnd()),
      writeErr: (s) => output.err(s.trimEnd()),
    })
    .showHelpAfterError('(run hma-lab --help for usage)');

  program
    .command('flow')
    .description('start a lab, run the connection flow for a user and print each step')
    .requiredOption('-u, --user <upn>', 'the user to sign in, e.g. alice@contoso.com')
    .option('--json', 'print the trace as JSON instead of one line per step')
    .option('-s, --scenario <name|file>', 'built-in scenario name or scenario JSON file', 'contoso')
    .addOption(
      new Option('-m, --mode <mode>', 'how services are wired')
        .choices(['loopback', 'in-process'])
        .default('loopback'),
    )
    .addHelpText(
      'after',
      '\nExamples:\n  hma-lab flow --user alice@contoso.com\n  hma-lab flow --user dave@fabrikam.com --json > trace.json',
    )
    .action(
      (opts: {
        user: string;
        json?: boolean;
        scenario?: string;
        mode: 'loopback' | 'in-process';
      }) => {
        pending = flowCommand(opts, output);
      },
    );

  program
    .command('up')
    .description('start the lab on loopback ports and keep it running until Ctrl-C')
    .option('-s, --scenario <name|file>', 'built-in scenario name or scenario JSON file', 'contoso')
    .option('--bind <address>', 'address to listen on', '127.0.0.1')
    .option(
      '--port-base <port>',
      'listen on consecutive ports from this one (default: any free ports)',
      portNumber,
    )
    .addHelpText(
      'after',
      '\nPrints one JSON line when ready: {"ready":true,"services":{"entra":"http://127.0.0.1:…",…}}',
    )
    .action((opts: { scenario?: string; bind?: string; portBase?: number }) => {
      pending = (async () => {
        const lab = await upCommand(opts, output);
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await lab.close();
        return 0;
      })();
    });

  program
    .command('hosts')
    .description('print hosts-file lines mapping every emulated host name to 127.0.0.1')
    .option('-s, --scenario <name>', 'built-in scenario name', 'contoso')
    .option('--address <ip>', 'address the names should resolve to', '127.0.0.1')
    .action((opts: { scenario: string; address: string }) => {
      output.out(
        hostsSnippet({ hosts: hostsForScenario(builtInScenario(opts.scenario)) }, opts.address),
      );
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    if (pending) exitCode = await pending;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof UsageError) {
      output.err(`hma-lab: ${error.message}`);
      return 2;
    }
    if (error instanceof Error && error.name === 'ScenarioError') {
      output.err(`hma-lab: ${error.message}`);
      return 2;
    }
    output.err(
      `hma-lab: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return 3;
  }
  return exitCode;
}
