// The scratch app as an ES module: every SessionKit package and every driver loaded with `import`.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as cassandra from '@sessionkit/cassandra';
import * as cli from '@sessionkit/cli';
import * as conformance from '@sessionkit/conformance';
import * as core from '@sessionkit/core';
import * as dynamodb from '@sessionkit/dynamodb';
import * as hazelcast from '@sessionkit/hazelcast';
import * as http from '@sessionkit/http';
import * as memcached from '@sessionkit/memcached';
import * as opentelemetry from '@sessionkit/opentelemetry';
import * as redis from '@sessionkit/redis';
import * as storeUrl from '@sessionkit/store-url';
import * as tiered from '@sessionkit/tiered';
import cassandraDriver from 'cassandra-driver';
import { Client as HazelcastClient } from 'hazelcast-client';
import { Redis } from 'ioredis';
import memjs from 'memjs';
import exerciseModule from './exercise.cjs';

await exerciseModule.exercise({
  sessionkit: {
    core,
    redis,
    memcached,
    cassandra,
    dynamodb,
    hazelcast,
    tiered,
    http,
    conformance,
    opentelemetry,
    storeUrl,
    cli,
  },
  drivers: { Redis, Memjs: memjs.Client, Cassandra: cassandraDriver.Client, DynamoDBClient, HazelcastClient },
});
