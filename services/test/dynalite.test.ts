import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { endpoints } from '../src/index.js';
import { sleep, uniqueKey } from './helpers.js';

describe('dynamodb (dynalite)', () => {
  const { endpoint, region, credentials } = endpoints.dynamodb;
  const ddb = new DynamoDBClient({ endpoint, region, credentials, maxAttempts: 1 });
  afterAll(() => ddb.destroy());

  it('creates a table, puts and gets an item', async () => {
    // dynalite has no TTL (servers.md): expiry is the adapter's read-side filter, not tested here.
    const table = uniqueKey('table')
      .replace(/[^a-zA-Z0-9_.-]/g, '-')
      .slice(0, 200);
    await ddb.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [{ AttributeName: 'k', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    // With --createTableMs 0 the table turns ACTIVE right after CreateTable answers CREATING.
    for (let i = 0; ; i++) {
      const { Table } = await ddb.send(new DescribeTableCommand({ TableName: table }));
      if (Table?.TableStatus === 'ACTIVE') break;
      expect(i, 'table still not ACTIVE').toBeLessThan(50);
      await sleep(20);
    }
    await ddb.send(new PutItemCommand({ TableName: table, Item: { k: { S: 'a' }, v: { S: 'v1' } } }));
    const got = await ddb.send(new GetItemCommand({ TableName: table, Key: { k: { S: 'a' } }, ConsistentRead: true }));
    expect(got.Item?.v?.S).toBe('v1');
  });
});
