/**
 * Reading a map's configuration from a Hazelcast member through the Node client.
 *
 * The public client API has no call for it. The client protocol does: `MC.getMapConfig` (message type
 * 0x200300), the request Hazelcast's Management Center (itself a client) uses to show a map's settings. The
 * member answers from its own effective config for that map name (wildcard patterns resolved), which is
 * exactly what the doctor must judge — no guessing from entry behaviour. hazelcast-client 5.x ships no codec
 * for it, so this file encodes the request and decodes the fixed part of the response with the client's own
 * message classes, and sends it through the client's invocation service to one member at a time (each member
 * answers for itself; they should agree). Those are internals of the pinned hazelcast-client (their typings
 * are stripped), hence the narrow structural types below; the doctor tests run this against real members.
 *
 * A member can refuse Management Center requests (e.g. `management-center: trusted-interfaces` set without the
 * client's address, or client security without permission): {@link readMapConfig} then rejects and the caller
 * reports that the config cannot be verified.
 *
 * @module
 */
import { createRequire } from 'node:module';
import type { Client } from 'hazelcast-client';

/** The settings of a map that matter to sessions, as the member reports them. */
export interface MapConfigFacts {
  backupCount: number;
  asyncBackupCount: number;
  /** `time-to-live-seconds` (0 = entries never expire by default). */
  timeToLiveSeconds: number;
  /** `max-idle-seconds` (0 = off). */
  maxIdleSeconds: number;
  maxSize: number;
  /** `max-size-policy` id (see {@link MAX_SIZE_POLICIES}). */
  maxSizePolicy: number;
  /** `eviction-policy` id (see {@link EVICTION_POLICIES}). */
  evictionPolicy: number;
  mergePolicy: string;
}

/** Hazelcast's `EvictionPolicy` ids. */
export const EVICTION_POLICIES: Record<number, string> = { 0: 'LRU', 1: 'LFU', 2: 'NONE', 3: 'RANDOM' };

/** Hazelcast's `MaxSizePolicy` ids (the map ones). */
export const MAX_SIZE_POLICIES: Record<number, string> = {
  0: 'PER_NODE',
  1: 'PER_PARTITION',
  2: 'USED_HEAP_PERCENTAGE',
  3: 'USED_HEAP_SIZE',
  4: 'FREE_HEAP_PERCENTAGE',
  5: 'FREE_HEAP_SIZE',
  6: 'ENTRY_COUNT',
  7: 'USED_NATIVE_MEMORY_SIZE',
  8: 'USED_NATIVE_MEMORY_PERCENTAGE',
  9: 'FREE_NATIVE_MEMORY_SIZE',
  10: 'FREE_NATIVE_MEMORY_PERCENTAGE',
};

const MC_GET_MAP_CONFIG = 0x200300;
const INT = 4;

/** The parts of hazelcast-client's internal message classes used here. */
interface Frame {
  content: Buffer;
}
interface ClientMessage {
  setRetryable(retryable: boolean): void;
  addFrame(frame: Frame): void;
  setMessageType(type: number): void;
  setPartitionId(partition: number): void;
  nextFrame(): Frame;
}
interface ProtocolModule {
  ClientMessage: { createForEncode(): ClientMessage };
  Frame: { createInitialFrame(size: number): Frame };
  PARTITION_ID_OFFSET: number;
  RESPONSE_BACKUP_ACKS_OFFSET: number;
}
interface StringCodecModule {
  StringCodec: { encode(message: ClientMessage, value: string): void; decode(message: ClientMessage): string };
}
interface InvocationService {
  invokeOnTarget<T>(request: ClientMessage, target: unknown, handler: (response: ClientMessage) => T): Promise<T>;
}

const require = createRequire(import.meta.url);
const protocol = require('hazelcast-client/lib/protocol/ClientMessage') as ProtocolModule;
const { StringCodec } = require('hazelcast-client/lib/codec/builtin/StringCodec') as StringCodecModule;

function encodeRequest(mapName: string): ClientMessage {
  const message = protocol.ClientMessage.createForEncode();
  message.setRetryable(true);
  message.addFrame(protocol.Frame.createInitialFrame(protocol.PARTITION_ID_OFFSET + INT));
  message.setMessageType(MC_GET_MAP_CONFIG);
  message.setPartitionId(-1);
  StringCodec.encode(message, mapName);
  return message;
}

/**
 * Response layout (protocol 2.x, unchanged since Hazelcast 4.0): after the response header, fixed-size
 * `inMemoryFormat, backupCount, asyncBackupCount, timeToLiveSeconds, maxIdleSeconds, maxSize, maxSizePolicy`
 * (int32 LE each), `readBackupData` (1 byte), `evictionPolicy` (int32); then `mergePolicy` as a string frame.
 * Later fields (indexes, ...) follow as further frames and are not read.
 */
function decodeResponse(message: ClientMessage): MapConfigFacts {
  const c = message.nextFrame().content;
  const base = protocol.RESPONSE_BACKUP_ACKS_OFFSET + 1;
  const int = (i: number) => c.readInt32LE(base + i * INT);
  return {
    backupCount: int(1),
    asyncBackupCount: int(2),
    timeToLiveSeconds: int(3),
    maxIdleSeconds: int(4),
    maxSize: int(5),
    maxSizePolicy: int(6),
    evictionPolicy: c.readInt32LE(base + 7 * INT + 1),
    mergePolicy: StringCodec.decode(message),
  };
}

/** Asks the member `memberUuid` for the effective config of `mapName`. Rejects if the member refuses. */
export function readMapConfig(client: Client, memberUuid: unknown, mapName: string): Promise<MapConfigFacts> {
  const invocations = (client as unknown as { invocationService: InvocationService }).invocationService;
  return invocations.invokeOnTarget(encodeRequest(mapName), memberUuid, decodeResponse);
}
