/**
 * `sessionkit doctor dynamodb://...`: the table (status and key schema), TTL enabled on the attribute the
 * store writes, and the per-user GSI (present, on the right key, projecting `expiresAt`, ACTIVE). What is
 * expected comes from `@sessionkit/dynamodb`'s own definitions (`sessionTableDefinition`,
 * `sessionTableTtlSpecification`), so the doctor and `createSessionTable` cannot drift apart.
 *
 * @module
 */
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
  type TimeToLiveDescription,
} from '@aws-sdk/client-dynamodb';
import { StoreUnavailableError } from '@sessionkit/core';
import { sessionTableDefinition, sessionTableTtlSpecification } from '@sessionkit/dynamodb';
import { type CheckResult, errorMessage, fail, pass, warn } from './check.js';

/** What DescribeTimeToLive said, or why it could not say it. */
export type TtlFacts = { description: TimeToLiveDescription } | { unsupported: string };

/** The expected layout: table key, GSI name, key and projected attribute, TTL attribute. */
export interface ExpectedLayout {
  keyAttribute: string;
  userIndexName: string;
  userIdAttribute: string;
  expiresAtAttribute: string;
  ttlAttribute: string;
}

/** The layout `@sessionkit/dynamodb` creates, with `userIndexName` overridden if given. */
export function expectedLayout(userIndexName?: string): ExpectedLayout {
  const definition = sessionTableDefinition();
  const index = definition.GlobalSecondaryIndexes![0]!;
  return {
    keyAttribute: definition.KeySchema!.find((k) => k.KeyType === 'HASH')!.AttributeName!,
    userIndexName: userIndexName ?? index.IndexName!,
    userIdAttribute: index.KeySchema!.find((k) => k.KeyType === 'HASH')!.AttributeName!,
    expiresAtAttribute: index.Projection!.NonKeyAttributes![0]!,
    ttlAttribute: sessionTableTtlSpecification().TimeToLiveSpecification!.AttributeName!,
  };
}

const SCHEMA_FIX = 'create it with `sessionkit schema <url> --apply`';

/** `dynamodb.table`: exists, ACTIVE, keyed on the store's partition key alone. */
export function tableCheck(table: TableDescription | undefined, name: string, layout: ExpectedLayout): CheckResult {
  const id = 'dynamodb.table';
  if (!table) return fail(id, `table "${name}" does not exist.`, SCHEMA_FIX);
  const hash = table.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
  const range = table.KeySchema?.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  if (hash !== layout.keyAttribute || range !== undefined) {
    return fail(
      id,
      `table "${name}" is keyed on ${hash}${range ? ` + ${range}` : ''}, not on "${layout.keyAttribute}" alone: the store cannot use it.`,
      `use another table name, or recreate it (${SCHEMA_FIX})`,
    );
  }
  const status = table.TableStatus ?? 'unknown';
  const billing = table.BillingModeSummary?.BillingMode ?? 'PROVISIONED';
  if (status === 'ACTIVE') return pass(id, `"${name}" ACTIVE, ${billing}, ${table.ItemCount ?? 0} items (approx.).`);
  if (status === 'UPDATING') {
    return warn(
      id,
      `"${name}" is UPDATING: it serves reads and writes, but a second change is refused until it ends.`,
      'wait, then run the doctor again',
    );
  }
  return fail(
    id,
    `"${name}" is ${status}: sessions cannot be read or written.`,
    status === 'CREATING' ? 'wait until it is ACTIVE' : 'restore or recreate the table',
  );
}

/** `dynamodb.ttl`: TTL on the attribute the store writes its expiry (epoch seconds) to. */
export function ttlCheck(ttl: TtlFacts, name: string, layout: ExpectedLayout): CheckResult {
  const id = 'dynamodb.ttl';
  const fix = `aws dynamodb update-time-to-live --table-name ${name} --time-to-live-specification Enabled=true,AttributeName=${layout.ttlAttribute}`;
  if ('unsupported' in ttl) {
    return warn(
      id,
      `cannot verify: this endpoint does not implement DescribeTimeToLive (${ttl.unsupported}); an emulator without TTL keeps expired sessions until they are deleted (reads still hide them).`,
      `on AWS: ${fix}`,
    );
  }
  const status = ttl.description.TimeToLiveStatus ?? 'DISABLED';
  const attribute = ttl.description.AttributeName;
  if ((status === 'ENABLED' || status === 'ENABLING') && attribute !== layout.ttlAttribute) {
    return fail(
      id,
      `TTL is ${status} on "${attribute}", but the store writes its expiry to "${layout.ttlAttribute}": expired sessions are never purged, and items with "${attribute}" set may be deleted early.`,
      `disable TTL on "${attribute}", wait for DISABLED (up to an hour), then: ${fix}`,
    );
  }
  if (status === 'ENABLED') return pass(id, `TTL ENABLED on "${attribute}".`);
  if (status === 'ENABLING')
    return warn(id, `TTL ENABLING on "${attribute}" (takes up to an hour).`, 'wait, then run the doctor again');
  return fail(
    id,
    `TTL is ${status}: nothing purges expired sessions, so the table grows (storage and scan cost) with every session ever created (reads still hide them).`,
    fix,
  );
}

