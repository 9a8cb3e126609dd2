/** Classification of SDK errors into SessionKit's typed errors (pure; the real-server paths are in the other files). */
import {
  ConditionalCheckFailedException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ResourceNotFoundException,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import { ConfigurationError, PayloadTooLargeError, StoreUnavailableError } from '@sessionkit/core';
import { describe, expect, it } from 'vitest';
import { isConditionFailed, isRetryableRead, isThrottling, toDynamoDBError } from '../src/errors.js';

const meta = { $metadata: {} };
const named = (name: string, message: string, extra: object = {}) => Object.assign(new Error(message), { name }, extra);

describe('error classification', () => {
  it('a failed condition is a result, not an error', () => {
    expect(
      isConditionFailed(new ConditionalCheckFailedException({ message: 'The conditional request failed', ...meta })),
    ).toBe(true);
    expect(isConditionFailed(new Error('x'))).toBe(false);
  });

  it('the three throttling errors are retryable for reads and writes and map to StoreUnavailableError', () => {
    for (const error of [
      new ThrottlingException({ message: 'Rate exceeded', ...meta }),
      new ProvisionedThroughputExceededException({ message: 'exceeded', ...meta }),
      new RequestLimitExceeded({ message: 'limit', ...meta }),
    ]) {
      expect(isThrottling(error), error.name).toBe(true);
      expect(isRetryableRead(error), error.name).toBe(true);
      const mapped = toDynamoDBError('dynamodb', 'update', error, 't');
      expect(mapped, error.name).toBeInstanceOf(StoreUnavailableError);
      expect(mapped.cause).toBe(error);
      expect(mapped.operation).toBe('update');
    }
  });

  it('resets and 5xx are retried for reads only', () => {
    const reset = named('Error', 'socket hang up', { code: 'ECONNRESET' });
    const server = new InternalServerError({ message: 'boom', $metadata: { httpStatusCode: 500 } });
    for (const error of [reset, server]) {
      expect(isRetryableRead(error)).toBe(true);
      expect(isThrottling(error)).toBe(false);
      expect(toDynamoDBError('dynamodb', 'get', error, 't')).toBeInstanceOf(StoreUnavailableError);
    }
    expect(
      isRetryableRead(named('Error', 'connect ECONNREFUSED', { code: 'ECONNREFUSED' })),
      'a dead endpoint fails fast',
    ).toBe(false);
  });

  it('a refused or lost connection, however deeply nested, is StoreUnavailableError with the SDK error as cause', () => {
    const refused = named('Error', 'connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' });
    const wrapped = named('Error', 'request failed', { cause: refused });
    const mapped = toDynamoDBError('dynamodb', 'get', wrapped, 't');
    expect(mapped).toBeInstanceOf(StoreUnavailableError);
    expect(mapped.cause).toBe(wrapped);
    expect(mapped.message).toContain('ECONNREFUSED');
    expect(isRetryableRead(wrapped)).toBe(false);
    expect(
      isRetryableRead(
        named('Error', 'request failed', { cause: named('Error', 'socket hang up', { code: 'ECONNRESET' }) }),
      ),
    ).toBe(true);
  });

  it('maps a missing table, size rejections and configuration problems', () => {
    const missing = toDynamoDBError(
      'dynamodb',
      'get',
      new ResourceNotFoundException({ message: 'no table', ...meta }),
      'sessions',
    );
    expect(missing).toBeInstanceOf(StoreUnavailableError);
    expect(missing.message).toContain('"sessions"');
    expect(
      toDynamoDBError(
        'dynamodb',
        'update',
        named('ValidationException', 'Item size to update has exceeded the maximum allowed size'),
        't',
      ),
    ).toBeInstanceOf(PayloadTooLargeError);
    for (const error of [
      named('ValidationException', 'One or more parameter values were invalid'),
      named('UnrecognizedClientException', 'The security token included in the request is invalid'),
      named('AccessDeniedException', 'not authorized'),
      named('CredentialsProviderError', 'Could not load credentials from any providers'),
      named('Error', 'Region is missing'),
    ]) {
      const mapped = toDynamoDBError('dynamodb', 'get', error, 't');
      expect(mapped, error.name).toBeInstanceOf(ConfigurationError);
      expect(mapped.store).toBe('dynamodb');
    }
  });
});
