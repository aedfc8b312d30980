import { startDynalite } from '../test/support/dynalite-server.js';

export interface LocalDynamoDB {
  readonly endpoint: string;
  /** True when this process started dynalite itself (tables live in memory and vanish on exit). */
  readonly embedded: boolean;
  stop(): Promise<void>;
}

/**
 * The DynamoDB the local tools talk to: `AWS_ENDPOINT_URL_DYNAMODB` when set (DynamoDB Local, or
 * anything else speaking the DynamoDB API), otherwise an in-process dynalite on a free loopback port.
 * The endpoint is written back to `AWS_ENDPOINT_URL_DYNAMODB`, so every SDK client the sample
 * handlers build reaches it without any code of theirs knowing about it.
 */
export async function startLocalDynamoDB(): Promise<LocalDynamoDB> {
  process.env.AWS_REGION ??= 'us-east-1';
  // Local endpoints accept any credentials; a real account keeps the caller's own.
  if (!process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE) {
    process.env.AWS_ACCESS_KEY_ID = 'local';
    process.env.AWS_SECRET_ACCESS_KEY = 'local';
  }
  // The SDK's notice that it will need Node.js 22 in 2027 would precede every report; the engines field says 20.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const external = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  if (external) return { endpoint: external, embedded: false, stop: async () => {} };
  const server = await startDynalite();
  process.env.AWS_ENDPOINT_URL_DYNAMODB = server.endpoint;
  return {
    endpoint: server.endpoint,
    embedded: true,
    stop: async () => {
      await server.stop();
      delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
    },
  };
}