/** `dynamodb.user-index`: the GSI `listByUser`/`deleteByUser` query. */
export function userIndexCheck(table: TableDescription, layout: ExpectedLayout): CheckResult {
  const id = 'dynamodb.user-index';
  const index = table.GlobalSecondaryIndexes?.find((i) => i.IndexName === layout.userIndexName);
  const names = table.GlobalSecondaryIndexes?.map((i) => i.IndexName).join(', ') || 'none';
  if (!index) {
    return fail(
      id,
      `no global secondary index "${layout.userIndexName}" (indexes: ${names}): listing and revoking a user's sessions (logout everywhere) fails.`,
      `aws dynamodb update-table --table-name ${table.TableName} --attribute-definitions AttributeName=${layout.userIdAttribute},AttributeType=S --global-secondary-index-updates '[{"Create":{"IndexName":"${layout.userIndexName}","KeySchema":[{"AttributeName":"${layout.userIdAttribute}","KeyType":"HASH"}],"Projection":{"ProjectionType":"INCLUDE","NonKeyAttributes":["${layout.expiresAtAttribute}"]}}}]'`,
    );
  }
  const hash = index.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
  const projection = index.Projection?.ProjectionType;
  const projects =
    projection === 'ALL' ||
    (projection === 'INCLUDE' && (index.Projection?.NonKeyAttributes ?? []).includes(layout.expiresAtAttribute));
  if (hash !== layout.userIdAttribute || !projects) {
    return fail(
      id,
      `index "${layout.userIndexName}" is on "${hash}" projecting ${projection}${projection === 'INCLUDE' ? ` [${index.Projection?.NonKeyAttributes?.join(', ')}]` : ''}; the store needs it on "${layout.userIdAttribute}" with "${layout.expiresAtAttribute}" projected.`,
      'delete the index and create it as `sessionkit schema <url>` prints',
    );
  }
  const status = index.IndexStatus ?? 'ACTIVE';
  if (status === 'ACTIVE') return pass(id, `"${layout.userIndexName}" on "${hash}" ACTIVE.`);
  if (status === 'CREATING' || status === 'UPDATING') {
    return warn(
      id,
      `"${layout.userIndexName}" is ${status}${index.Backfilling ? ' (backfilling)' : ''}: until it is ACTIVE, user queries miss sessions.`,
      'wait until it is ACTIVE',
    );
  }
  return fail(id, `"${layout.userIndexName}" is ${status}: user queries fail.`, 'recreate the index');
}

const errorName = (error: unknown) => (error as { name?: string } | null)?.name ?? '';

/** Reads the table and its TTL. `undefined` table = does not exist. */
export async function readDynamoDB(
  client: DynamoDBClient,
  table: string,
  timeoutMs: number,
): Promise<{ table: TableDescription | undefined; ttl: TtlFacts }> {
  const options = () => ({ abortSignal: AbortSignal.timeout(timeoutMs) });
  let description: TableDescription | undefined;
  try {
    description = (await client.send(new DescribeTableCommand({ TableName: table }), options())).Table;
  } catch (error) {
    if (errorName(error) !== 'ResourceNotFoundException') throw unreachable(error);
  }
  let ttl: TtlFacts = { unsupported: 'table missing' };
  if (description) {
    try {
      const answer = await client.send(new DescribeTimeToLiveCommand({ TableName: table }), options());
      ttl = { description: answer.TimeToLiveDescription ?? {} };
    } catch (error) {
      // A server without TTL support (some emulators) answers UnknownOperationException. (dynalite 4 answers
      // DISABLED, which is the truth: it never purges; only its UpdateTimeToLive is unknown.)
      if (errorName(error) !== 'UnknownOperationException') throw unreachable(error);
      ttl = { unsupported: 'UnknownOperationException' };
    }
  }
  return { table: description, ttl };
}

function unreachable(error: unknown): StoreUnavailableError {
  return new StoreUnavailableError(`DynamoDB did not answer: ${errorMessage(error)}`, {
    store: 'dynamodb',
    operation: 'doctor',
    cause: error,
  });
}

/** Runs the DynamoDB checks with `client` (the store's own). */
export async function doctorDynamoDB(
  client: DynamoDBClient,
  tableName: string,
  userIndexName: string | undefined,
  timeoutMs: number,
): Promise<CheckResult[]> {
  const layout = expectedLayout(userIndexName);
  const { table, ttl } = await readDynamoDB(client, tableName, timeoutMs);
  // Without a table there is no TTL or index to judge: the table line says what to do.
  if (!table) return [tableCheck(table, tableName, layout)];
  return [tableCheck(table, tableName, layout), ttlCheck(ttl, tableName, layout), userIndexCheck(table, layout)];
}
