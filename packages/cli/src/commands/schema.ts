/**
 * `sessionkit schema <url> [--apply]`: prints (or creates) the Cassandra keyspace and tables, or the DynamoDB
 * table with its TTL attribute and user-index GSI. Other backends have nothing to create: said so, exit 0.
 *
 * @module
 */
import { describeStore, parseStoreUrl } from '@sessionkit/store-url';
import type { Command } from 'commander';
import { Option } from 'commander';
import { nonNegativeInteger, positiveInteger } from '../arguments.js';
import { ExitCode } from '../exit-codes.js';
import { run } from '../output.js';
import type { ApplyResult, SchemaPlan } from '../schema/plan.js';
import { applySchema, planSchema } from '../schema/plan.js';

/** Registers `schema`. */
export function register(program: Command): void {
  program
    .command('schema')
    .description('print the Cassandra CQL or the DynamoDB table/TTL/GSI definition the store needs; --apply creates it')
    .argument('<url>', 'store URL (see sessionkit --help)')
    .option('--apply', 'create the keyspace and tables / the table, TTL and index (idempotent)')
    .addOption(
      new Option('--replication-factor <n>', "Cassandra: replicas in the URL's data center (production: 3)")
        .argParser(positiveInteger)
        .default(1),
    )
    .addOption(
      new Option(
        '--gc-grace-seconds <s>',
        'Cassandra: gc_grace_seconds of both tables (adapter default: 86400)',
      ).argParser(nonNegativeInteger),
    )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  sessionkit schema cassandra://127.0.0.1:9042/sessionkit > schema.cql\n' +
        '  sessionkit schema cassandra://10.0.0.1,10.0.0.2/sessionkit?dc=eu1 --replication-factor 3 --apply\n' +
        '  sessionkit schema dynamodb:///sessions?region=eu-west-1 --json\n',
    )
    .action(
      async (
        url: string,
        options: { apply?: boolean; replicationFactor: number; gcGraceSeconds?: number },
        command: Command,
      ) =>
        run(command, async (out) => {
          const spec = parseStoreUrl(url);
          const settings = { replicationFactor: options.replicationFactor, gcGraceSeconds: options.gcGraceSeconds };
          const plans = await planSchema(spec, settings);
          if (!options.apply) {
            out.result({ store: describeStore(spec), schemas: plans }, () => plans.flatMap(humanPlan));
            return ExitCode.Ok;
          }
          const applied = await applySchema(spec, settings);
          out.result({ store: describeStore(spec), schemas: plans, applied }, () => applied.map(humanApplied));
          return ExitCode.Ok;
        }),
    );
}

function humanApplied(r: ApplyResult): string {
  if ('none' in r) return `${r.store}: ${r.none}`;
  if ('created' in r) {
    const table = r.created ? 'table created' : 'table already there (key schema and index checked)';
    const note = r.ttl === 'unsupported' ? ' (this server has no UpdateTimeToLive; reads filter expired items)' : '';
    return `${r.store}: ${table}, TTL ${r.ttl}${note}`;
  }
  return `${r.store}: keyspace and tables created (or already there), schema agreed on every node`;
}

function humanPlan(plan: SchemaPlan): string[] {
  const head = `-- ${plan.tier === undefined ? '' : `${plan.tier} tier: `}${plan.store}`;
  if ('statements' in plan) return [head, ...plan.statements.map((cql) => `${cql};\n`)];
  if ('createTable' in plan) {
    return [
      head,
      '-- CreateTable request (aws dynamodb create-table --cli-input-json):',
      JSON.stringify(plan.createTable, null, 2),
      '-- UpdateTimeToLive request (aws dynamodb update-time-to-live --cli-input-json):',
      JSON.stringify(plan.timeToLive, null, 2),
      '',
    ];
  }
  return [`${head}: ${plan.none}`];
}
