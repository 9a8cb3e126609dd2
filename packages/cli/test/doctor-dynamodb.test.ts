/**
 * `sessionkit doctor dynamodb://` through the built binary against dynalite.
 *
 * dynalite answers DescribeTimeToLive with DISABLED (true: it never purges) and does not implement
 * UpdateTimeToLive (UnknownOperationException), so no dynalite table can have TTL enabled. To check the doctor
 * on a table configured as in production, a small HTTP shim in front of dynalite implements the two TTL
 * operations (it keeps each table's TTL specification, validated as DynamoDB does) and forwards every other
 * request to dynalite: a supplement for the operations the emulator lacks, the table itself is dynalite's.
 * Through the shim: the table createSessionTable makes (good: all pass), a table created without TTL or index
 * (bad), TTL enabled on another attribute (bad); directly on dynalite: TTL DISABLED, and a missing table.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { createSessionTable } from '@sessionkit/dynamodb';
import { endpoints } from '@sessionkit/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectWellFormed, figures, results, runDoctor, statusOf } from './doctor-helpers.js';

const suffix = randomBytes(4).toString('hex');
const GOOD = `doctor-good-${suffix}`;
const BARE = `doctor-bare-${suffix}`;
const WRONG = `doctor-wrong-ttl-${suffix}`;
const dynalite = endpoints.dynamodb.endpoint.replace(/^https?:\/\//, '');
const urlOf = (host: string, tableName: string) => `dynamodb://${host}/${tableName}`;

const TARGET = 'DynamoDB_20120810.';

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

/** dynalite plus the TTL operations: DescribeTimeToLive and UpdateTimeToLive answered from `specs`. */
function startTtlShim(target: URL): Promise<Server> {
  const specs = new Map<string, { AttributeName: string; Enabled: boolean }>();
  const server = createServer(async (req, res) => {
    const op = String(req.headers['x-amz-target'] ?? '').replace(TARGET, '');
    if (op === 'DescribeTimeToLive' || op === 'UpdateTimeToLive') {
      const input = JSON.parse(await body(req)) as {
        TableName: string;
        TimeToLiveSpecification?: { AttributeName: string; Enabled: boolean };
      };
      res.setHeader('content-type', 'application/x-amz-json-1.0');
      const spec = specs.get(input.TableName);
      if (op === 'UpdateTimeToLive') {
        const next = input.TimeToLiveSpecification!;
        if (spec?.Enabled && next.Enabled) {
          res.writeHead(400).end(
            JSON.stringify({
              __type: 'com.amazon.coral.validate#ValidationException',
              message: 'TimeToLive is already enabled',
            }),
          );
          return;
        }
        specs.set(input.TableName, next);
        res.writeHead(200).end(JSON.stringify({ TimeToLiveSpecification: next }));
        return;
      }
      const description = spec?.Enabled
        ? { TimeToLiveStatus: 'ENABLED', AttributeName: spec.AttributeName }
        : { TimeToLiveStatus: 'DISABLED' };
      res.writeHead(200).end(JSON.stringify({ TimeToLiveDescription: description }));
      return;
    }
    const upstream = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => res.destroy(error));
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('doctor dynamodb://', () => {
  let shim: Server;
  let shimHost: string;
  let client: DynamoDBClient;

  beforeAll(async () => {
    shim = await startTtlShim(new URL(endpoints.dynamodb.endpoint));
    shimHost = `127.0.0.1:${(shim.address() as AddressInfo).port}`;
    client = new DynamoDBClient({ ...endpoints.dynamodb, endpoint: `http://${shimHost}` });
    expect((await createSessionTable(client, { tableName: GOOD })).ttl).toBe('enabled');
    for (const TableName of [BARE, WRONG]) {
      await client.send(
        new CreateTableCommand({
          TableName,
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    }
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: WRONG,
        TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' },
      }),
    );
  });
  afterAll(async () => {
    for (const TableName of [GOOD, BARE, WRONG]) await client.send(new DeleteTableCommand({ TableName }));
    client.destroy();
    await new Promise((resolve) => shim.close(resolve));
  });

  it('passes the table createSessionTable makes: ACTIVE, TTL on "ttl", the byUser index', async () => {
    const run = await runDoctor(urlOf(shimHost, GOOD));
    figures('dynamodb (dynalite + TTL shim)', run);
    expectWellFormed(run.report);
    expect(run.exitCode).toBe(0);
    expect(run.report.checks.map((c) => [c.id, c.status])).toEqual([
      ['dynamodb.table', 'pass'],
      ['dynamodb.ttl', 'pass'],
      ['dynamodb.user-index', 'pass'],
    ]);
  });

  it('fails a table created without TTL and without the per-user index', async () => {
    const run = await runDoctor(urlOf(shimHost, BARE));
    expectWellFormed(run.report);
    expect(run.exitCode).toBe(1);
    expect(statusOf(run.report, 'dynamodb.table')).toBe('pass');
    const [ttl] = results(run.report, 'dynamodb.ttl');
    expect(ttl!.status).toBe('fail');
    expect(ttl!.fix).toContain('AttributeName=ttl');
    const [index] = results(run.report, 'dynamodb.user-index');
    expect(index!.status).toBe('fail');
    expect(index!.finding).toContain('no global secondary index "byUser"');
  });

  it('fails TTL enabled on another attribute than the one the store writes', async () => {
    const run = await runDoctor(urlOf(shimHost, WRONG));
    expect(run.exitCode).toBe(1);
    const [ttl] = results(run.report, 'dynamodb.ttl');
    expect(ttl!.status).toBe('fail');
    expect(ttl!.finding).toContain('ENABLED on "expiresAt"');
  });

  it('on dynalite itself TTL is DISABLED (it never purges): a failure, as on any table without TTL', async () => {
    const run = await runDoctor(urlOf(dynalite, GOOD));
    figures('dynamodb (dynalite)', run);
    expect(run.exitCode).toBe(1);
    expect(statusOf(run.report, 'dynamodb.table')).toBe('pass');
    expect(statusOf(run.report, 'dynamodb.ttl')).toBe('fail');
    expect(statusOf(run.report, 'dynamodb.user-index')).toBe('pass');
  });

  it('fails a table that does not exist, and judges nothing else', async () => {
    const run = await runDoctor(urlOf(dynalite, `doctor-missing-${suffix}`));
    expect(run.exitCode).toBe(1);
    expect(run.report.checks.map((c) => [c.id, c.status])).toEqual([['dynamodb.table', 'fail']]);
  });
});
