import { isIP } from 'node:net';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { builtInScenario, builtInScenarioNames, hostsForScenario } from '@hma-lab/core';
import { lowerHelperThreadPriority } from '@hma-lab/lab';
import { checkCommand } from './check-command.js';
import { renderComparison } from './compare-command.js';
import { flowCommand, type Output } from './flow-command.js';
import {
  faultsCommand,
  timeAdvanceCommand,
  timeNowCommand,
  traceExportCommand,
} from './lab-commands.js';
import { otherRunningLab, removeStateFile, stateFilePath, writeStateFile } from './running-lab.js';
import { UsageError } from './scenario-arg.js';
import { hostsSnippet, serveUntilSignal, upCommand } from './up-command.js';

function portNumber(value: string): number {
  const port = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new InvalidArgumentError('expected a port number (0 = any free port)');
  return port;
}

/**
 * A running lab serves load: its helper threads yield to the event loop
 * (`HMA_LAB_HELPER_NICE`, see docs/decisions/0003-helper-thread-priority.md).
 */
async function favourEventLoop(): Promise<void> {
  try {
    await lowerHelperThreadPriority();
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
const LAB_OPTION = [
  '--lab <admin-url>',
  'admin URL of the running lab (default: the one `hma-lab up` started)',
] as const;

/**
 * The `hma-lab` command. Returns the exit code; never throws for a user's
 * mistake (those print a one-line error and return 2).
 */
export async function main(argv: string[], output: Output): Promise<number> {
  let pending: Promise<number> | undefined;
  const run = (work: () => Promise<number>) => {
    pending = work();
  };
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
    .option(
      '-s, --scenario <name|file>',
      `built-in scenario (${builtInScenarioNames().join(', ')}) or scenario file`,
      'contoso',
    )
    .option('--services <file>', "each party's options, YAML or JSON (docs/cli.md)")
    .addOption(
      new Option('-m, --mode <mode>', 'how services are wired')
        .choices(['loopback', 'in-process'])
        .default('loopback'),
    )
    .addOption(
      new Option(
        '-p, --path <path>',
        'hma: modern authentication (flow A/B); basic: through the Outlook cloud service (flow C)',
      )
        .choices(['hma', 'basic'])
        .default('hma'),
    )
    .addHelpText(
      'after',
      '\nExamples:\n  hma-lab flow --user alice@contoso.com\n  hma-lab flow --user dave@fabrikam.com --json > trace.json\n  hma-lab flow --scenario hma-off --user alice@contoso.com\n  hma-lab flow --scenario basic-auth --user alice@contoso.com --path basic',
    )
    .action(
      (opts: {
        user: string;
        json?: boolean;
        scenario?: string;
        services?: string;
        mode: 'loopback' | 'in-process';
        path: 'hma' | 'basic';
      }) => run(() => flowCommand(opts, output)),
    );

  program
    .command('up')
    .description(
      'start the lab on loopback ports (HTTPS with a local CA) and keep it running until Ctrl-C',
    )
    .option('-s, --scenario <name|file>', 'built-in scenario name or scenario file', 'contoso')
    .option('--services <file>', "each party's options, YAML or JSON (docs/cli.md)")
    .option('--bind <address>', 'address to listen on', '127.0.0.1')
    .option(
      '--port-base <port>',
      'listen on consecutive ports from this one (default: any free ports)',
      portNumber,
    )
    .option(
      '--front-door-port <port>',
      'port answering for every emulated host name (443 falls back to a free port)',
      portNumber,
    )
    .option('--admin-port <port>', 'port of the admin API (clock, faults, trace)', portNumber, 0)
    .option('--http', 'serve plain HTTP instead of HTTPS with the local CA')
    .option(
      '--tls-dir <dir>',
      'folder of the local CA and host certificates (default ~/.hma-lab/tls)',
    )
    .addHelpText(
      'after',
      '\nPrints one JSON line when ready:\n  {"ready":true,"services":{"entra":"https://127.0.0.1:…",…},"frontDoor":"https://127.0.0.1:443","admin":"http://127.0.0.1:…","ca":"~/.hma-lab/tls/ca.pem"}\n' +
        'Trust the CA (NODE_EXTRA_CA_CERTS=<ca> for Node clients) and map the names to 127.0.0.1 (hma-lab hosts).\n\nExamples:\n  hma-lab up\n  hma-lab up --http --port-base 7000',
    )
    .action(
      (opts: {
        scenario?: string;
        services?: string;
        bind?: string;
        portBase?: number;
        frontDoorPort?: number;
        adminPort: number;
        http?: boolean;
        tlsDir?: string;
      }) =>
        run(() =>
          // Listening, and the state file written, before the ready line: a
          // supervisor may stop the lab as soon as it reads it, and other
          // commands find it by that file. SIGINT/SIGTERM always end the command.
          serveUntilSignal({
            output,
            start: async () => {
              // A second lab from the same HMA_LAB_HOME would take over the
              // state file the first one's commands find it by (and remove it
              // on exit).
              const other = await otherRunningLab();
              if (other) {
                throw new UsageError(
                  `a lab is already running from ${stateFilePath()} (pid ${other.pid}, admin ${other.admin}): stop it first, or set HMA_LAB_HOME to another folder for a second lab`,
                );
              }
              await favourEventLoop();
              return upCommand(opts, output, {
                beforeReady: async (lab) => {
                  await writeStateFile({
                    admin: lab.admin,
                    services: lab.services,
                    frontDoor: lab.frontDoor,
                    ca: lab.ca?.path,
                  });
                },
              });
            },
            stopped: removeStateFile,
          }),
        ),
    );

  program
    .command('compare')
    .description(
      'set basic authentication through the Outlook cloud service (flow C) beside HMA (flow A)',
    )
    .action(() =>
      run(async () => {
        output.out(renderComparison());
        return 0;
      }),
    );

  program
    .command('hosts')
    .description('print hosts-file lines mapping every emulated host name to 127.0.0.1')
    .option('-s, --scenario <name>', 'built-in scenario name', 'contoso')
    .option('--address <ip>', 'address the names should resolve to', '127.0.0.1')
    .action((opts: { scenario: string; address: string }) =>
      run(async () => {
        const names = builtInScenarioNames();
        if (!names.includes(opts.scenario))
          throw new UsageError(
            `--scenario ${opts.scenario}: not a built-in scenario (${names.join(', ')})`,
          );
        if (isIP(opts.address) === 0)
          throw new UsageError(
            `--address ${JSON.stringify(opts.address)}: expected an IP address, e.g. 127.0.0.1`,
          );
        output.out(
          hostsSnippet({ hosts: hostsForScenario(builtInScenario(opts.scenario)) }, opts.address),
        );
        return 0;
      }),
    );

  program
    .command('check')
    .description(
      'probe an HMA deployment the way support does: AutoDiscover, the Bearer challenge, a token, OPTIONS and Settings',
    )
    .requiredOption(
      '-e, --email <address>',
      'mailbox to check (a user of the scenario: the token comes from the lab)',
    )
    .option(
      '--eas-url <url>',
      'ActiveSync URL to probe instead of the one AutoDiscover returns (e.g. your server on 127.0.0.1)',
    )
    .option('--autodiscover-url <url>', 'AutoDiscover v2 URL to probe')
    .option('-s, --scenario <name|file>', 'built-in scenario name or scenario file', 'contoso')
    .option('--json', 'print the results as JSON (for CI)')
    .addHelpText(
      'after',
      '\nExamples:\n  hma-lab check --email alice@contoso.com\n  hma-lab check --email alice@contoso.com --eas-url http://127.0.0.1:8080/Microsoft-Server-ActiveSync --json',
    )
    .action(
      (opts: {
        email: string;
        easUrl?: string;
        autodiscoverUrl?: string;
        scenario?: string;
        json?: boolean;
      }) => run(() => checkCommand(opts, output)),
    );

  const time = program.command('time').description("a running lab's virtual clock");
  time
    .command('advance <duration>')
    .description(
      'move the clock forward (e.g. 2h, 14d, 1w); due refreshes, heartbeats and purges run in order',
    )
    .option(...LAB_OPTION)
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  hma-lab time advance 2h\n  hma-lab time advance 14d --lab http://127.0.0.1:7100',
    )
    .action((duration: string, opts: { lab?: string; json?: boolean }) =>
      run(() => timeAdvanceCommand(duration, opts, output)),
    );
  time
    .command('now')
    .description('print the lab time')
    .option(...LAB_OPTION)
    .action((opts: { lab?: string }) => run(() => timeNowCommand(opts, output)));

  program
    .command('faults')
    .description('list, switch on or switch off faults of a running lab (docs/faults.md)')
    .addArgument(
      new Argument('[action]', 'list, on or off').choices(['list', 'on', 'off']).default('list'),
    )
    .argument('[name]', 'fault name, e.g. missing-authorization-uri')
    .option('--param <key=value>', 'fault parameter (repeatable)', collect)
    .option(...LAB_OPTION)
    .addHelpText(
      'after',
      '\nExamples:\n  hma-lab faults\n  hma-lab faults on eas-503 --param retryAfterS=30\n  hma-lab faults off eas-503',
    )
    .action(
      (
        action: 'list' | 'on' | 'off',
        name: string | undefined,
        opts: { lab?: string; param?: string[] },
      ) => run(() => faultsCommand(action, name, opts, output)),
    );

  const trace = program.command('trace').description("a running lab's trace");
  trace
    .command('export')
    .description('export the trace as JSON, HAR 1.2 or a Mermaid sequence diagram')
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(['json', 'har', 'mermaid'])
        .default('json'),
    )
    .option('--run <id>', 'only this flow run')
    .addOption(
      new Option('--flow <flow>', 'step numbering to use').choices(['A', 'B', 'C']).default('A'),
    )
    .option('-o, --out <file>', 'write to a file instead of stdout')
    .option(...LAB_OPTION)
    .addHelpText(
      'after',
      '\nExamples:\n  hma-lab trace export --format har --out flow.har\n  hma-lab trace export --format mermaid',
    )
    .action((opts: { lab?: string; format: string; run?: string; flow?: string; out?: string }) =>
      run(() => traceExportCommand(opts, output)),
    );

  try {
    await program.parseAsync(argv, { from: 'user' });
    return pending ? await pending : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (
      error instanceof UsageError ||
      (error instanceof Error &&
        (error.name === 'ScenarioError' || error.name === 'ServiceOptionsError'))
    ) {
      output.err(`hma-lab: ${error.message}`);
      return 2;
    }
    const listenFailure = listenError(error);
    if (listenFailure) {
      output.err(`hma-lab: ${listenFailure}`);
      return 2;
    }
    output.err(
      `hma-lab: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return 3;
  }
}

/** Name-resolution failures of the address to listen on (getaddrinfo). */
const UNRESOLVED = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);

/**
 * An address or port that cannot be used is the user's to fix: one line, not
 * a stack trace.
 */
function listenError(error: unknown): string | undefined {
  const { code, address, port, hostname, syscall } = (error ?? {}) as {
    code?: string;
    address?: string;
    port?: number;
    hostname?: string;
    syscall?: string;
  };
  const where = address && port !== undefined ? `${address}:${port}` : 'the requested port';
  if (code === 'EADDRINUSE')
    return `${where} is already in use: choose another port (or 0 for any free one)`;
  if (code === 'EACCES') return `not allowed to listen on ${where}: choose a port above 1023`;
  if (code && (UNRESOLVED.has(code) || syscall === 'getaddrinfo'))
    return `cannot listen on ${hostname ?? 'the requested address'}: no such address (${code}): --bind an IP address of this machine, e.g. 127.0.0.1`;
  if (
    (syscall === 'listen' || syscall === 'bind') &&
    (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT' || code === 'EINVAL')
  )
    return `cannot listen on ${address ?? 'the requested address'}: not an address of this machine (${code}): --bind one of its addresses, e.g. 127.0.0.1`;
  return undefined;
}
