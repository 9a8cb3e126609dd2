/**
 * Removing what a test created on the shared servers: its DynamoDB table, its Cassandra keyspace.
 *
 * @module
 */
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { CassandraSessionStore } from '@sessionkit/cassandra';
import { DynamoDBSessionStore } from '@sessionkit/dynamodb';
import { createStore, parseStoreUrl } from '@sessionkit/store-url';

/** Deletes the table of a `dynamodb://` URL (it must exist). */
export async function dropTable(url: string): Promise<void> {
  const spec = parseStoreUrl(url);
  if (spec.kind !== 'dynamodb') throw new TypeError(`${url} is not a DynamoDB store`);
  const store = await createStore(spec);
  try {
    if (!(store instanceof DynamoDBSessionStore)) throw new TypeError(`${url} is not a DynamoDB store`);
    await store.client.send(new DeleteTableCommand({ TableName: spec.table }));
  } finally {
    await store.close();
  }
}

/** Drops the keyspace of a `cassandra://` URL if it exists. */
export async function dropKeyspace(url: string): Promise<void> {
  const store = await createStore(url);
  try {
    if (!(store instanceof CassandraSessionStore)) throw new TypeError(`${url} is not a Cassandra store`);
    await store.client.execute(`DROP KEYSPACE IF EXISTS ${store.tables.keyspace}`);
  } finally {
    await store.close();
  }
}
