'use strict';
// The scratch app as CommonJS: every SessionKit package (ES modules, loaded through Node's require() of ESM) and
// every driver loaded with `require()`.
const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
const cassandra = require('@sessionkit/cassandra');
const cli = require('@sessionkit/cli');
const conformance = require('@sessionkit/conformance');
const core = require('@sessionkit/core');
const dynamodb = require('@sessionkit/dynamodb');
const hazelcast = require('@sessionkit/hazelcast');
const http = require('@sessionkit/http');
const memcached = require('@sessionkit/memcached');
const opentelemetry = require('@sessionkit/opentelemetry');
const redis = require('@sessionkit/redis');
const storeUrl = require('@sessionkit/store-url');
const tiered = require('@sessionkit/tiered');
const cassandraDriver = require('cassandra-driver');
const { Client: HazelcastClient } = require('hazelcast-client');
const { Redis } = require('ioredis');
const memjs = require('memjs');
const { exercise } = require('./exercise.cjs');

exercise({
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
}).catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
